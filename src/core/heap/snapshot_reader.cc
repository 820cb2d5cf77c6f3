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
  // V8 writes nodes in traversal order, in long ascending runs of ids that
  // drove std::sort's introsort into its heapsort fallback: 10% of a
  // three-snapshot analysis (perf, bench/analyze.js). An LSD radix sort of
  // three 11-bit digits is linear whatever the order; a digit all ids share
  // is skipped. The scratch is as large as the ids, which the reader's
  // budget already bounds.
  if (!std::is_sorted(ids->begin(), ids->end())) {
    constexpr int kBits = 11;
    constexpr uint32_t kBuckets = 1u << kBits;
    std::vector<uint32_t> counts(3 * kBuckets, 0);
    for (uint32_t v : *ids) {
      counts[v & (kBuckets - 1)]++;
      counts[kBuckets + ((v >> kBits) & (kBuckets - 1))]++;
      counts[2 * kBuckets + (v >> (2 * kBits))]++;
    }
    std::vector<uint32_t> scratch(ids->size());
    uint32_t* from = ids->data();
    uint32_t* to = scratch.data();
    const size_t n = ids->size();
    for (int digit = 0; digit < 3; digit++) {
      uint32_t* c = &counts[static_cast<size_t>(digit) * kBuckets];
      const int shift = digit * kBits;
      if (c[(from[0] >> shift) & (kBuckets - 1)] == n)
        continue;  // every id has this digit
      uint32_t sum = 0;
      for (uint32_t b = 0; b < kBuckets; b++) {
        const uint32_t k = c[b];
        c[b] = sum;
        sum += k;
      }
      for (size_t i = 0; i < n; i++)
        to[c[(from[i] >> shift) & (kBuckets - 1)]++] = from[i];
      std::swap(from, to);
    }
    if (from != ids->data())
      std::memcpy(ids->data(), from, n * sizeof(uint32_t));
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
