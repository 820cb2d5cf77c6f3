#include "core/monitor/gc_stats.h"

namespace leakguard {

const char* GcTypeName(uint32_t type) {
  switch (type) {
    case kGcScavenge:
      return "scavenge";
    case kGcMinorMarkCompact:
      return "minor-mark-compact";
    case kGcMarkSweepCompact:
      return "mark-sweep-compact";
    case kGcIncrementalMarking:
      return "incremental-marking";
    case kGcProcessWeakCallbacks:
      return "weak-callbacks";
  }
  return "unknown";
}

size_t GcDurationBucket(double seconds) {
  size_t i = 0;
  while (i < kGcDurationBounds && seconds > kGcDurationBoundsS[i])
    i++;
  return i;
}

uint64_t GcDurationLog::ReadSince(uint64_t cursor,
                                  size_t max,
                                  std::vector<Entry>* out,
                                  uint64_t* lost) const {
  *lost = 0;
  if (cursor > next_)
    cursor = next_;  // not one of ours: start from now
  const uint64_t oldest = next_ > kCapacity ? next_ - kCapacity : 0;
  if (cursor < oldest) {
    *lost = oldest - cursor;
    cursor = oldest;
  }
  for (size_t n = 0; cursor < next_ && n < max; n++, cursor++)
    out->push_back(ring_[cursor % kCapacity]);
  return cursor;
}

int GcStats::TypeIndex(uint32_t type) {
  for (int i = 0; i < GcStatsSnapshot::kTypes; i++) {
    if (type == (1u << i))
      return i;
  }
  return -1;
}

bool GcStats::Add(const GcRecord& r) {
  const double pause_ms =
      r.end_ns > r.start_ns ? (r.end_ns - r.start_ns) / 1e6 : 0.0;
  const int index = TypeIndex(r.type);
  if (index >= 0) {
    GcTypeCounters& c = s_.by_type[index];
    c.count++;
    c.total_pause_ms += pause_ms;
    if (pause_ms > c.max_pause_ms)
      c.max_pause_ms = pause_ms;
    c.buckets[GcDurationBucket(pause_ms / 1000)]++;
    durations_.Add(index, pause_ms / 1000);
  }
  s_.total_pause_ms += pause_ms;
  if (pause_ms > s_.max_pause_ms)
    s_.max_pause_ms = pause_ms;
  s_.last_pause_ms = pause_ms;
  s_.last_end_ns = r.end_ns;
  s_.heap_used = r.used_after;
  s_.heap_total = r.total_after;
  s_.heap_limit = r.limit;
  s_.external = r.external_after;

  if (r.type != kGcMarkSweepCompact) {
    s_.num_inc_gc++;
    return false;
  }
  s_.num_full_gc++;
  s_.heap_compactions++;
  const uint64_t base = r.used_after;
  if (s_.num_full_gc == 1) {
    s_.min_base = s_.max_base = base;
  } else {
    if (base < s_.min_base)
      s_.min_base = base;
    if (base > s_.max_base)
      s_.max_base = base;
  }
  s_.current_base = base;
  return true;
}

}  // namespace leakguard
