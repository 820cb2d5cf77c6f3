#include "core/capture/memory_budget.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/base/byte_format.h"

namespace leakguard {

// Calibration (bench/snapshot.js, node 20, x64 Linux, heaps of 10 to 200
// MB of ~32-byte objects): the peak extra RSS while V8 takes and
// serialises a snapshot was 1.50 KB per snapshot node, about 29 times the
// heap in use; the heaps had one node per 52 bytes. Rounded so that the
// estimate errs on the side of refusing.
const double kSnapshotBytesPerNode = 1600;
const double kDefaultHeapBytesPerNode = 48;
const uint64_t kSnapshotFixedBytes = 32ull << 20;

namespace {

// cgroup v1 reports "no limit" as a page-rounded LLONG_MAX.
constexpr uint64_t kUnlimited = 1ull << 62;

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path);
  if (!in)
    return false;
  std::stringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

// Reads a file holding one number; "max" (cgroup v2) reads as unlimited.
bool ReadNumber(const std::string& path, uint64_t* value) {
  std::string text;
  if (!ReadFile(path, &text))
    return false;
  if (text.compare(0, 3, "max") == 0) {
    *value = UINT64_MAX;
    return true;
  }
  char* end = nullptr;
  const unsigned long long v = strtoull(text.c_str(), &end, 10);
  if (end == text.c_str())
    return false;
  *value = v;
  return true;
}

// Value of `key` in a "key value" file such as memory.stat.
uint64_t ReadStat(const std::string& path, const std::string& key) {
  std::ifstream in(path);
  std::string k;
  uint64_t v;
  while (in >> k >> v) {
    if (k == key)
      return v;
  }
  return 0;
}

// The cgroup path of this process for cgroup v2 ("0::/path") or for the
// v1 controller `controller`.
bool CgroupPath(const std::string& proc,
                const char* controller,
                std::string* out) {
  std::ifstream in(proc + "/self/cgroup");
  std::string line;
  while (std::getline(in, line)) {
    const size_t a = line.find(':');
    const size_t b = a == std::string::npos ? a : line.find(':', a + 1);
    if (b == std::string::npos)
      continue;
    const std::string controllers = line.substr(a + 1, b - a - 1);
    const std::string path = line.substr(b + 1);
    if (controller == nullptr) {
      if (line.compare(0, a, "0") == 0 && controllers.empty()) {
        *out = path;
        return true;
      }
      continue;
    }
    std::stringstream list(controllers);
    std::string c;
    while (std::getline(list, c, ',')) {
      if (c == controller) {
        *out = path;
        return true;
      }
    }
  }
  return false;
}

uint64_t Headroom(uint64_t limit, uint64_t usage) {
  return usage >= limit ? 0 : limit - usage;
}

void Consider(MemoryHeadroom* best,
              bool* found,
              const char* source,
              uint64_t limit,
              uint64_t usage) {
  const uint64_t available = Headroom(limit, usage);
  if (!*found || available < best->available) {
    best->available = available;
    best->source = source;
    best->limit = limit;
    best->usage = usage;
    *found = true;
  }
}

// Every ancestor of our v2 cgroup may carry a limit; the tightest wins.
void ConsiderCgroupV2(const SystemPaths& paths,
                      MemoryHeadroom* best,
                      bool* found) {
  std::string rel;
  if (!CgroupPath(paths.proc, nullptr, &rel))
    return;
  std::string root = paths.cgroup_root;
  std::ifstream pure(root + "/cgroup.controllers");
  if (!pure)
    root += "/unified";  // hybrid layout
  std::string dir = root + rel;
  std::ifstream probe(dir + "/cgroup.procs");
  if (!probe)
    dir = root;  // a cgroup namespace hides the host path
  while (dir.size() >= root.size()) {
    uint64_t limit = 0, current = 0;
    if (ReadNumber(dir + "/memory.max", &limit) && limit != UINT64_MAX &&
        ReadNumber(dir + "/memory.current", &current)) {
      const uint64_t inactive = ReadStat(dir + "/memory.stat", "inactive_file");
      const uint64_t usage = current > inactive ? current - inactive : 0;
      Consider(best, found, "cgroup-v2", limit, usage);
    }
    if (dir.size() == root.size())
      break;
    const size_t slash = dir.find_last_of('/');
    if (slash == std::string::npos || slash < root.size())
      break;
    dir = dir.substr(0, slash);
  }
}

void ConsiderCgroupV1(const SystemPaths& paths,
                      MemoryHeadroom* best,
                      bool* found) {
  const std::string root = paths.cgroup_root + "/memory";
  std::string rel;
  std::string dir = root;
  if (CgroupPath(paths.proc, "memory", &rel)) {
    std::ifstream probe(root + rel + "/memory.limit_in_bytes");
    if (probe)
      dir = root + rel;
  }
  uint64_t limit = 0, usage = 0;
  if (!ReadNumber(dir + "/memory.limit_in_bytes", &limit) ||
      limit >= kUnlimited ||
      !ReadNumber(dir + "/memory.usage_in_bytes", &usage)) {
    return;
  }
  const uint64_t inactive =
      ReadStat(dir + "/memory.stat", "total_inactive_file");
  Consider(
      best, found, "cgroup-v1", limit, usage > inactive ? usage - inactive : 0);
}

void ConsiderMeminfo(const SystemPaths& paths,
                     MemoryHeadroom* best,
                     bool* found) {
  std::ifstream in(paths.proc + "/meminfo");
  std::string key, unit;
  uint64_t value = 0, total = 0, available = 0;
  bool have_available = false;
  while (in >> key >> value) {
    std::getline(in, unit);
    if (key == "MemTotal:")
      total = value * 1024;
    if (key == "MemAvailable:") {
      available = value * 1024;
      have_available = true;
    }
  }
  if (!have_available)
    return;
  Consider(
      best, found, "meminfo", total, total > available ? total - available : 0);
}

}  // namespace

