#include "core/monitor/detector/leak_reason.h"

#include <cstdio>

#include "core/base/byte_format.h"

namespace leakguard {

namespace {

void FormatDuration(double ms, char* out, size_t size) {
  double s = ms / 1000;
  if (s < 120) {
    snprintf(out, size, "%.0f s", s);
  } else if (s < 120 * 60) {
    double min = s / 60;
    snprintf(out, size, min < 10 ? "%.1f min" : "%.0f min", min);
  } else {
    double h = s / 3600;
    snprintf(out, size, h < 10 ? "%.1f h" : "%.0f h", h);
  }
}

}  // namespace

std::string FormatLeakReason(const LeakEvent& event) {
  const std::string growth = FormatBytesSi(event.growth_bytes);
  const std::string rate = FormatBytesSi(event.reading.bytes_per_second);
  char duration[32];
  FormatDuration(event.end_ms() - event.start_ms, duration, sizeof(duration));
  if (event.long_horizon) {
    // Its points are bucket minima, not single collections: no count.
    char text[192];
    snprintf(text,
             sizeof(text),
             "%s grew %s over %s (%s/s)",
             SampleKindName(event.kind),
             growth.c_str(),
             duration,
             rate.c_str());
    return text;
  }
  const char* unit = event.kind == SampleKind::kHeap ? "full GCs" : "samples";
  uint32_t steps = event.reading.samples > 0 ? event.reading.samples - 1 : 0;
  char text[256];
  snprintf(text,
           sizeof(text),
           "%s grew %s over %s (%s/s), %u of %u %s rising",
           SampleKindName(event.kind),
           growth.c_str(),
           duration,
           rate.c_str(),
           event.reading.rising_steps,
           steps,
           unit);
  return text;
}

}  // namespace leakguard
