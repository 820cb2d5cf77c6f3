// GcStats accumulates the GC records drained from the ring into the counters
// that heapStats() and the 'stats' event report.
//
// Threading: owned and written by the monitor thread only. Readers on other
// threads get a copy through the monitor thread's mutex (see Snapshot()).
//
// memwatch compatibility: num_full_gc counts mark-sweep-compact collections;
// num_inc_gc counts every other collection (scavenges, minor mark-compacts,
// incremental marking steps); heap_compactions counts full collections too,
// because V8 no longer reports whether a full GC compacted (every full GC
// may evacuate fragmented pages). current_base is the heap used after the
// latest full GC, min and max the extremes of that base. estimated_base and
// usage_trend are the leak detector's (its Theil-Sen line and slope of the
// live heap); GcStats leaves them 0 and MonitorThread::Stats() fills them.
#ifndef LEAKGUARD_CORE_GC_STATS_H_
#define LEAKGUARD_CORE_GC_STATS_H_

#include <cstdint>

#include "core/monitor/gc_record.h"

namespace leakguard {

// Per GC type: how many collections and how long they paused the isolate.
struct GcTypeCounters {
  uint64_t count = 0;
  double total_pause_ms = 0;
  double max_pause_ms = 0;
};

struct GcStatsSnapshot {
  static constexpr int kTypes = 5;  // one slot per GcTypeBit, in bit order
  GcTypeCounters by_type[kTypes];
  uint64_t num_full_gc = 0;
  uint64_t num_inc_gc = 0;
  uint64_t heap_compactions = 0;
  double total_pause_ms = 0;
  double max_pause_ms = 0;
  // Heap used after the latest full GC, and its extremes; 0 before the first.
  uint64_t current_base = 0;
  uint64_t min_base = 0;
  uint64_t max_base = 0;
  // The detector's line now and its slope in bytes per second (see above).
  double estimated_base = 0;
  double usage_trend = 0;
  // From the latest record of any type.
  uint64_t heap_used = 0;
  uint64_t heap_total = 0;
  uint64_t heap_limit = 0;
  uint64_t external = 0;
  double last_pause_ms = 0;
  uint64_t last_end_ns = 0;
};

class GcStats {
 public:
  // Folds one record in. Returns true when it was a full collection, after
  // which the caller emits a 'stats' event.
  bool Add(const GcRecord& record);

  const GcStatsSnapshot& snapshot() const { return s_; }
  void Reset() { s_ = GcStatsSnapshot(); }

  // Slot in by_type for a GcTypeBit, or -1.
  static int TypeIndex(uint32_t type);

 private:
  GcStatsSnapshot s_;
};

}  // namespace leakguard

#endif  // LEAKGUARD_CORE_GC_STATS_H_