Result<MemoryHeadroom> ReadMemoryHeadroom(const SystemPaths& paths) {
  MemoryHeadroom best;
  bool found = false;
  ConsiderCgroupV2(paths, &best, &found);
  ConsiderCgroupV1(paths, &best, &found);
  ConsiderMeminfo(paths, &best, &found);
  if (!found) {
    return Status(StatusCode::kUnsupported,
                  "cannot read the memory limit: no cgroup memory limit and "
                  "no MemAvailable in " +
                      paths.proc + "/meminfo");
  }
  return best;
}

const double kDefaultPauseMsPerNode = 4e-3;

double CaptureCostModel::EstimatePauseMs(uint64_t heap_used) const {
  const double per_node =
      bytes_per_node_ > 0 ? bytes_per_node_ : kDefaultHeapBytesPerNode;
  const double ms = ms_per_node_ > 0 ? ms_per_node_ : kDefaultPauseMsPerNode;
  return static_cast<double>(heap_used) / per_node * ms;
}

uint64_t EstimateSnapshotBytes(uint64_t heap_used, double heap_bytes_per_node) {
  // A ratio from a tiny or odd heap must not make the estimate tiny.
  double per_node =
      heap_bytes_per_node > 0 ? heap_bytes_per_node : kDefaultHeapBytesPerNode;
  if (per_node < 16)
    per_node = 16;
  const double nodes = static_cast<double>(heap_used) / per_node;
  return static_cast<uint64_t>(nodes * kSnapshotBytesPerNode) +
         kSnapshotFixedBytes;
}

Status CheckHeadroom(uint64_t needed, const MemoryHeadroom& headroom) {
  if (needed <= headroom.available)
    return Status::Ok();
  return Status(StatusCode::kNoHeadroom,
                "not enough memory for a heap snapshot: it needs about " +
                    FormatBytesIec(needed) + " more, and only " +
                    FormatBytesIec(headroom.available) + " is left (" +
                    headroom.source + ": limit " +
                    FormatBytesIec(headroom.limit) + ", in use " +
                    FormatBytesIec(headroom.usage) + ")");
}

}  // namespace leakguard
