// Files for heap snapshots: their names, the user's name template, the
// atomic writer, retention of old files and the free-disk check.
//
// Nothing here knows about V8: src/addon/snapshot.cc streams V8's JSON into
// an AtomicFileWriter. Every call returns a Status; a failed system call
// also fills an IoError naming the syscall, the path and errno, so that the
// addon can build a Node-style error (code, syscall, path) in one place.
//
// Threading: no shared state. An AtomicFileWriter is used by one thread at
// a time; it may be handed from the isolate's thread (Open, Write) to a
// finishing thread (Sync, Publish).
#ifndef LEAKGUARD_CORE_SNAPSHOT_FILE_H_
#define LEAKGUARD_CORE_SNAPSHOT_FILE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/base/status.h"
#include "core/capture/checked_directory.h"

namespace leakguard {

// What a snapshot file name is made of.
struct SnapshotNameParts {
  int64_t pid = 0;
  int64_t thread_id = 0;  // worker threadId; 0 on the main thread
  int64_t unix_ms = 0;    // wall-clock time of the capture
  std::string reason;     // sanitised with SanitizeReason
};

// "leakguard-{pid}-{time}-{reason}.heapsnapshot".
extern const char kDefaultNameTemplate[];
extern const char kSnapshotExtension[];  // ".heapsnapshot"

// A template is a single file name with placeholders {pid}, {tid}, {time}
// and {reason}. It can never leave the snapshot directory: separators,
// "..", a leading '.', control characters and unknown placeholders are
// rejected (kInvalidArgument, with the reason in the message).
Status ValidateNameTemplate(const std::string& name_template);

// Expands a valid template. The result ends in ".heapsnapshot" (added when
// the template does not), and `seq` > 0 adds "-<seq>" before the extension
// to avoid an existing file.
std::string ExpandNameTemplate(const std::string& name_template,
                               const SnapshotNameParts& parts,
                               uint32_t seq = 0);

// True when `file_name` could have been produced by ExpandNameTemplate
// with this template (placeholders match anything, plus an optional
// sequence suffix). Retention only ever touches such files.
// `extension` is what a name of this kind ends in (".html" for reports).
bool MatchesNameTemplate(const std::string& name_template,
                         const std::string& file_name,
                         const char* extension = kSnapshotExtension);

// ISO 8601 basic format in UTC, which sorts and never needs quoting in a
// file name: "20261123T192744.123Z".
std::string FormatIsoTime(int64_t unix_ms);

// Keeps [A-Za-z0-9_-] and at most 64 characters; "" becomes "snapshot".
std::string SanitizeReason(const std::string& reason);

// OpenCheckedDirectory with the default policy: opens `dir` for this
// process's files (creating it, and missing parents, with mode 0700),
// refusing a directory that could redirect or expose them: a
// symbolic link (never followed: O_NOFOLLOW), one owned by another user
// (root excepted), one writable by others or by a group other than this
// user's own, without the sticky bit. A refusal is kInvalidArgument saying why
// and what to do; a failed system call is kIoError with `error` filled. Files
// are then made relative to *fd (openat, linkat, unlinkat), so that swapping
// the path after the check redirects nothing. The caller closes *fd.
Status OpenSnapshotDirectory(const std::string& dir, int* fd, IoError* error);

// Free bytes for an unprivileged user on the file system holding `dir` (or
// its nearest existing parent).
Status FreeDiskBytes(const std::string& dir, uint64_t* bytes, IoError* error);

// How AtomicFileWriter::Publish treats a final name that exists.
enum class PublishMode {
  kNextFreeName,  // "-1", "-2", ... before the extension (snapshots)
  kReplace,       // rename() over it: a name the user chose (report -o)
  kNoReplace,     // fail with EEXIST (a profile request: one at a time)
};

// Writes a file so that it either appears complete under its final name or
// not at all: the data goes to "<name>.tmp" (created with O_EXCL and
// O_NOFOLLOW, mode 0600, relative to the checked directory's descriptor),
// every byte is written, it is flushed with fsync, and it is then linked
// under the final name (link() refuses to replace an existing file;
// rename() replaces, and is the fallback on file systems without hard
// links). Any failure, and destruction before Publish(), removes the
// temporary file; a temporary that exists already is another writer's and
// is never touched.
class AtomicFileWriter {
 public:
  AtomicFileWriter() = default;
  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  // Creates the directory if needed and opens the temporary file. When
  // `name` or its temporary already exists, "-1", "-2", ... are tried.
  Status Open(const std::string& dir, const std::string& name);
  // The same, in a directory checked by `policy` (OpenCheckedDirectory).
  Status Open(const std::string& dir,
              const std::string& name,
              const DirectoryPolicy& policy);
  // Writes everything, retrying partial writes and EINTR.
  Status Write(const char* data, size_t size);
  // fsync and close.
  Status Sync();
  // Gives the file its final name and flushes the directory entry.
  Status Publish();
  // Removes the temporary file (idempotent; no-op after Publish).
  void Abort();

