// stat(2) and friends by system call on Linux.
//
// glibc 2.33 turned stat, fstat, lstat and fstatat into exported functions
// of a new symbol version (GLIBC_2.33; before, they were inline wrappers
// of __xstat and friends), so a binary built against a newer glibc and
// calling them does not load on an older one. leakguard's prebuilds must
// load wherever Node's own Linux binaries run (glibc 2.28: RHEL 8, Debian
// 10), so these go to the kernel directly: newfstatat(2) fills the same
// struct stat glibc does on x86_64 and arm64 (AT_EMPTY_PATH for fstat).
// Elsewhere (macOS builds from source) they are the libc functions.
// test-package.js checks the prebuilds' symbol versions (objdump -T).
#ifndef LEAKGUARD_CORE_BASE_FILE_STAT_H_
#define LEAKGUARD_CORE_BASE_FILE_STAT_H_

#include <fcntl.h>
#include <sys/stat.h>

#if defined(__linux__) && (defined(__x86_64__) || defined(__aarch64__))
#include <sys/syscall.h>
#include <unistd.h>
#define LEAKGUARD_STAT_BY_SYSCALL 1
#endif

namespace leakguard {

// As fstatat(2): 0, or -1 with errno set.
inline int FileStatAt(int dir_fd,
                      const char* path,
                      struct stat* st,
                      int flags) {
#ifdef LEAKGUARD_STAT_BY_SYSCALL
  return static_cast<int>(syscall(SYS_newfstatat, dir_fd, path, st, flags));
#else
  return fstatat(dir_fd, path, st, flags);
#endif
}

inline int FileStat(int fd, struct stat* st) {
#ifdef LEAKGUARD_STAT_BY_SYSCALL
  return FileStatAt(fd, "", st, AT_EMPTY_PATH);
#else
  return fstat(fd, st);
#endif
}

inline int PathStat(const char* path, struct stat* st) {
  return FileStatAt(AT_FDCWD, path, st, 0);
}

inline int PathLinkStat(const char* path, struct stat* st) {
  return FileStatAt(AT_FDCWD, path, st, AT_SYMLINK_NOFOLLOW);
}

}  // namespace leakguard

#endif  // LEAKGUARD_CORE_BASE_FILE_STAT_H_
