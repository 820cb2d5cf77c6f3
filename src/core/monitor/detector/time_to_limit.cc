#include "core/monitor/detector/time_to_limit.h"

#include <cmath>

namespace leakguard {

namespace {

// Per LimitSource, in its order: the JavaScript name and the words.
struct LimitSourceText {
  const char* name;
  const char* words;
};
constexpr LimitSourceText kLimitSources[] = {
    {"none", "no limit"},
    {"heap", "heap limit"},
    {"cgroup", "cgroup memory limit"},
    {"memory", "machine's memory"},
    {"configured", "memory limit (memoryLimitBytes)"},
};

const LimitSourceText& TextOf(LimitSource source) {
  const size_t i = static_cast<size_t>(source);
  return kLimitSources[i < sizeof(kLimitSources) / sizeof(kLimitSources[0])
                           ? i
                           : 0];
}

}  // namespace

const char* LimitSourceName(LimitSource source) {
  return TextOf(source).name;
}

const char* LimitSourceWords(LimitSource source) {
  return TextOf(source).words;
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
