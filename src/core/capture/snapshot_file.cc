#include "core/capture/snapshot_file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "core/base/file_stat.h"

namespace leakguard {

const char kDefaultNameTemplate[] =
    "leakguard-{pid}-{time}-{reason}.heapsnapshot";
const char kSnapshotExtension[] = ".heapsnapshot";

namespace {

const char* const kPlaceholders[] = {"{pid}", "{tid}", "{time}", "{reason}"};
constexpr size_t kMaxTemplateLength = 200;
constexpr int kMaxSeq = 1000;

bool EndsWith(const std::string& s, const char* suffix) {
  const size_t n = strlen(suffix);
  return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

// Inserts "-<seq>" before the extension: ".heapsnapshot", or whatever
// follows the last '.' ("report.html" -> "report-1.html").
std::string WithSeq(const std::string& name, uint32_t seq) {
  if (seq == 0)
    return name;
  // Appended, not "-" + to_string(): g++ 12 under C++20 warns falsely
  // (-Wrestrict, GCC bug 105329) on that spelling.
  std::string suffix(1, '-');
  suffix += std::to_string(seq);
  if (EndsWith(name, kSnapshotExtension)) {
    const size_t at = name.size() - strlen(kSnapshotExtension);
    return name.substr(0, at) + suffix + kSnapshotExtension;
  }
  const size_t dot = name.rfind('.');
  if (dot != std::string::npos && dot > 0)
    return name.substr(0, dot) + suffix + name.substr(dot);
  return name + suffix;
}

}  // namespace

Status ValidateNameTemplate(const std::string& t) {
  auto invalid = [&](const std::string& why) {
    return Status(StatusCode::kInvalidArgument,
                  "snapshot name template '" + t + "' " + why);
  };
  if (t.empty())
    return invalid("is empty");
  if (t.size() > kMaxTemplateLength) {
    return invalid("is longer than " + std::to_string(kMaxTemplateLength) +
                   " characters");
  }
  if (t.find('/') != std::string::npos || t.find('\\') != std::string::npos) {
    return invalid(
        "contains a path separator; it must be a file name inside the "
        "snapshot directory");
  }
  if (t.find("..") != std::string::npos) {
    return invalid("contains '..'; it must stay inside the snapshot directory");
  }
  if (t[0] == '.')
    return invalid("starts with '.'");
  for (unsigned char c : t) {
    if (c < 0x20 || c == 0x7f)
      return invalid("contains a control character");
  }
  for (size_t i = 0; i < t.size(); i++) {
    if (t[i] == '}')
      return invalid("has a '}' without '{'");
    if (t[i] != '{')
      continue;
    const size_t end = t.find('}', i);
    if (end == std::string::npos)
      return invalid("has an unclosed '{'");
    const std::string p = t.substr(i, end - i + 1);
    bool known = false;
    for (const char* k : kPlaceholders)
      known = known || p == k;
    if (!known) {
      return invalid("uses unknown placeholder " + p +
                     " (accepted: {pid}, {tid}, {time}, {reason})");
    }
    i = end;
  }
  return Status::Ok();
}

std::string FormatIsoTime(int64_t unix_ms) {
  const time_t secs = static_cast<time_t>(unix_ms / 1000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char buf[64];
  snprintf(buf,
           sizeof(buf),
           "%04d%02d%02dT%02d%02d%02d.%03dZ",
           tm.tm_year + 1900,
           tm.tm_mon + 1,
           tm.tm_mday,
           tm.tm_hour,
           tm.tm_min,
           tm.tm_sec,
           static_cast<int>(((unix_ms % 1000) + 1000) % 1000));
  return buf;
}

std::string SanitizeReason(const std::string& reason) {
  std::string out;
  for (char c : reason) {
    if (out.size() >= 64)
      break;
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || c == '-' || c == '_';
    out.push_back(ok ? c : '_');
  }
  return out.empty() ? "snapshot" : out;
}

std::string ExpandNameTemplate(const std::string& t,
                               const SnapshotNameParts& parts,
                               uint32_t seq) {
  std::string out;
  for (size_t i = 0; i < t.size(); i++) {
    if (t[i] == '{') {
      const size_t end = t.find('}', i);
      const std::string p = t.substr(i, end - i + 1);
      if (p == "{pid}") {
        out += std::to_string(parts.pid);
      } else if (p == "{tid}") {
        out += std::to_string(parts.thread_id);
      } else if (p == "{time}") {
        out += FormatIsoTime(parts.unix_ms);
      } else if (p == "{reason}") {
        out += SanitizeReason(parts.reason);
      }
      i = end;
      continue;
    }
    out.push_back(t[i]);
  }
  if (!EndsWith(out, kSnapshotExtension))
    out += kSnapshotExtension;
  return WithSeq(out, seq);
}

bool MatchesNameTemplate(const std::string& t,
                         const std::string& name,
                         const char* extension) {
  if (EndsWith(name, ".tmp"))
    return false;
  // Placeholders become '*'; glob metacharacters of the template itself
  // are escaped so that they match literally.
  std::string pattern;
  for (size_t i = 0; i < t.size(); i++) {
    const char c = t[i];
    if (c == '{') {
      i = t.find('}', i);
      if (i == std::string::npos)
        return false;
      pattern += '*';
      continue;
    }
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') {
      pattern += '\\';
    }
    pattern += c;
  }
  if (!EndsWith(pattern, extension))
    pattern += extension;
  if (fnmatch(pattern.c_str(), name.c_str(), 0) == 0)
    return true;
  // The collision suffix: "<stem>-<n><extension>".
  const size_t at = pattern.size() - strlen(extension);
  const std::string with_seq = pattern.substr(0, at) + "-[0-9]*" + extension;
  return fnmatch(with_seq.c_str(), name.c_str(), 0) == 0;
}

Status OpenSnapshotDirectory(const std::string& dir, int* fd, IoError* error) {
  return OpenCheckedDirectory(dir, DirectoryPolicy(), fd, nullptr, error);
}

Status FreeDiskBytes(const std::string& dir, uint64_t* bytes, IoError* error) {
  std::string probe = dir.empty() ? "." : dir;
  struct statvfs sv;
  while (statvfs(probe.c_str(), &sv) != 0) {
    const int err = errno;
    const size_t slash = probe.find_last_of('/');
    if (err != ENOENT || slash == std::string::npos) {
      return IoFailure(error, "statvfs", probe, err);
    }
    probe = slash == 0 ? "/" : probe.substr(0, slash);
  }
  *bytes = static_cast<uint64_t>(sv.f_bavail) * sv.f_frsize;
  return Status::Ok();
}

AtomicFileWriter::~AtomicFileWriter() {
  Abort();
}

Status AtomicFileWriter::Fail(const char* syscall,
                              const std::string& path,
                              int err) {
  Status status = IoFailure(&error_, syscall, path, err);
  Abort();
  return status;
}

Status AtomicFileWriter::Open(const std::string& dir, const std::string& name) {
  return Open(dir, name, DirectoryPolicy());
}

Status AtomicFileWriter::Open(const std::string& dir,
                              const std::string& name,
                              const DirectoryPolicy& policy) {
  Status s = OpenCheckedDirectory(dir, policy, &dir_fd_, nullptr, &error_);
  if (!s.ok())
    return s;
  dir_ = dir;
  name_ = name;
  for (int seq = 0; seq < kMaxSeq; seq++) {
    const std::string candidate = WithSeq(name, seq);
    struct stat st;
    // A name in use is skipped, unless it is the one to replace.
    if (mode_ == PublishMode::kNextFreeName &&
        FileStatAt(dir_fd_, candidate.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
      continue;
    }
    const std::string tmp = candidate + ".tmp";
    const int fd = openat(dir_fd_,
                          tmp.c_str(),
                          O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                          0600);
    if (fd < 0) {
      if (errno == EEXIST)
        continue;  // another writer's: never ours to remove
      return Fail("open", JoinPath(dir, tmp), errno);
    }
    // Held until the file is closed: RemoveStaleTemporaries leaves a
    // locked .tmp alone, and a dead writer's lock is gone. Between
    // openat and flock the file is unlocked; a reclaimer that removed it
    // in that instant leaves it with no link, and we take another name.
    flock(fd, LOCK_EX | LOCK_NB);
    if (FileStat(fd, &st) != 0 || st.st_nlink == 0) {
      close(fd);
      continue;
    }
    if (owner_uid_ >= 0 && fchown(fd,
                                  static_cast<uid_t>(owner_uid_),
                                  static_cast<gid_t>(owner_gid_)) != 0) {
      const int err = errno;
      fd_ = fd;
      tmp_name_ = tmp;
      tmp_path_ = JoinPath(dir, tmp);
      return Fail("fchown", tmp_path_, err);
    }
    fd_ = fd;
    path_ =
        JoinPath(dir, mode_ == PublishMode::kNextFreeName ? candidate : name);
    tmp_name_ = tmp;
    tmp_path_ = JoinPath(dir, tmp);
    return Status::Ok();
  }
  return Fail("open", JoinPath(dir, name) + ".tmp", EEXIST);
}

Status AtomicFileWriter::Write(const char* data, size_t size) {
  if (fd_ < 0)
    return Fail("write", tmp_path_, EBADF);
  while (size > 0) {
    size_t chunk = size;
    if (fail_after_bytes_ != 0) {
      if (bytes_written_ >= fail_after_bytes_) {
        return Fail("write", tmp_path_, ENOSPC);
      }
      chunk = std::min<uint64_t>(chunk, fail_after_bytes_ - bytes_written_);
    }
    const ssize_t n = write(fd_, data, chunk);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return Fail("write", tmp_path_, errno);
    }
    data += n;
    size -= static_cast<size_t>(n);
    bytes_written_ += static_cast<uint64_t>(n);
  }
  return Status::Ok();
}

Status AtomicFileWriter::Sync() {
  if (fd_ < 0)
    return Fail("fsync", tmp_path_, EBADF);
  if (fsync(fd_) != 0)
    return Fail("fsync", tmp_path_, errno);
  const int fd = fd_;
  fd_ = -1;
  // A close error after a successful fsync still means the data may not be
  // there (NFS reports write errors at close).
  if (close(fd) != 0 && errno != EINTR)
    return Fail("close", tmp_path_, errno);
  return Status::Ok();
}

Status AtomicFileWriter::Publish() {
  if (tmp_path_.empty() || fd_ >= 0 || dir_fd_ < 0)
    return Fail("link", tmp_path_, EBADF);
  std::string target = name_;
  if (mode_ == PublishMode::kReplace) {
    if (renameat(dir_fd_, tmp_name_.c_str(), dir_fd_, target.c_str()) != 0)
      return Fail("rename", JoinPath(dir_, target), errno);
  } else {
    for (int seq = 1;; seq++) {
      if (linkat(dir_fd_, tmp_name_.c_str(), dir_fd_, target.c_str(), 0) == 0) {
        unlinkat(dir_fd_, tmp_name_.c_str(), 0);
        break;
      }
      const int err = errno;
      if (err == EEXIST && mode_ == PublishMode::kNextFreeName &&
          seq < kMaxSeq) {
        target = WithSeq(name_, seq);
        continue;
      }
      if (err != EEXIST &&
          (err == EPERM || err == ENOTSUP || err == EOPNOTSUPP ||
           err == EMLINK || err == ENOSYS)) {
        // No hard links here (some FUSE, vfat): rename, which replaces;
        // a name taken meanwhile is lost to it, which these file systems
        // leave no way to avoid.
        if (mode_ == PublishMode::kNoReplace) {
          struct stat st;
          if (FileStatAt(dir_fd_, target.c_str(), &st, AT_SYMLINK_NOFOLLOW) ==
              0)
            return Fail("link", JoinPath(dir_, target), EEXIST);
        }
        if (renameat(dir_fd_, tmp_name_.c_str(), dir_fd_, target.c_str()) != 0)
          return Fail("rename", JoinPath(dir_, target), errno);
        break;
      }
      return Fail("link", JoinPath(dir_, target), err);
    }
  }
  path_ = JoinPath(dir_, target);
  published_ = true;
  tmp_path_.clear();
  tmp_name_.clear();
  // Make the new directory entry durable too.
  fsync(dir_fd_);
  CloseDirectory();
  return Status::Ok();
}

void AtomicFileWriter::Abort() {
  if (fd_ >= 0) {
    close(fd_);
    fd_ = -1;
  }
  if (!published_ && !tmp_name_.empty() && dir_fd_ >= 0) {
    unlinkat(dir_fd_, tmp_name_.c_str(), 0);
    tmp_path_.clear();
    tmp_name_.clear();
  }
  CloseDirectory();
}

void AtomicFileWriter::CloseDirectory() {
  if (dir_fd_ >= 0) {
    close(dir_fd_);
    dir_fd_ = -1;
  }
}

namespace {

// `dir` opened for listing and removing entries relative to it (never
// through a symbolic link): a DIR* over the descriptor, which fd is.
struct DirectoryScan {
  int fd = -1;
  DIR* dir = nullptr;
  ~DirectoryScan() {
    if (dir != nullptr)
      closedir(dir);  // closes fd too
    else if (fd >= 0)
      close(fd);
  }
  int Open(const std::string& path) {
    fd = open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
      return errno;
    dir = fdopendir(fd);
    return dir == nullptr ? errno : 0;
  }
};

// A regular file of ours: this user's, mode 0600 as AtomicFileWriter
// makes them.
bool OursToRemove(const struct stat& st) {
  return S_ISREG(st.st_mode) && st.st_uid == geteuid() &&
         (st.st_mode & 0077) == 0;
}

}  // namespace

Status ApplyRetention(const std::string& dir,
                      const std::string& name_template,
                      size_t max_files,
                      std::vector<std::string>* removed,
                      IoError* error,
                      const char* extension) {
  if (max_files == 0)
    return Status::Ok();
  DirectoryScan scan;
  if (const int err = scan.Open(dir)) {
    return IoFailure(error, "opendir", dir, err);
  }
  struct Entry {
    std::string name;
    int64_t mtime_ns;
  };
  std::vector<Entry> ours;
  while (struct dirent* e = readdir(scan.dir)) {
    const std::string name = e->d_name;
    if (!MatchesNameTemplate(name_template, name, extension))
      continue;
    struct stat st;
    if (FileStatAt(scan.fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 ||
        !OursToRemove(st)) {
      continue;
    }
    ours.push_back({name,
                    static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 +
                        st.st_mtim.tv_nsec});
  }
  if (ours.size() <= max_files)
    return Status::Ok();
  std::sort(ours.begin(), ours.end(), [](const Entry& a, const Entry& b) {
    if (a.mtime_ns != b.mtime_ns)
      return a.mtime_ns < b.mtime_ns;
    return a.name < b.name;
  });
  // One file that cannot go (EPERM, EACCES) does not keep the others: the
  // first failure is reported after the pass.
  Status first = Status::Ok();
  const size_t excess = ours.size() - max_files;
  for (size_t i = 0; i < excess; i++) {
    const std::string path = JoinPath(dir, ours[i].name);
    if (unlinkat(scan.fd, ours[i].name.c_str(), 0) != 0) {
      const int err = errno;
      if (err != ENOENT && first.ok()) {
        first = IoFailure(error, "unlink", path, err);
      }
      continue;
    }
    if (removed != nullptr)
      removed->push_back(path);
  }
  return first;
}

void RemoveStaleTemporaries(const std::string& dir,
                            const std::string& name_template,
                            int64_t min_age_s,
                            std::vector<std::string>* removed,
                            const char* extension) {
  DirectoryScan scan;
  if (scan.Open(dir) != 0)
    return;
  const char* const suffix = ".tmp";
  const size_t suffix_len = strlen(suffix);
  const time_t now = time(nullptr);
  std::vector<std::string> stale;
  while (struct dirent* e = readdir(scan.dir)) {
    const std::string name = e->d_name;
    if (!EndsWith(name, suffix) ||
        !MatchesNameTemplate(name_template,
                             name.substr(0, name.size() - suffix_len),
                             extension)) {
      continue;
    }
    struct stat st;
    if (FileStatAt(scan.fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 ||
        !OursToRemove(st) || now - st.st_mtime < min_age_s) {
      continue;
    }
    stale.push_back(name);
  }
  for (const std::string& name : stale) {
    const int fd =
        openat(scan.fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
      continue;
    // A live writer holds the lock; whoever takes it now owns the file.
    if (flock(fd, LOCK_EX | LOCK_NB) == 0 &&
        unlinkat(scan.fd, name.c_str(), 0) == 0 && removed != nullptr) {
      removed->push_back(JoinPath(dir, name));
    }
    close(fd);
  }
}

}  // namespace leakguard
