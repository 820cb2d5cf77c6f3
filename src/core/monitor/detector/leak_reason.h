// One 'leak' event for JavaScript, and the sentence that explains it
// (memwatch's `reason`).
#ifndef LEAKGUARD_CORE_MONITOR_DETECTOR_LEAK_REASON_H_
#define LEAKGUARD_CORE_MONITOR_DETECTOR_LEAK_REASON_H_

#include <cstdint>
#include <string>

#include "core/monitor/detector/detector_options.h"
#include "core/monitor/detector/time_to_limit.h"
#include "core/monitor/detector/window_reading.h"

namespace leakguard {

// One 'leak' event for JavaScript: memwatch's start/end/growth plus ours,
// or (ended) the 'leakEnd' event that closes an episode. What the episode
// adds to the reading of the horizon that reports it; the reading itself
// (its newest point, rate, confidence, points, rising steps and line) is
// the TrendVerdict, not a copy of its fields.
struct LeakEvent {
  // Why an episode ended.
  enum class End : uint8_t {
    kNone,          // Not an end: a 'leak' event.
    kFlat,          // The growth stopped.
    kRestarted,     // rss only: the series restarted after leakguard's own
                    // snapshot work moved RSS (LeakDetector::RestartRss).
    kReconfigured,  // configure() removed the horizon that reported it.
  };
  SampleKind kind = SampleKind::kHeap;
  End end_cause = End::kNone;
  uint32_t sequence = 0;    // 0 for an episode's first event, then 1, 2..
  double start_ms = 0;      // Where the episode's growth began.
  double growth_bytes = 0;  // Since start_ms (cumulative on repeats).
  // Length of the horizon that found it: windowMs, or one of horizons.
  double horizon_ms = 0;
  bool long_horizon = false;  // Not the short window (its points are
                              // bucket minima, not single collections).
  TrendVerdict reading;       // That horizon's current reading.
  // At the reading's rate, against the tighter limit (time_to_limit.h).
  TimeToLimit time_to_limit;
  // An end: when the growth stopped (the first point of the plateau it
  // reached) and the last time the detector looked.
  double plateau_ms = 0;
  double ended_ms = 0;

  bool ended() const { return end_cause != End::kNone; }

  double end_ms() const { return reading.end_ms; }  // Newest sample.
  // Span of the current reading's points.
  double window_ms() const { return reading.end_ms - reading.start_ms; }
};

// memwatch's `reason`, e.g. "heap grew 48.2 MB over 5 min (160 KB/s), 12 of
// 12 full GCs rising; at this rate the 4.0 GiB heap limit is reached in 7.4
// h", or from a long horizon "heap grew 86 MB over 24 h (1.0 KB/s)". An
// end: "heap grew 74.1 MB over 3.1 min and has been flat for 60 s since".
// Decimal units (1 MB = 10^6 bytes) for growth and rates, binary ones for
// the limit (as `free -h` and the heap limit flags give it).
std::string FormatLeakReason(const LeakEvent& event);

}  // namespace leakguard

#endif  // LEAKGUARD_CORE_MONITOR_DETECTOR_LEAK_REASON_H_
