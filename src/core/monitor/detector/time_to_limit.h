// How long a kind's growth can go on before the process runs out of room,
// and against which limit: what makes a leak urgent.
//
// The limits:
//   heap      V8's heap limit (heap_size_limit) less the live set, and the
//             memory the process may still allocate (below): the tighter;
//   external  the memory the process may still allocate;
//   rss       the same.
// and for every kind memoryLimitBytes less RSS, when the user set it (a
// process manager or platform that restarts the process at an RSS of its
// own).
// "The memory the process may still allocate" is the tightest cgroup
// memory limit (v2 ancestors, v1) less what the cgroup already uses, and
// without one the machine's MemAvailable (core/capture/memory_budget.h,
// the same reading the snapshot budget uses). That is the cgroup limit
// less everything else resident: the room left for this kind to grow.
#ifndef LEAKGUARD_CORE_MONITOR_DETECTOR_TIME_TO_LIMIT_H_
#define LEAKGUARD_CORE_MONITOR_DETECTOR_TIME_TO_LIMIT_H_

#include <cstdint>
#include <limits>

#include "core/monitor/detector/detector_options.h"

namespace leakguard {

enum class LimitSource : uint8_t {
  kNone,        // No limit known.
  kHeap,        // V8's heap limit.
  kCgroup,      // A cgroup memory limit (the container's).
  kMemory,      // The machine's memory.
  kConfigured,  // memoryLimitBytes: the RSS something else ends us at.
};

// "none", "heap", "cgroup", "memory" or "configured": the names JavaScript
// sees in info.limit.source.
const char* LimitSourceName(LimitSource source);
// "heap limit", "cgroup memory limit", "machine's memory": the words of the
// reason sentence.
const char* LimitSourceWords(LimitSource source);

// What the detector knows of the limits; 0 means unknown.
struct MemoryRoom {
  double heap_limit = 0;  // V8's heap_size_limit, from the GC records.
  double heap_used = 0;   // Heap used after the latest collection.
  // The memory the process may still allocate, the limit that decides it
  // and which limit that is (MemoryHeadroom, read by the monitor thread).
  double memory_available = 0;
  double memory_limit = 0;
  LimitSource memory_source = LimitSource::kNone;
  // memoryLimitBytes and the newest RSS it is compared with.
  double configured_limit = 0;
  double rss = 0;
};

struct TimeToLimit {
  // Milliseconds until the room is used up at the rate; infinity when the
  // rate is not positive or no limit is known.
  double ms = std::numeric_limits<double>::infinity();
  LimitSource source = LimitSource::kNone;
  double limit_bytes = 0;  // The limit itself.
  double room_bytes = 0;   // Room left below it now.

  bool finite() const { return ms < std::numeric_limits<double>::infinity(); }
};

// `kind` growing at `bytes_per_second` against `room`'s limits: the tighter
// one (the least room; with one rate, also the soonest).
TimeToLimit ProjectTimeToLimit(SampleKind kind,
                               double bytes_per_second,
                               const MemoryRoom& room);

}  // namespace leakguard

#endif  // LEAKGUARD_CORE_MONITOR_DETECTOR_TIME_TO_LIMIT_H_
