// The monitor subsystem's option table: every option of start() and
// configure() that reaches native code, with its JavaScript name, range,
// default and one-line meaning, written once.
//
// Everything else is generated from or checked against these rows:
//   - DetectorOptions, MonitorConfig and StartConfig take their defaults
//     from them, and ValidateDetectorOptions its ranges;
//   - the binding exports them (optionTable(),
//   src/addon/options/options_table.cc),
//     and lib/options.js builds start()'s schema from that export, so
//     JavaScript validates with these ranges and fills these defaults;
//   - test/js/options-table.test.js checks index.d.ts and docs/api.md's
//     option table against the export, so a changed row fails until the
//     docs say the same.
// Options that never reach native code (explain, explainMaxPauseMs) are
// lib/options.js's own.
#ifndef LEAKGUARD_CORE_MONITOR_MONITOR_OPTIONS_H_
#define LEAKGUARD_CORE_MONITOR_MONITOR_OPTIONS_H_

#include <cstddef>
#include <cstdint>

#include "core/base/option_kinds.h"

namespace leakguard {

// V(jsName, field, Type, kind, min, max, default, doc)
//
// Sampling and buffering (MonitorConfig, StartConfig).
#define LEAKGUARD_SAMPLER_OPTIONS(V)                                      \
  V(sampleIntervalMs,                                                     \
    sample_interval_ms,                                                   \
    uint64_t,                                                             \
    kInteger,                                                             \
    100,                                                                  \
    option_limits::kDayMs,                                                \
    1000,                                                                 \
    "how often RSS and external memory are sampled, in ms")               \
  V(ringCapacity,                                                         \
    ring_capacity,                                                        \
    size_t,                                                               \
    kInteger,                                                             \
    16,                                                                   \
    1 << 20,                                                              \
    4096,                                                                 \
    "GC records buffered between the GC callback and the monitor thread") \
  V(maxQueuedEvents,                                                      \
    max_queued_events,                                                    \
    size_t,                                                               \
    kInteger,                                                             \
    16,                                                                   \
    1000000,                                                              \
    10000,                                                                \
    "events waiting for the main thread before new ones are dropped")

// The leak detector's options a user sets (DetectorOptions). The
// sensitivity chooses the rest (LEAKGUARD_SENSITIVITIES).
#define LEAKGUARD_DETECTOR_OPTIONS(V)                                          \
  V(minGrowthBytes,                                                            \
    min_growth_bytes,                                                          \
    uint64_t,                                                                  \
    kInteger,                                                                  \
    0,                                                                         \
    option_limits::kMaxSafeInteger,                                            \
    2 * 1024 * 1024,                                                           \
    "least growth over the window, in bytes, that can be a leak")              \
  V(minRelativeGrowth,                                                         \
    min_relative_growth,                                                       \
    double,                                                                    \
    kNumber,                                                                   \
    0,                                                                         \
    10,                                                                        \
    option_limits::kBySensitivity,                                             \
    "least growth over the window as a fraction of the base")                  \
  V(windowMs,                                                                  \
    window_ms,                                                                 \
    double,                                                                    \
    kInteger,                                                                  \
    10000,                                                                     \
    7 * option_limits::kDayMs,                                                 \
    5 * 60 * 1000,                                                             \
    "length of the sliding window the trend is judged on, in ms")              \
  V(warmupMs,                                                                  \
    warmup_ms,                                                                 \
    double,                                                                    \
    kInteger,                                                                  \
    0,                                                                         \
    option_limits::kDayMs,                                                     \
    20000,                                                                     \
    "no verdict before this many ms after start(): growth must go on past it") \
  V(minLeakIntervalMs,                                                         \
    min_leak_interval_ms,                                                      \
    double,                                                                    \
    kInteger,                                                                  \
    0,                                                                         \
    option_limits::kDayMs,                                                     \
    60000,                                                                     \
    "smallest gap between two 'leak' events of one kind, in ms")               \
  V(probeIntervalMs,                                                           \
    probe_interval_ms,                                                         \
    double,                                                                    \
    kIntegerOrZero,                                                            \
    100,                                                                       \
    option_limits::kDayMs,                                                     \
    5000,                                                                      \
    "ask for a live-set sample when no full GC came for this many ms; 0: no "  \
    "probes")                                                                  \
  V(memoryLimitBytes,                                                          \
    memory_limit_bytes,                                                        \
    uint64_t,                                                                  \
    kIntegerOrZero,                                                            \
    1024 * 1024,                                                               \
    option_limits::kMaxSafeInteger,                                            \
    0,                                                                         \
    "RSS at which something else ends the process (PM2's "                     \
    "max_memory_restart, a platform quota); 0: the cgroup or machine alone")

// V(Enum, name, confidence, min_samples, min_relative_growth, min_span_ms,
//   evidence_share, max_evidence_ms)
//
// What each sensitivity means. A window shorter than twice the span
// shrinks the span to half the window (DetectorOptions::FitSpanToWindow).
// The last two are urgency (LeakDetector::RequiredEvidenceMs): the short
// window's growth must have been seen for evidence_share of its time to
// limit, at most max_evidence_ms, before its first event; 0: evidence
// alone decides.
#define LEAKGUARD_SENSITIVITIES(V)                          \
  V(kLow, "low", 0.999, 10, 0.20, 60000, 0.2, 960000)       \
  V(kMedium, "medium", 0.99, 7, 0.10, 20000, 0.085, 420000) \
  V(kHigh, "high", 0.95, 5, 0.05, 15000, 0, 0)

#define LEAKGUARD_DEFAULT_SENSITIVITY kMedium

// The long horizons judged alongside windowMs (DetectorOptions::horizons_ms;
// `horizons` in JavaScript: an array of lengths in ms, or 'default' for
// these, or 'none', the same as []). Each is at most 128 bucket minima.
namespace horizon_limits {
constexpr size_t kMaxCount = 4;
constexpr double kMaxMs = 7 * option_limits::kDayMs;
constexpr size_t kDefaultCount = 2;
constexpr double kDefaultMs[kDefaultCount] = {60 * 60 * 1000.0,
                                              option_limits::kDayMs};
}  // namespace horizon_limits

// The sampler rows' defaults as constants, for the structs that hold them.
namespace option_defaults {
#define V(js, field, Type, kind, min, max, def, doc) \
  constexpr Type field = static_cast<Type>(def);
LEAKGUARD_SAMPLER_OPTIONS(V)
#undef V
}  // namespace option_defaults

}  // namespace leakguard

#endif  // LEAKGUARD_CORE_MONITOR_MONITOR_OPTIONS_H_
