#include "core/monitor/detector/detector_options.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/monitor/detector/trend_window.h"

namespace leakguard {

const char* SampleKindName(SampleKind kind) {
  switch (kind) {
    case SampleKind::kHeap:
      return "heap";
    case SampleKind::kExternal:
      return "external";
    case SampleKind::kRss:
      return "rss";
  }
  return "unknown";
}

const char* SensitivityName(Sensitivity sensitivity) {
  switch (sensitivity) {
#define V(Enum, name, confidence, samples, relative, span, share, evidence) \
  case Sensitivity::Enum:                                                   \
    return name;
    LEAKGUARD_SENSITIVITIES(V)
#undef V
  }
  return "";
}

bool SensitivityFromName(const char* name, Sensitivity* out) {
#define V(Enum, js, confidence, samples, relative, span, share, evidence) \
  if (std::strcmp(name, js) == 0) {                                       \
    *out = Sensitivity::Enum;                                             \
    return true;                                                          \
  }
  LEAKGUARD_SENSITIVITIES(V)
#undef V
  return false;
}

DetectorOptions::DetectorOptions(Sensitivity level) : sensitivity(level) {
  switch (level) {
#define V(Enum, name, conf, samples, relative, span, share, evidence) \
  case Sensitivity::Enum:                                             \
    confidence = conf;                                                \
    min_samples = samples;                                            \
    min_relative_growth = relative;                                   \
    min_span_ms = span;                                               \
    evidence_share = share;                                           \
    max_evidence_ms = evidence;                                       \
    break;
    LEAKGUARD_SENSITIVITIES(V)
#undef V
  }
#define V(js, field, Type, kind, min, max, def, doc) \
  if ((def) != option_limits::kBySensitivity)        \
    field = static_cast<Type>(def);
  LEAKGUARD_DETECTOR_OPTIONS(V)
#undef V
}

DetectorOptions DetectorOptions::ForHorizon(size_t i) const {
  DetectorOptions o = *this;
  if (i == 0 || i > horizon_count) {
    // A window shorter than kRelativeWindowMs judges relative growth per
    // kRelativeWindowMs: 10% of the base over 20 s would ask a 1 GB heap
    // to grow 5 MB/s before a short window could see it, and a shorter
    // window must never be slower to report than the default one.
    if (o.window_ms < kRelativeWindowMs)
      o.min_relative_growth *= o.window_ms / kRelativeWindowMs;
    return o;
  }
  o.window_ms = horizons_ms[i - 1];
  o.min_span_ms = std::max({min_span_ms, o.window_ms / 32, 2 * window_ms});
  o.horizon_count = 0;
  o.seasonal = false;
  // Urgency asks the short window for more evidence; a long horizon's
  // span is already minutes to hours.
  o.evidence_share = 0;
  return o;
}

namespace {

// Whether `value` is one the option's row accepts.
bool InOptionRange(double value, OptionKind kind, double min, double max) {
  if (!std::isfinite(value))
    return false;
  if (kind == OptionKind::kIntegerOrZero && value == 0)
    return true;
  return value >= min && value <= max;
}

// "windowMs must be between 10000 and 604800000" (and "0 or ...").
Status OptionRangeError(const char* name,
                        OptionKind kind,
                        double min,
                        double max) {
  char buf[160];
  std::snprintf(buf,
                sizeof(buf),
                "%s must be %sbetween %.17g and %.17g",
                name,
                kind == OptionKind::kIntegerOrZero ? "0 or " : "",
                min,
                max);
  return Status(StatusCode::kInvalidArgument, buf);
}

}  // namespace

// The table's ranges for the user's options (lib/options.js checked the
// same rows before the binding was called), then what the sensitivity
// fills in, which the user cannot set.
Status ValidateDetectorOptions(const DetectorOptions& o) {
#define V(js, field, Type, kind, min, max, def, doc)                   \
  if (!InOptionRange(                                                  \
          static_cast<double>(o.field), OptionKind::kind, min, max)) { \
    return OptionRangeError(#js, OptionKind::kind, min, max);          \
  }
  LEAKGUARD_DETECTOR_OPTIONS(V)
#undef V
  auto bad = [](const char* message) {
    return Status(StatusCode::kInvalidArgument, message);
  };
  if (!std::isfinite(o.confidence) || o.confidence < 0.5 || o.confidence >= 1) {
    return bad("confidence must be at least 0.5 and below 1");
  }
  if (o.min_samples < 4 || o.min_samples > TrendWindow::kMaxPoints) {
    return bad("minSamples must be between 4 and 128");
  }
  if (!std::isfinite(o.min_span_ms) || o.min_span_ms < 0 ||
      o.min_span_ms > o.window_ms) {
    return bad("minSpanMs must be between 0 and windowMs");
  }
  if (!std::isfinite(o.max_probe_overhead) || o.max_probe_overhead < 0 ||
      o.max_probe_overhead > 1) {
    return bad("maxProbeOverhead must be between 0 and 1");
  }
  if (o.horizon_count > DetectorOptions::kMaxHorizons) {
    return bad("horizons must have at most 4 entries");
  }
  double previous = o.window_ms;
  for (uint32_t i = 0; i < o.horizon_count; i++) {
    double h = o.horizons_ms[i];
    if (!std::isfinite(h) || h <= previous || h > horizon_limits::kMaxMs) {
      return bad(
          "horizons must be ascending lengths in ms, each longer than "
          "windowMs (and the one before) and at most 604800000");
    }
    previous = h;
  }
  return Status::Ok();
}

}  // namespace leakguard