  // Test hook: Write fails with ENOSPC once this many bytes are written,
  // the way a full disk does. 0 disables it.
  void set_fail_after_bytes(uint64_t bytes) { fail_after_bytes_ = bytes; }
  // Before Open.
  void set_mode(PublishMode mode) { mode_ = mode; }
  // Before Open: the file is given to this user and group through its own
  // descriptor (fchown), never by path: root's CLI writing a request that
  // the service, running as that user, must read.
  void set_owner(int64_t uid, int64_t gid) {
    owner_uid_ = uid;
    owner_gid_ = gid;
  }

  const std::string& path() const { return path_; }  // final path
  const std::string& tmp_path() const { return tmp_path_; }
  uint64_t bytes_written() const { return bytes_written_; }
  bool published() const { return published_; }
  const IoError& error() const { return error_; }

 private:
  Status Fail(const char* syscall, const std::string& path, int err);
  void CloseDirectory();

  std::string dir_;
  std::string name_;
  std::string path_;
  std::string tmp_path_;
  std::string tmp_name_;  // tmp_path_'s name in dir_fd_
  int dir_fd_ = -1;       // the directory, from OpenSnapshotDirectory
  int fd_ = -1;
  uint64_t bytes_written_ = 0;
  uint64_t fail_after_bytes_ = 0;
  PublishMode mode_ = PublishMode::kNextFreeName;
  int64_t owner_uid_ = -1;
  int64_t owner_gid_ = -1;
  bool published_ = false;
  IoError error_;
};

// Removes the oldest files in `dir` that match `name_template` until at
// most `max_files` remain (0 keeps everything). Age is the modification
// time, then the name. Only regular files of ours are considered: owned by
// this user and mode 0600 (as we write them), so a broad template does
// not reach other tools' snapshots; never symbolic links nor temporary
// files. A file that cannot be removed (EPERM, EACCES) does not stop the
// others: the first such failure is returned once the pass is done.
// Removed paths are appended to `removed`.
Status ApplyRetention(const std::string& dir,
                      const std::string& name_template,
                      size_t max_files,
                      std::vector<std::string>* removed,
                      IoError* error,
                      const char* extension = kSnapshotExtension);

// Removes temporary files of ours that no writer holds any more: in `dir`,
// "<name>.tmp" where <name> matches `name_template`, a regular file owned
// by this user, last modified at least `min_age_s` ago, and not locked by
// a live AtomicFileWriter (each holds flock(LOCK_EX) on its file while it
// writes; a writer that died, even by SIGKILL or the OOM killer, holds
// nothing). `min_age_s` may be 0 (when the disk is short of space): a
// writer checks its file still has a link after taking the lock, so one
// removed between its open and its lock only costs it another name.
// Errors on single files are skipped: the next pass tries again.
// Removed paths are appended to `removed`.
void RemoveStaleTemporaries(const std::string& dir,
                            const std::string& name_template,
                            int64_t min_age_s,
                            std::vector<std::string>* removed,
                            const char* extension = kSnapshotExtension);

}  // namespace leakguard

#endif  // LEAKGUARD_CORE_SNAPSHOT_FILE_H_
