// What the detector is told: the kinds of memory it watches, the
// sensitivity presets and every threshold (DetectorOptions), and their
// validation. The user's options and their ranges are rows of
// LEAKGUARD_DETECTOR_OPTIONS and LEAKGUARD_SENSITIVITIES
// (core/monitor/monitor_options.h); this file turns them into a struct.
//
// The kinds of series, each handled the same way:
//   heap      the live set: heap used right after a full (mark-compact)
//             collection, or after a probe collection the detector asked for;
//   external  external memory (ArrayBuffers, Buffers) after a collection;
//   rss       resident set size, sampled on a timer, minus the V8 heap's
//             committed size and external memory: native memory
//             (native_memory.h).
#ifndef LEAKGUARD_CORE_MONITOR_DETECTOR_DETECTOR_OPTIONS_H_
#define LEAKGUARD_CORE_MONITOR_DETECTOR_DETECTOR_OPTIONS_H_

#include <cstddef>
#include <cstdint>

#include "core/base/status.h"
#include "core/monitor/monitor_options.h"

namespace leakguard {

enum class SampleKind : uint8_t {
  kHeap = 0,      // Live set after a full or probe collection.
  kExternal = 1,  // External memory after a collection.
  kRss = 2,       // Resident set size.
};
constexpr size_t kSampleKindCount = 3;

// "heap", "external" or "rss": the names JavaScript sees in info.kind.
const char* SampleKindName(SampleKind kind);

enum class Sensitivity : uint8_t {
#define V(Enum, name, confidence, samples, relative, span, share, evidence) \
  Enum,
  LEAKGUARD_SENSITIVITIES(V)
#undef V
};

// "low", "medium" or "high": the names of the JavaScript option.
const char* SensitivityName(Sensitivity sensitivity);
// The sensitivity called `name`; false when there is none.
bool SensitivityFromName(const char* name, Sensitivity* out);

// Every threshold the detector uses. The user's options and their defaults
// are LEAKGUARD_DETECTOR_OPTIONS (core/monitor/monitor_options.h); a
// sensitivity (LEAKGUARD_SENSITIVITIES) fills in the rest. Construct with
// a sensitivity, then override single fields (windowMs, ...).
struct DetectorOptions {
  DetectorOptions()
      : DetectorOptions(Sensitivity::LEAKGUARD_DEFAULT_SENSITIVITY) {}
  explicit DetectorOptions(Sensitivity sensitivity);
  static DetectorOptions Preset(Sensitivity sensitivity) {
    return DetectorOptions(sensitivity);
  }
  // A short window cannot need a longer span than it holds: the
  // sensitivity's span shrinks to half the window.
  void FitSpanToWindow() {
    if (min_span_ms > window_ms / 2)
      min_span_ms = window_ms / 2;
  }

  Sensitivity sensitivity;
  // Mann-Kendall confidence a window must reach to count as a leak.
  double confidence;
  // Fewest points (buckets) in the analysed window.
  uint32_t min_samples;
  // Shortest time the analysed points must span.
  double min_span_ms;
  // minGrowthBytes, minRelativeGrowth (growth as a fraction of the base at
  // the window's start), windowMs (also sets the bucket width, window_ms /
  // TrendWindow::kMaxPoints), warmupMs (no verdict on growth that began within
  // warmup_ms of the detector's first call unless it goes on past it: start-up
  // growth is not a leak), minLeakIntervalMs, probeIntervalMs (heap samples
  // older than this ask for a probe, a quarter of it while the heap is suspect;
  // 0 disables probes).
#define V(js, field, Type, kind, min, max, def, doc) Type field;
  LEAKGUARD_DETECTOR_OPTIONS(V)
#undef V
  // Urgency: the short window's growth must have been seen for this share
  // of its time to limit, at most max_evidence_ms, before a first event
  // (LeakDetector::RequiredEvidenceMs); 0: evidence alone decides.
  double evidence_share;
  double max_evidence_ms;
  // Probes may cost at most this fraction of wall time (pause / gap), and
  // kUrgentProbeOverhead while a kind would reach its limit within
  // kUrgentMs.
  double max_probe_overhead = 0.01;
  static constexpr double kUrgentProbeOverhead = 0.25;
  static constexpr double kUrgentMs = 5 * 60 * 1000;
  // min_relative_growth is growth over at least this long (ForHorizon).
  static constexpr double kRelativeWindowMs = 5 * 60 * 1000;
  // Also judge the window less its seasonal profile when its points swing
  // with a period (FindSeason, seasonal.h). The short horizon only: a
  // long horizon's cycles (a day's traffic) are what its new-high rule is
  // for.
  bool seasonal = true;
  // The long horizons judged alongside the window (the short horizon),
  // ascending, each longer than window_ms: `horizons` in JavaScript.
  static constexpr size_t kMaxHorizons = horizon_limits::kMaxCount;
  uint32_t horizon_count = horizon_limits::kDefaultCount;
  double horizons_ms[kMaxHorizons] = {
      horizon_limits::kDefaultMs[0], horizon_limits::kDefaultMs[1], 0, 0};
  // Horizon `i` (0: the window itself, then horizons_ms[i - 1]) as the
  // options its TrendWindow is read with: the same floors in bytes (so
  // the least rate that can be a leak falls with the length), a span of at
  // least a 32nd of the horizon.
  DetectorOptions ForHorizon(size_t i) const;
  size_t horizon_total() const {
    return 1 + horizon_count;
  }
};

// kInvalidArgument naming the option (with its JavaScript name) when a field
// is out of range or the fields contradict each other.
Status ValidateDetectorOptions(const DetectorOptions& options);

}  // namespace leakguard

#endif  // LEAKGUARD_CORE_MONITOR_DETECTOR_DETECTOR_OPTIONS_H_
