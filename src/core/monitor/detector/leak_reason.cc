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
  } else if (s < 72 * 3600) {
    double h = s / 3600;
    snprintf(out, size, h < 10 ? "%.1f h" : "%.0f h", h);
  } else {
    snprintf(out, size, "%.0f days", s / 86400);
  }
}

// "; at this rate the 4.0 GiB heap limit is reached in 7.4 h", or nothing
// when the rate reaches no known limit.
std::string Urgency(const LeakEvent& event) {
  const TimeToLimit& t = event.time_to_limit;
  if (!t.finite())
    return "";
  char when[32];
  FormatDuration(t.ms, when, sizeof(when));
  const std::string limit = FormatBytesIec(t.limit_bytes);
  char text[160];
  if (t.source == LimitSource::kMemory) {
    snprintf(text,
             sizeof(text),
             "; at this rate the machine's %s of memory is used up in %s",
             limit.c_str(),
             when);
  } else {
    snprintf(text,
             sizeof(text),
             "; at this rate the %s %s is reached in %s",
             limit.c_str(),
             LimitSourceWords(t.source),
             when);
  }
  return text;
}

std::string EndReason(const LeakEvent& event) {
  const std::string growth = FormatBytesSi(event.growth_bytes);
  char grew[32];
  FormatDuration(event.plateau_ms - event.start_ms, grew, sizeof(grew));
  char text[256];
  if (event.end_cause == LeakEvent::End::kFlat) {
    char flat[32];
    FormatDuration(event.ended_ms - event.plateau_ms, flat, sizeof(flat));
    snprintf(text,
             sizeof(text),
             "%s grew %s over %s and has been flat for %s since",
             SampleKindName(event.kind),
             growth.c_str(),
             grew,
             flat);
  } else {
    snprintf(text,
             sizeof(text),
             "%s grew %s over %s; the episode was closed because %s",
             SampleKindName(event.kind),
             growth.c_str(),
             grew,
             event.end_cause == LeakEvent::End::kRestarted
                 ? "leakguard's own snapshot work moved RSS (the rss series "
                   "starts again)"
                 : "configure() removed the horizon that reported it");
  }
  return text;
}

}  // namespace

std::string FormatLeakReason(const LeakEvent& event) {
  if (event.ended())
    return EndReason(event);
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
    return text + Urgency(event);
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
  return text + Urgency(event);
}

}  // namespace leakguard
