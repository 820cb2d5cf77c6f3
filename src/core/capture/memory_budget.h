// The memory budget of a heap snapshot: how much extra memory taking one
// will need, and how much the process may still use before the kernel or
// the container's OOM killer steps in.
//
// Why: V8 builds the whole snapshot graph in native memory before a byte
// is written. For a heap of small objects that costs several times the
// heap (measured, see docs/snapshots.md and bench/RESULTS.md), which is how
// a diagnostic dump gets a pod OOM-killed into a 0-byte file. leakguard
// refuses instead, with the numbers in the message.
//
// Pure functions over files; the paths are parameters so tests can point
// them at fixtures. No shared state.
#ifndef LEAKGUARD_CORE_MEMORY_BUDGET_H_
#define LEAKGUARD_CORE_MEMORY_BUDGET_H_

#include <cstdint>
#include <string>

#include "core/base/status.h"

namespace leakguard {

struct SystemPaths {
  std::string proc = "/proc";  // reads self/cgroup and meminfo
  std::string cgroup_root = "/sys/fs/cgroup";
};

struct MemoryHeadroom {
  uint64_t available = 0;  // bytes the process may still allocate
  // Which limit decided `available`: "cgroup-v2", "cgroup-v1" or "meminfo".
  std::string source;
  uint64_t limit = 0;  // that limit (MemTotal for "meminfo")
  uint64_t usage = 0;  // usage counted against it, less reclaimable cache
};

// The smallest of: every cgroup v2 ancestor's memory.max minus
// (memory.current minus inactive file cache), the cgroup v1 memory
// controller's limit_in_bytes minus (usage_in_bytes minus
// total_inactive_file), and the machine's MemAvailable. Inactive file
// pages are reclaimed before the OOM killer runs (the kubelet's working
// set uses the same subtraction), and our own snapshot files sit there.
Result<MemoryHeadroom> ReadMemoryHeadroom(const SystemPaths& paths = {});

// Extra native memory V8 needs to take and serialise a snapshot of a heap
// with `heap_used` bytes in use. The cost is per snapshot node (object),
// not per byte, so the estimate is heap_used / heap_bytes_per_node nodes
// times kSnapshotBytesPerNode. Pass the ratio seen in this process's last
// snapshot; 0 assumes a heap of small objects (kDefaultHeapBytesPerNode),
// the worst case, so the first snapshot errs on the side of refusing.
uint64_t EstimateSnapshotBytes(uint64_t heap_used,
                               double heap_bytes_per_node = 0);

// The one cost model of a capture in this process, learned from each one
// (SnapshotController::Capture feeds it every capture, automatic or not):
// heap bytes per snapshot node, the memory budget's input, and the
// isolate's pause per node, which explain's explainMaxPauseMs is judged
// against (lib/analysis/explain.js asks through estimateSnapshotPauseMs()).
// Until a capture was measured: a heap of small objects,
// kDefaultHeapBytesPerNode bytes and kDefaultPauseMsPerNode per node, the worst
// case.
class CaptureCostModel {
 public:
  void Observe(uint64_t heap_used, uint64_t nodes, double pause_ms) {
    if (heap_used == 0 || nodes == 0)
      return;
    bytes_per_node_ =
        static_cast<double>(heap_used) / static_cast<double>(nodes);
    if (pause_ms > 0)
      ms_per_node_ = pause_ms / static_cast<double>(nodes);
  }
  // 0 until a capture was measured (EstimateSnapshotBytes' default).
  double heap_bytes_per_node() const { return bytes_per_node_; }
  uint64_t EstimateBytes(uint64_t heap_used) const {
    return EstimateSnapshotBytes(heap_used, bytes_per_node_);
  }
  double EstimatePauseMs(uint64_t heap_used) const;

 private:
  double bytes_per_node_ = 0;
  double ms_per_node_ = 0;
};

// Isolate pause per snapshot node (V8's capture and our copy, 3-5 us per
// node in bench/RESULTS.md), the upper end.
extern const double kDefaultPauseMsPerNode;

// Measured peak extra RSS per snapshot node (bench/snapshot.js, node 20,
// x64 Linux: 1.50 KB), rounded up.
extern const double kSnapshotBytesPerNode;
// Heap bytes per node of a heap of small objects (measured 52), rounded
// down; a typical service's heap measures 50-60.
extern const double kDefaultHeapBytesPerNode;
// Fixed part of the estimate (strings table, serialiser buffers).
extern const uint64_t kSnapshotFixedBytes;

// kNoHeadroom, with both numbers and the limit's source in the message,
// when `needed` exceeds `headroom.available`.
Status CheckHeadroom(uint64_t needed, const MemoryHeadroom& headroom);

}  // namespace leakguard

#endif  // LEAKGUARD_CORE_MEMORY_BUDGET_H_
