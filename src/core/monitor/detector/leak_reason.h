// One 'leak' event for JavaScript, and the sentence that explains it
// (memwatch's `reason`).
#ifndef LEAKGUARD_CORE_MONITOR_DETECTOR_LEAK_REASON_H_
#define LEAKGUARD_CORE_MONITOR_DETECTOR_LEAK_REASON_H_

#include <cstdint>
#include <string>

#include "core/monitor/detector/detector_options.h"

namespace leakguard {

// One 'leak' event for JavaScript. memwatch's start/end/growth plus ours.
struct LeakEvent {
  SampleKind kind = SampleKind::kHeap;
  uint32_t sequence = 0;        // 0 for an episode's first event, then 1, 2..
  double start_ms = 0;          // Where the episode's growth began.
  double end_ms = 0;            // Newest sample.
  double growth_bytes = 0;      // Since start_ms (cumulative on repeats).
  double bytes_per_second = 0;  // Current Theil-Sen slope.
  double confidence = 0;        // Current Mann-Kendall confidence.
  uint32_t samples = 0;         // Points in the current window.
  uint32_t rising_steps = 0;    // Of samples - 1.
  double window_ms = 0;         // Span of the current window's points.
  double estimated_base = 0;    // The line's value now.
  // Length of the horizon that found it: windowMs, or one of horizons.
  double horizon_ms = 0;
  bool long_horizon = false;  // Not the short window (its points are
                              // bucket minima, not single collections).
};

// memwatch's `reason`, e.g. "heap grew 48.2 MB over 5 min (160 KB/s), 12 of
// 12 full GCs rising", or from a long horizon "heap grew 86 MB over 24 h
// (1.0 KB/s)". Decimal units (1 MB = 10^6 bytes).
std::string FormatLeakReason(const LeakEvent& event);

}  // namespace leakguard

#endif  // LEAKGUARD_CORE_MONITOR_DETECTOR_LEAK_REASON_H_
