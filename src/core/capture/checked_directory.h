// The one file layer's directory: every file leakguard writes or reads in
// a directory (snapshots, reports, profiles, profile requests and their
// error files) goes through a descriptor opened and checked here, and
// every name is then opened relative to that descriptor.
//
// The threat (docs/security.md): the directory may be writable by other
// local users, and the CLI runs as root against services owned by other
// users. So the directory itself is never a symbolic link, belongs to the
// user whose files it holds (or to root), and is not writable by anyone
// else unless the sticky bit keeps them from renaming or removing our
// files. Names inside it are opened with O_NOFOLLOW, never block
// (O_NONBLOCK: a FIFO planted under a name we read cannot hang us), and a
// file is only read once fstat() on its descriptor says it is a regular
// file of the right owner and size.
//
// Threading: no shared state; any thread.
#ifndef LEAKGUARD_CORE_CHECKED_DIRECTORY_H_
#define LEAKGUARD_CORE_CHECKED_DIRECTORY_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include <sys/stat.h>

#include "core/base/status.h"

namespace leakguard {

// The system call that failed and what it was given.
struct IoError {
  int error = 0;        // errno value (positive), 0 when nothing failed
  std::string syscall;  // "open", "write", "fsync", "link", "rename", ...
  std::string path;
};

// The file layer's two small shared pieces: "dir/name", and a failed
// system call as both an IoError (when `out` is not null) and the Status
// "<syscall> '<path>': <strerror>".
std::string JoinPath(const std::string& dir, const std::string& name);
Status IoFailure(IoError* out,
                 const char* syscall,
                 const std::string& path,
                 int err);

// Any uid: this process's effective user.
constexpr int64_t kThisUser = -1;

// What a directory must be to be used.
struct DirectoryPolicy {
  // Create it, and missing parents, with mode 0700 when it does not exist.
  bool create = true;
  // The user whose directory it must be (root's is always accepted):
  // kThisUser for the process's own files; the target's uid for root's CLI
  // writing a request into a service's directory.
  int64_t owner_uid = kThisUser;
  // That user's group: a directory it alone can write to may be group
  // writable by this group (user private groups with umask 002).
  // kThisUser: this process's effective group.
  int64_t owner_gid = kThisUser;
  // Accept a directory that others can write to when the sticky bit keeps
  // them from our files (files we write); false for what must come from
  // its owner alone (profile requests).
  bool allow_shared = true;
  // What to call it in messages: "snapshot directory", "report directory".
  const char* role = "snapshot directory";
};

// What the check saw, for callers that trust less than the policy.
struct DirectoryInfo {
  int64_t uid = -1;
  // Writable by users other than its owner (possible only with the sticky
  // bit, which the policy requires then). Profile requests are refused in
  // such a directory: anyone could plant one.
  bool shared = false;
};

// Creates `dir` and its missing parents with mode 0700. Existing
// directories are left as they are.
Status MakeDirectories(const std::string& dir, IoError* error);

// Opens `dir` as the policy says. A refusal is kInvalidArgument saying why
// and what to do; a failed system call is kIoError with `error` filled
// (error->error is ENOENT for a missing directory when !policy.create).
// The caller closes *fd. `info` may be null.
Status OpenCheckedDirectory(const std::string& dir,
                            const DirectoryPolicy& policy,
                            int* fd,
                            DirectoryInfo* info,
                            IoError* error);

// Opens `name` in the checked directory `dir_fd` for reading: O_RDONLY |
// O_NOFOLLOW | O_NONBLOCK, then fstat() must show a regular file owned by
// `owner_uid` (kThisUser: this process's user; root is always accepted).
// A file that is not acceptable is kInvalidArgument saying why; a missing
// one kIoError with error->error == ENOENT. The caller closes *fd.
Status OpenGuardedFile(int dir_fd,
                       const std::string& dir,
                       const std::string& name,
                       int64_t owner_uid,
                       int* fd,
                       IoError* error,
                       struct stat* st = nullptr);

// Reads the whole of `name` in the checked directory `dir_fd` (`dir` is
// for messages): opened O_RDONLY | O_NOFOLLOW | O_NONBLOCK, then fstat()
// must show a regular file owned by `owner_uid` (kThisUser: this process's
// user; root is always accepted) of at most `max_bytes`. Never blocks on a
// FIFO or a device, never follows a link, never reads more than
// max_bytes. A missing file is kIoError with error->error == ENOENT; a
// file that is not acceptable is kInvalidArgument saying why. `mtime_ms`
// may be null.
Status ReadGuardedFile(int dir_fd,
                       const std::string& dir,
                       const std::string& name,
                       int64_t owner_uid,
                       size_t max_bytes,
                       std::string* out,
                       int64_t* mtime_ms,
                       IoError* error);

}  // namespace leakguard

#endif  // LEAKGUARD_CORE_CHECKED_DIRECTORY_H_
