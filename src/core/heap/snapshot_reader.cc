#include "core/heap/snapshot_reader.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "core/base/file_stat.h"
#include "core/heap/snapshot_parser.h"

namespace leakguard {

namespace {

Status OpenForRead(const std::string& path, int* fd, uint64_t* size) {
  do {
    *fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  } while (*fd < 0 && errno == EINTR);
  if (*fd < 0) {
    return Status(StatusCode::kIoError,
                  "open " + path + ": " + std::strerror(errno));
  }
  struct stat st;
  if (FileStat(*fd, &st) != 0) {
    int err = errno;
    close(*fd);
    return Status(StatusCode::kIoError,
                  "fstat " + path + ": " + std::strerror(err));
  }
  if (S_ISDIR(st.st_mode)) {
    close(*fd);
    return Status(StatusCode::kIoError, "open " + path + ": is a directory");
  }
  *size = static_cast<uint64_t>(st.st_size);
#ifdef POSIX_FADV_SEQUENTIAL
  posix_fadvise(*fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
  return Status::Ok();
}

}  // namespace

uint64_t DefaultReadBudget() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page <= 0)
    return uint64_t{4} << 30;
  return static_cast<uint64_t>(pages) * static_cast<uint64_t>(page) / 2;
}

Result<HeapGraph> ReadSnapshotFile(const std::string& path,
                                   const SnapshotReadOptions& options) {
  int fd;
  uint64_t size;
  Status s = OpenForRead(path, &fd, &size);
  if (!s.ok())
    return s;
  HeapGraph graph;
  SnapshotParser parser(fd, nullptr, 0, size, options, &graph, nullptr);
  s = parser.Parse();
  close(fd);
  if (!s.ok())
    return s;
  return Result<HeapGraph>(std::move(graph));
}

Result<HeapGraph> ReadSnapshotBuffer(const char* data,
                                     size_t size,
                                     const SnapshotReadOptions& options) {
  HeapGraph graph;
  SnapshotParser parser(-1, data, size, size, options, &graph, nullptr);
  Status s = parser.Parse();
  if (!s.ok())
    return s;
  return Result<HeapGraph>(std::move(graph));
}

void SortUniqueIds(std::vector<uint32_t>* ids) {
  // V8 writes nodes in id order, so this is usually a no-op scan.
  if (!std::is_sorted(ids->begin(), ids->end())) {
    std::sort(ids->begin(), ids->end());
  }
  ids->erase(std::unique(ids->begin(), ids->end()), ids->end());
}

Result<std::vector<uint32_t>> ReadSnapshotIds(
    const std::string& path, const SnapshotReadOptions& options) {
  int fd;
  uint64_t size;
  Status s = OpenForRead(path, &fd, &size);
  if (!s.ok())
    return s;
  std::vector<uint32_t> ids;
  SnapshotParser parser(fd, nullptr, 0, size, options, nullptr, &ids);
  s = parser.Parse();
  close(fd);
  if (!s.ok())
    return s;
  SortUniqueIds(&ids);
  return Result<std::vector<uint32_t>>(std::move(ids));
}

Result<std::vector<uint32_t>> ReadSnapshotIdsBuffer(
    const char* data, size_t size, const SnapshotReadOptions& options) {
  std::vector<uint32_t> ids;
  SnapshotParser parser(-1, data, size, size, options, nullptr, &ids);
  Status s = parser.Parse();
  if (!s.ok())
    return s;
  SortUniqueIds(&ids);
  return Result<std::vector<uint32_t>>(std::move(ids));
}

}  // namespace leakguard
