#include "core/monitor/detector/time_to_limit.h"

#include <cmath>

namespace leakguard {

const char* LimitSourceName(LimitSource source) {
  switch (source) {
    case LimitSource::kHeap:
      return "heap";
    case LimitSource::kCgroup:
      return "cgroup";
    case LimitSource::kMemory:
      return "memory";
    case LimitSource::kConfigured:
      return "configured";
    case LimitSource::kNone:
      break;
  }
  return "none";
}

const char* LimitSourceWords(LimitSource source) {
  switch (source) {
    case LimitSource::kHeap:
      return "heap limit";
    case LimitSource::kCgroup:
      return "cgroup memory limit";
    case LimitSource::kMemory:
      return "machine's memory";
    case LimitSource::kConfigured:
      return "memory limit (memoryLimitBytes)";
    case LimitSource::kNone:
      break;
  }
  return "no limit";
}

TimeToLimit ProjectTimeToLimit(SampleKind kind,
                               double bytes_per_second,
                               const MemoryRoom& room) {
  TimeToLimit out;
  auto consider = [&](LimitSource source, double limit, double left) {
    if (!(limit > 0) || !std::isfinite(left))
      return;
    if (left < 0)
      left = 0;
    if (out.source != LimitSource::kNone && left >= out.room_bytes)
      return;
    out.source = source;
    out.limit_bytes = limit;
    out.room_bytes = left;
  };
  if (kind == SampleKind::kHeap)
    consider(
        LimitSource::kHeap, room.heap_limit, room.heap_limit - room.heap_used);
  if (room.memory_source != LimitSource::kNone)
    consider(room.memory_source, room.memory_limit, room.memory_available);
  if (room.configured_limit > 0 && room.rss > 0)
    consider(LimitSource::kConfigured,
             room.configured_limit,
             room.configured_limit - room.rss);
  if (out.source != LimitSource::kNone && bytes_per_second > 0 &&
      std::isfinite(bytes_per_second)) {
    out.ms = out.room_bytes / bytes_per_second * 1000;
  }
  return out;
}

}  // namespace leakguard
