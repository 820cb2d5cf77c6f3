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

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/monitor/gc_record.h"

namespace leakguard {

// Upper bounds, in seconds, of the pause histogram's buckets: prom-client's
// for nodejs_gc_duration_seconds, so leakguard_gc_duration_seconds can be
// compared with it bucket by bucket.
constexpr size_t kGcDurationBounds = 6;
constexpr double kGcDurationBoundsS[kGcDurationBounds] = {
    0.001, 0.01, 0.1, 1, 2, 5};
// The bucket of a pause: the first bound it does not exceed, or
// kGcDurationBounds (above the last bound, the +Inf bucket).
size_t GcDurationBucket(double seconds);

// Per GC type: how many collections and how long they paused the isolate.
struct GcTypeCounters {
  uint64_t count = 0;
  double total_pause_ms = 0;
  double max_pause_ms = 0;
  // Collections per GcDurationBucket (not cumulative; they sum to count).
  uint64_t buckets[kGcDurationBounds + 1] = {};
};

// The pause of every collection, in order, for a reader that records each
// one (OpenTelemetry's histogram takes values, not bucket counts). Off
// until Enable(): then a ring of kCapacity entries (8 bytes each); a reader
// that falls further behind than that is told how many it missed.
class GcDurationLog {
 public:
  static constexpr size_t kCapacity = 4096;
  struct Entry {
    float seconds;
    uint8_t type_index;  // GcStats::TypeIndex
  };
  void Enable() {
    if (ring_.empty())
      ring_.resize(kCapacity);
  }
  bool enabled() const { return !ring_.empty(); }
  void Add(int type_index, double seconds) {
    if (ring_.empty() || type_index < 0)
      return;
    ring_[next_ % kCapacity] =
        Entry{static_cast<float>(seconds), static_cast<uint8_t>(type_index)};
    next_++;
  }
  // Appends the entries after `cursor` (a value next() returned before, or
  // 0) to `out`, at most `max` of them; returns the cursor to pass next
  // time. `*lost` is how many had already been overwritten.
  uint64_t ReadSince(uint64_t cursor,
                     size_t max,
                     std::vector<Entry>* out,
                     uint64_t* lost) const;
  uint64_t next() const { return next_; }

 private:
  std::vector<Entry> ring_;
  uint64_t next_ = 0;  // entries ever added
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

// memwatch's 'stats' fields, spelled as memwatch spells them, and the
// GcStatsSnapshot field behind each: written once, for the 'stats' event
// and heapStats().gc alike (addon/monitor/event_convert.cc). The addon
// exports the names (memwatchStatsKeys()), and test/js/field-tables.test.js
// checks them against a real event and index.d.ts.
#define LEAKGUARD_MEMWATCH_STATS(V)       \
  V("num_full_gc", num_full_gc)           \
  V("num_inc_gc", num_inc_gc)             \
  V("heap_compactions", heap_compactions) \
  V("usage_trend", usage_trend)           \
  V("estimated_base", estimated_base)     \
  V("current_base", current_base)         \
  V("min", min_base)                      \
  V("max", max_base)

class GcStats {
 public:
  // Folds one record in. Returns true when it was a full collection, after
  // which the caller emits a 'stats' event.
  bool Add(const GcRecord& record);

  const GcStatsSnapshot& snapshot() const { return s_; }
  void Reset() { s_ = GcStatsSnapshot(); }
  GcDurationLog& durations() { return durations_; }
  const GcDurationLog& durations() const { return durations_; }

  // Slot in by_type for a GcTypeBit, or -1.
  static int TypeIndex(uint32_t type);

 private:
  GcStatsSnapshot s_;
  GcDurationLog durations_;
};

}  // namespace leakguard

#endif  // LEAKGUARD_CORE_GC_STATS_H_
