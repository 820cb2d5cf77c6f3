#include "core/capture/checked_directory.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

#include "core/base/file_stat.h"

namespace leakguard {

std::string JoinPath(const std::string& dir, const std::string& name) {
  if (dir.empty() || dir.back() == '/')
    return dir + name;
  return dir + "/" + name;
}

Status IoFailure(IoError* out,
                 const char* syscall,
                 const std::string& path,
                 int err) {
  if (out != nullptr) {
    out->error = err;
    out->syscall = syscall;
    out->path = path;
  }
  return Status(StatusCode::kIoError,
                std::string(syscall) + " '" + path + "': " + strerror(err));
}

namespace {

int64_t Uid(int64_t owner_uid) {
  return owner_uid == kThisUser ? static_cast<int64_t>(geteuid()) : owner_uid;
}

std::string Mode(mode_t mode) {
  char text[8];
  snprintf(text, sizeof(text), "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

}  // namespace

Status MakeDirectories(const std::string& dir, IoError* error) {
  if (dir.empty()) {
    return Status(StatusCode::kInvalidArgument, "snapshot directory is empty");
  }
  struct stat st;
  if (PathStat(dir.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode))
      return Status::Ok();
    return IoFailure(error, "mkdir", dir, ENOTDIR);
  }
  // Create each missing component from the top, so that every directory
  // we create gets mode 0700 and nothing else is touched.
  size_t pos = 0;
  while (pos != std::string::npos) {
    pos = dir.find('/', pos + 1);
    const std::string part = dir.substr(0, pos);
    if (part.empty() || part == "/")
      continue;
    if (mkdir(part.c_str(), 0700) != 0 && errno != EEXIST) {
      const int err = errno;
      return IoFailure(error, "mkdir", part, err);
    }
  }
  if (PathStat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return IoFailure(error, "mkdir", dir, ENOTDIR);
  }
  return Status::Ok();
}

Status OpenCheckedDirectory(const std::string& dir,
                            const DirectoryPolicy& policy,
                            int* fd,
                            DirectoryInfo* info,
                            IoError* error) {
  *fd = -1;
  const std::string role = policy.role;
  if (dir.empty())
    return Status(StatusCode::kInvalidArgument, role + " is empty");
  if (policy.create) {
    Status s = MakeDirectories(dir, error);
    if (!s.ok())
      return s;
  }
  const int dfd =
      open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dfd < 0) {
    const int err = errno;
    struct stat st;
    if ((err == ELOOP || err == ENOTDIR) &&
        PathLinkStat(dir.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
      char target[4096];
      const ssize_t n = readlink(dir.c_str(), target, sizeof(target) - 1);
      target[n > 0 ? n : 0] = '\0';
      return Status(StatusCode::kInvalidArgument,
                    role + " '" + dir + "' is a symbolic link (to '" + target +
                        "'); leakguard does not follow links there. Pass the "
                        "directory itself if that is where the files belong");
    }
    return IoFailure(error, "open", dir, err);
  }
  struct stat st;
  if (FileStat(dfd, &st) != 0) {
    const int err = errno;
    close(dfd);
    return IoFailure(error, "fstat", dir, err);
  }
  const int64_t owner = Uid(policy.owner_uid);
  if (static_cast<int64_t>(st.st_uid) != owner && st.st_uid != 0) {
    close(dfd);
    return Status(
        StatusCode::kInvalidArgument,
        role + " '" + dir + "' belongs to uid " + std::to_string(st.st_uid) +
            ", not to " +
            (policy.owner_uid == kThisUser ? "this process's user"
                                           : "the user") +
            " (uid " + std::to_string(owner) +
            "): its owner could read or replace the files. Use a directory of "
            "that user's (leakguard creates a missing one with mode 0700)");
  }
  // Writable by others: the world, or a group that is not the owner's own
  // (with user private groups, umask 002 makes every directory 0775, and
  // that group has no one else in it). The sticky bit, as on /tmp, keeps
  // others from removing or renaming our files.
  const int64_t group = policy.owner_gid == kThisUser
                            ? static_cast<int64_t>(getegid())
                            : policy.owner_gid;
  const bool others_write =
      (st.st_mode & S_IWOTH) != 0 ||
      ((st.st_mode & S_IWGRP) != 0 && static_cast<int64_t>(st.st_gid) != group);
  if (others_write && ((st.st_mode & S_ISVTX) == 0 || !policy.allow_shared)) {
    close(dfd);
    return Status(
        StatusCode::kInvalidArgument,
        role + " '" + dir + "' is writable by " +
            ((st.st_mode & S_IWOTH) != 0
                 ? std::string("everyone")
                 : "group " + std::to_string(st.st_gid)) +
            " (mode " + Mode(st.st_mode) +
            ((st.st_mode & S_ISVTX) == 0
                 ? ") without the sticky bit: another user could swap files "
                   "in it"
                 : "): anyone could leave a request in it") +
            ". chmod go-w it, or use a directory of that user's");
  }
  if (info != nullptr) {
    info->uid = static_cast<int64_t>(st.st_uid);
    info->shared = others_write;
  }
  *fd = dfd;
  return Status::Ok();
}

Status OpenGuardedFile(int dir_fd,
                       const std::string& dir,
                       const std::string& name,
                       int64_t owner_uid,
                       int* fd,
                       IoError* error,
                       struct stat* st_out) {
  *fd = -1;
  const std::string path = JoinPath(dir, name);
  if (name.empty() || name.find('/') != std::string::npos || name == "." ||
      name == "..") {
    return Status(StatusCode::kInvalidArgument,
                  "'" + name + "' is not a file name in " + dir);
  }
  const int f =
      openat(dir_fd,
             name.c_str(),
             O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (f < 0) {
    const int err = errno;
    if (err == ELOOP) {
      return Status(StatusCode::kInvalidArgument,
                    path + " is a symbolic link; leakguard does not follow it");
    }
    return IoFailure(error, "open", path, err);
  }
  struct stat st;
  if (FileStat(f, &st) != 0) {
    const int err = errno;
    close(f);
    return IoFailure(error, "fstat", path, err);
  }
  const int64_t owner = Uid(owner_uid);
  std::string why;
  if (!S_ISREG(st.st_mode)) {
    why = "is not a regular file";
  } else if (static_cast<int64_t>(st.st_uid) != owner && st.st_uid != 0) {
    why = "belongs to uid " + std::to_string(st.st_uid) + ", not to uid " +
          std::to_string(owner) + " or root";
  }
  if (!why.empty()) {
    close(f);
    return Status(StatusCode::kInvalidArgument, path + " " + why);
  }
  if (st_out != nullptr)
    *st_out = st;
  *fd = f;
  return Status::Ok();
}

Status ReadGuardedFile(int dir_fd,
                       const std::string& dir,
                       const std::string& name,
                       int64_t owner_uid,
                       size_t max_bytes,
                       std::string* out,
                       int64_t* mtime_ms,
                       IoError* error) {
  out->clear();
  const std::string path = JoinPath(dir, name);
  int fd = -1;
  struct stat st;
  Status s = OpenGuardedFile(dir_fd, dir, name, owner_uid, &fd, error, &st);
  if (!s.ok())
    return s;
  if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    close(fd);
    return Status(
        StatusCode::kInvalidArgument,
        path + " is larger than " + std::to_string(max_bytes) + " bytes");
  }
  if (mtime_ms != nullptr) {
    *mtime_ms = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 +
                st.st_mtim.tv_nsec / 1000000;
  }
  // The size may change under us: read at most max_bytes + 1 to notice.
  out->resize(max_bytes + 1);
  size_t got = 0;
  while (got < out->size()) {
    const ssize_t n = read(fd, &(*out)[got], out->size() - got);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      const int err = errno;
      close(fd);
      out->clear();
      return IoFailure(error, "read", path, err);
    }
    if (n == 0)
      break;
    got += static_cast<size_t>(n);
  }
  close(fd);
  if (got > max_bytes) {
    out->clear();
    return Status(
        StatusCode::kInvalidArgument,
        path + " is larger than " + std::to_string(max_bytes) + " bytes");
  }
  out->resize(got);
  return Status::Ok();
}

}  // namespace leakguard
