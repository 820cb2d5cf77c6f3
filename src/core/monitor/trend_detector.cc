#include "core/monitor/trend_detector.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

#include "core/base/byte_format.h"

namespace leakguard {

namespace {

bool IsFinite(double x) {
  return std::isfinite(x);
}


void FormatDuration(double ms, char* out, size_t size) {
  double s = ms / 1000;
  if (s < 120) {
    snprintf(out, size, "%.0f s", s);
  } else if (s < 120 * 60) {
    double min = s / 60;
    snprintf(out, size, min < 10 ? "%.1f min" : "%.0f min", min);
  } else {
    snprintf(out, size, "%.1f h", s / 3600);
  }
}

// A leak raises the floor: the lowest point of the newest quarter (by time)
// must lie above the lowest point of the older half. Bursts and a sawtooth
// keep returning to the same floor, however their peaks fall in the window.
bool FloorRose(const double* t, const double* y, size_t n) {
  if (n < 2)
    return false;
  double t0 = t[0];
  double span = t[n - 1] - t0;
  double older = std::numeric_limits<double>::infinity();
  double newest = std::numeric_limits<double>::infinity();
  for (size_t i = 0; i < n; i++) {
    if (t[i] < t0 + span / 2)
      older = std::min(older, y[i]);
    if (t[i] >= t0 + span * 3 / 4)
      newest = std::min(newest, y[i]);
  }
  return newest > older;
}

}  // namespace

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
#define V(Enum, name, confidence, samples, relative, span) \
  case Sensitivity::Enum:                                  \
    return name;
    LEAKGUARD_SENSITIVITIES(V)
#undef V
  }
  return "";
}

bool SensitivityFromName(const char* name, Sensitivity* out) {
#define V(Enum, js, confidence, samples, relative, span) \
  if (std::strcmp(name, js) == 0) {                      \
    *out = Sensitivity::Enum;                            \
    return true;                                         \
  }
  LEAKGUARD_SENSITIVITIES(V)
#undef V
  return false;
}

const char* TrendReasonName(TrendVerdict::Reason reason) {
  switch (reason) {
    case TrendVerdict::Reason::kLeak:
      return "leak";
    case TrendVerdict::Reason::kTooFewSamples:
      return "too few samples";
    case TrendVerdict::Reason::kSpanTooShort:
      return "span too short";
    case TrendVerdict::Reason::kNotSignificant:
      return "not significant";
    case TrendVerdict::Reason::kGrowthTooSmall:
      return "growth below minGrowthBytes";
    case TrendVerdict::Reason::kRelativeTooSmall:
      return "growth below the relative floor";
    case TrendVerdict::Reason::kBelowNoise:
      return "growth within the noise";
    case TrendVerdict::Reason::kNotPersistent:
      return "growth has stopped";
    case TrendVerdict::Reason::kFloorNotRaised:
      return "the floor has not risen";
    case TrendVerdict::Reason::kNoNewHigh:
      return "no new high";
  }
  return "unknown";
}

DetectorOptions::DetectorOptions(Sensitivity level) : sensitivity(level) {
  switch (level) {
#define V(Enum, name, conf, samples, relative, span) \
  case Sensitivity::Enum:                            \
    confidence = conf;                               \
    min_samples = samples;                           \
    min_relative_growth = relative;                  \
    min_span_ms = span;                              \
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

namespace {

// Whether `value` is one the option's row accepts.
bool InOptionRange(double value, OptionKind kind, double min, double max) {
  if (!IsFinite(value))
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
  std::snprintf(buf, sizeof(buf), "%s must be %sbetween %.17g and %.17g", name,
                kind == OptionKind::kIntegerOrZero ? "0 or " : "", min, max);
  return Status(StatusCode::kInvalidArgument, buf);
}

}  // namespace

// The table's ranges for the user's options (lib/options.js checked the
// same rows before the binding was called), then what the sensitivity
// fills in, which the user cannot set.
Status ValidateDetectorOptions(const DetectorOptions& o) {
#define V(js, field, Type, kind, min, max, def, doc)                       \
  if (!InOptionRange(static_cast<double>(o.field), OptionKind::kind, min, \
                     max)) {                                              \
    return OptionRangeError(#js, OptionKind::kind, min, max);             \
  }
  LEAKGUARD_DETECTOR_OPTIONS(V)
#undef V
  auto bad = [](const char* message) {
    return Status(StatusCode::kInvalidArgument, message);
  };
  if (!IsFinite(o.confidence) || o.confidence < 0.5 || o.confidence >= 1) {
    return bad("confidence must be at least 0.5 and below 1");
  }
  if (o.min_samples < 4 || o.min_samples > TrendDetector::kMaxPoints) {
    return bad("minSamples must be between 4 and 128");
  }
  if (!IsFinite(o.min_span_ms) || o.min_span_ms < 0 ||
      o.min_span_ms > o.window_ms) {
    return bad("minSpanMs must be between 0 and windowMs");
  }
  if (!IsFinite(o.max_probe_overhead) || o.max_probe_overhead < 0 ||
      o.max_probe_overhead > 1) {
    return bad("maxProbeOverhead must be between 0 and 1");
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------
// TrendDetector


TrendDetector::TrendDetector(const DetectorOptions& options)
    : scratch_(kMaxPoints), values_(kMaxPoints) {
  Reset(options);
}

void TrendDetector::Reset(const DetectorOptions& options) {
  window_ms_ = options.window_ms;
  bucket_ms_ = options.window_ms / kMaxPoints;
  head_ = 0;
  count_ = 0;
}

double TrendDetector::newest_time() const {
  if (count_ == 0)
    return std::numeric_limits<double>::quiet_NaN();
  return At(count_ - 1).time_ms;
}

double TrendDetector::newest_bytes() const {
  return count_ == 0 ? 0 : At(count_ - 1).bytes;
}

double TrendDetector::min_bytes() const {
  double m = count_ == 0 ? 0 : At(0).bytes;
  for (size_t i = 1; i < count_; i++)
    m = std::min(m, At(i).bytes);
  return m;
}

double TrendDetector::max_bytes() const {
  double m = count_ == 0 ? 0 : At(0).bytes;
  for (size_t i = 1; i < count_; i++)
    m = std::max(m, At(i).bytes);
  return m;
}

bool TrendDetector::AddSample(double time_ms, uint64_t bytes) {
  if (!IsFinite(time_ms))
    return false;
  if (count_ > 0 && time_ms < At(count_ - 1).time_ms)
    return false;
  double value = static_cast<double>(bytes);
  auto bucket = static_cast<int64_t>(std::floor(time_ms / bucket_ms_));
  if (count_ > 0) {
    Point& newest = points_[(head_ + count_ - 1) % kMaxPoints];
    if (newest.bucket == bucket) {
      // Same bucket: keep the lower envelope.
      if (value < newest.bytes) {
        newest.time_ms = time_ms;
        newest.bytes = value;
      }
      Expire(time_ms);
      return true;
    }
  }
  if (count_ == kMaxPoints) {
    head_ = (head_ + 1) % kMaxPoints;
    count_--;
  }
  points_[(head_ + count_) % kMaxPoints] = Point{time_ms, value, bucket};
  count_++;
  Expire(time_ms);
  return true;
}

void TrendDetector::Expire(double now_ms) {
  double oldest_allowed = now_ms - window_ms_;
  while (count_ > 0 && At(0).time_ms < oldest_allowed) {
    head_ = (head_ + 1) % kMaxPoints;
    count_--;
  }
}

size_t TrendDetector::BuildEnvelope(size_t begin) {
  // Epochs are runs of `group` buckets aligned to absolute time, with
  // `group` the smallest power of two that leaves at most kEnvelopePoints
  // epochs. Aligned epochs stay put as the window slides, so successive
  // evaluations see the same minima and a chance dip cannot be re-drawn on
  // every new sample.
  int64_t first_bucket = At(begin).bucket;
  int64_t span_buckets = At(count_ - 1).bucket - first_bucket + 1;
  int64_t group = 1;
  while (span_buckets / group > static_cast<int64_t>(kEnvelopePoints)) {
    group *= 2;
  }
  size_t out = 0;
  int64_t epoch = 0;
  for (size_t i = begin; i < count_; i++) {
    const Point& p = At(i);
    // Buckets are >= 0 for the non-negative times a monotonic clock gives.
    int64_t e = p.bucket / group;
    if (out > 0 && e == epoch) {
      if (p.bytes < env_y_[out - 1]) {
        env_t_[out - 1] = p.time_ms;
        env_y_[out - 1] = p.bytes;
      }
      continue;
    }
    epoch = e;
    env_t_[out] = p.time_ms;
    env_y_[out] = p.bytes;
    out++;
  }
  return out;
}

// Time is in ms, so the slope is in bytes per ms.
RobustFit TrendDetector::FitSeries(const double* t, const double* y, size_t n) {
  return FitRobust(t, y, n, &scratch_);
}

uint32_t TrendDetector::RisingSteps(size_t begin) {
  // A point is rising when it lies above the median of the points before it.
  uint32_t rising = 0;
  for (size_t k = begin + 1; k < count_; k++) {
    for (size_t i = begin; i < k; i++)
      values_[i - begin] = At(i).bytes;
    if (At(k).bytes > MedianInPlace(&values_, k - begin))
      rising++;
  }
  return rising;
}

TrendVerdict TrendDetector::Check(const DetectorOptions& options,
                                  size_t begin) {
  using Reason = TrendVerdict::Reason;
  TrendVerdict v;
  size_t end = count_;
  if (begin >= end)
    return v;
  // The rate and the base come from every point (Theil-Sen needs no help
  // with outliers, and more points make a tighter estimate); the test of
  // significance, the noise and persistence from the envelope.
  size_t n = end - begin;
  for (size_t i = 0; i < n; i++) {
    raw_t_[i] = At(begin + i).time_ms;
    raw_y_[i] = At(begin + i).bytes;
  }
  RobustFit line = FitSeries(raw_t_, raw_y_, n);
  size_t env_n = BuildEnvelope(begin);
  RobustFit fit = FitSeries(env_t_, env_y_, env_n);
  double t0 = raw_t_[0];
  double t1 = raw_t_[n - 1];
  v.start_ms = t0;
  v.end_ms = t1;
  v.samples = static_cast<uint32_t>(n);
  v.rising_steps = RisingSteps(begin);
  v.bytes_per_second = line.slope * 1000;
  v.growth_bytes = line.slope * (t1 - t0);
  v.base_bytes = line.intercept;
  v.estimated_base = v.base_bytes + v.growth_bytes;
  v.confidence = fit.confidence;
  v.noise_bytes = fit.noise;

  // Persistence: the newer half of the points, by time, must still rise at
  // least kPersistFraction as fast as the older half, and by more than the
  // noise. Decelerating growth (a warm-up, a cache filling up) fails this; a
  // steady leak passes. Every point is used: halves are short, and
  // Theil-Sen copes with the spikes the envelope would remove.
  double mid = (t0 + t1) / 2;
  size_t m = 0;
  while (m < n && raw_t_[m] < mid)
    m++;
  bool persistent = false;
  if (m >= 2 && n - m >= 3 && fit.slope > 0) {
    RobustFit older = FitSeries(raw_t_, raw_y_, m);
    RobustFit newer = FitSeries(raw_t_ + m, raw_y_ + m, n - m);
    // A flat stretch of a few points can show a slope by chance, but not a
    // climb out of the noise.
    double newer_growth = newer.slope * (t1 - raw_t_[m]);
    persistent = newer.slope > 0 &&
                 newer.slope >= kPersistFraction * older.slope &&
                 newer_growth >= fit.noise;
  }

  // The floors judge the smaller of the two growth estimates: bursts that
  // crowd one end of the window can tilt the line through every point, but
  // not the envelope; a leak lifts both.
  double growth = std::min(v.growth_bytes, fit.slope * (t1 - t0));
  auto min_growth = static_cast<double>(options.min_growth_bytes);
  v.growing = fit.slope > 0 && v.confidence >= kContinueConfidence &&
              persistent && growth >= min_growth;

  double base = std::max(v.base_bytes, 0.0);
  if (v.samples < options.min_samples) {
    v.reason = Reason::kTooFewSamples;
  } else if (t1 - t0 < options.min_span_ms) {
    v.reason = Reason::kSpanTooShort;
  } else if (v.confidence < options.confidence) {
    v.reason = Reason::kNotSignificant;
  } else if (growth < min_growth) {
    v.reason = Reason::kGrowthTooSmall;
  } else if (growth < options.min_relative_growth * base) {
    v.reason = Reason::kRelativeTooSmall;
  } else if (growth < kNoiseMultiple * v.noise_bytes) {
    v.reason = Reason::kBelowNoise;
  } else if (!persistent) {
    v.reason = Reason::kNotPersistent;
  } else if (!FloorRose(raw_t_, raw_y_, n)) {
    v.reason = Reason::kFloorNotRaised;
  } else {
    v.reason = Reason::kLeak;
    // A newer half must reach above everything before it; a sawtooth's
    // rising edge only climbs back to where the last tooth was.
    for (size_t i = 0; i < begin; i++) {
      if (At(i).bytes >= v.estimated_base) {
        v.reason = Reason::kNoNewHigh;
        break;
      }
    }
  }
  v.detected = v.reason == Reason::kLeak;
  return v;
}

TrendVerdict TrendDetector::Evaluate(const DetectorOptions& options) {
  if (count_ == 0)
    return TrendVerdict();
  // Candidates: the whole window, its newer half and its newest quarter (by
  // time). A leak that began inside the window (after a flat period) dilutes
  // the whole window's trend; a newer part on its own shows it sooner and
  // with its real rate. Newer parts must also reach a new high (see Check),
  // which keeps a sawtooth's rising edge out.
  static constexpr double kStarts[] = {0, 0.5, 0.75};
  double t0 = At(0).time_ms;
  double span = At(count_ - 1).time_ms - t0;
  TrendVerdict whole;
  TrendVerdict best;
  bool growing = false;
  size_t last_begin = count_;
  for (double fraction : kStarts) {
    size_t begin = 0;
    while (begin < count_ && At(begin).time_ms < t0 + fraction * span) {
      begin++;
    }
    if (begin >= count_ || begin == last_begin)
      continue;
    last_begin = begin;
    TrendVerdict v = Check(options, begin);
    growing = growing || v.growing;
    if (begin == 0)
      whole = v;
    if (!v.detected)
      continue;
    // Only a clearly faster newer part means the growth began inside the
    // window; for a steady leak the longer estimate is the better one (more
    // points), and picking the larger of two would bias it up.
    if (!best.detected ||
        v.bytes_per_second > kChangeRatio * best.bytes_per_second) {
      best = v;
    }
  }
  TrendVerdict result = best.detected ? best : whole;
  result.growing = result.growing || growing;
  return result;
}

// ---------------------------------------------------------------------------
// LeakDetector

LeakDetector::LeakDetector(const DetectorOptions& options)
    : options_(options),
      trends_{TrendDetector(options),
              TrendDetector(options),
              TrendDetector(options)},
      raw_rss_(options) {}

Status LeakDetector::Configure(const DetectorOptions& options) {
  Status status = ValidateDetectorOptions(options);
  if (!status.ok())
    return status;
  bool window_changed = options.window_ms != options_.window_ms;
  options_ = options;
  for (size_t k = 0; k < kSampleKindCount; k++) {
    if (window_changed) {
      trends_[k].Reset(options_);
      verdicts_[k] = TrendVerdict();
    }
    // Thresholds may have changed: re-evaluate on the next Poll().
    dirty_[k] = true;
  }
  if (window_changed)
    raw_rss_.Reset(options_);
  return Status::Ok();
}

void LeakDetector::Touch(double now_ms) {
  if (started_)
    return;
  started_ = true;
  origin_ms_ = now_ms;
}

void LeakDetector::AddSample(SampleKind kind, double time_ms, uint64_t bytes) {
  Touch(time_ms);
  size_t k = Index(kind);
  received_[k]++;
  last_bytes_[k] = static_cast<double>(bytes);
  if (kind == SampleKind::kHeap) {
    // Warm-up samples still count for probe spacing: they are fresh evidence
    // of where the heap is.
    last_heap_sample_ms_ = time_ms;
    last_heap_bytes_ = static_cast<double>(bytes);
    rss_at_heap_sample_ = last_bytes_[Index(SampleKind::kRss)];
    have_heap_sample_ = true;
    heap_used_since_sample_ = 0;
  }
  uint64_t value = bytes;
  if (kind == SampleKind::kRss) {
    // The rss series is what RSS holds beyond the V8 heap's committed pages
    // and external memory: native memory. Heap and external growth have
    // kinds of their own (counting them here would report one leak twice),
    // and committed heap pages keep growing a while after the live set has
    // settled.
    value = bytes > v8_bytes_ ? bytes - v8_bytes_ : 0;
  }
  if (time_ms < origin_ms_ + options_.warmup_ms ||
      !trends_[k].AddSample(time_ms, value)) {
    ignored_[k]++;
    return;
  }
  dirty_[k] = true;
  if (kind == SampleKind::kRss)
    raw_rss_.AddSample(time_ms, bytes);
}

void LeakDetector::RestartRss() {
  size_t k = Index(SampleKind::kRss);
  trends_[k].Reset(options_);
  verdicts_[k] = TrendVerdict();
  dirty_[k] = false;
  streak_[k] = 0;
  episodes_[k].active = false;
  raw_rss_.Reset(options_);
  rss_restarts_++;
}

void LeakDetector::SkipRssSample() {
  size_t k = Index(SampleKind::kRss);
  received_[k]++;
  ignored_[k]++;
}

void LeakDetector::AddGcRecord(double time_ms,
                               uint64_t heap_used,
                               uint64_t heap_total,
                               uint64_t external,
                               bool full_gc) {
  Touch(time_ms);
  heap_used_reported_ = true;
  v8_bytes_ = heap_total + external;
  AddSample(SampleKind::kExternal, time_ms, external);
  if (full_gc) {
    AddSample(SampleKind::kHeap, time_ms, heap_used);
  } else {
    heap_used_since_sample_ =
        std::max(heap_used_since_sample_, static_cast<double>(heap_used));
  }
}

void LeakDetector::NoteProbePause(double pause_ms) {
  if (IsFinite(pause_ms) && pause_ms >= 0)
    last_probe_pause_ms_ = pause_ms;
}

bool LeakDetector::RssExplained(const TrendVerdict& rss) const {
  const TrendVerdict& heap = verdicts_[Index(SampleKind::kHeap)];
  // Without a few heap points we cannot tell a native leak from the heap's
  // own growth showing up in RSS; wait rather than guess.
  if (heap.samples < 3)
    return true;
  double explained = 0;
  for (SampleKind kind : {SampleKind::kHeap, SampleKind::kExternal}) {
    const TrendVerdict& v = verdicts_[Index(kind)];
    if (v.samples >= 3 && v.confidence >= TrendDetector::kContinueConfidence &&
        v.bytes_per_second > 0) {
      explained += v.bytes_per_second;
    }
  }
  return explained >= 0.5 * rss.bytes_per_second;
}

bool LeakDetector::RssRose(const TrendVerdict& rss) {
  // Native = RSS - committed heap - external is only an estimate: pages the
  // heap or malloc gave up stay resident a while, so native rises whenever
  // the committed heap or external memory shrinks under a flat RSS (an LRU
  // that settles after its fill did that for over a minute). Memory that
  // really grows raises RSS itself. Evaluated only here, when an rss episode
  // would start (Poll has expired the old points).
  const TrendVerdict raw = raw_rss_.Evaluate(options_);
  return raw.samples >= options_.min_samples &&
         raw.confidence >= TrendDetector::kContinueConfidence &&
         raw.bytes_per_second >= kRssRiseFraction * rss.bytes_per_second;
}

void LeakDetector::Step(SampleKind kind,
                        double now_ms,
                        std::vector<LeakEvent>* out) {
  size_t k = Index(kind);
  const TrendVerdict& v = verdicts_[k];
  Episode& e = episodes_[k];
  bool interval_ok = e.last_event_ms < 0 ||
                     now_ms - e.last_event_ms >= options_.min_leak_interval_ms;

  if (e.active && !v.growing)
    e.active = false;  // The trend stopped.

  LeakEvent event;
  if (e.active) {
    // Repeat only with new evidence and not before the interval.
    if (!interval_ok || v.end_ms <= e.last_event_end_ms)
      return;
    e.sequence++;
    event.growth_bytes = v.estimated_base - e.start_base;
  } else {
    // Confirmed: found on kConfirmations new points in a row, spanning at
    // least a third of min_span_ms. A decelerating rise (a warm-up, a cache
    // filling up) can look like a leak for a sample or two of noise; it
    // cannot keep looking like one while it flattens.
    bool confirmed = streak_[k] >= TrendDetector::kConfirmations &&
                     v.end_ms - streak_start_ms_[k] >= options_.min_span_ms / 3;
    if (!v.detected || !confirmed || !interval_ok)
      return;
    if (kind == SampleKind::kRss && (RssExplained(v) || !RssRose(v)))
      return;
    e.active = true;
    e.sequence = 0;
    e.start_ms = v.start_ms;
    e.start_base = v.base_bytes;
    episodes_started_++;
    event.growth_bytes = v.growth_bytes;
  }
  e.last_event_ms = now_ms;
  e.last_event_end_ms = v.end_ms;

  event.kind = kind;
  event.sequence = e.sequence;
  event.start_ms = e.start_ms;
  event.end_ms = v.end_ms;
  event.bytes_per_second = v.bytes_per_second;
  event.confidence = v.confidence;
  event.samples = v.samples;
  event.rising_steps = v.rising_steps;
  event.window_ms = v.end_ms - v.start_ms;
  event.estimated_base = v.estimated_base;
  events_emitted_++;
  out->push_back(event);
}

std::vector<LeakEvent> LeakDetector::Poll(double now_ms) {
  Touch(now_ms);
  std::vector<LeakEvent> events;
  for (size_t k = 0; k < kSampleKindCount; k++) {
    size_t before = trends_[k].size();
    trends_[k].Expire(now_ms);
    if (trends_[k].size() != before)
      dirty_[k] = true;
    if (dirty_[k]) {
      verdicts_[k] = trends_[k].Evaluate(options_);
      // Only a new point can confirm: re-evaluating the same points (a
      // sample merged into a bucket, an expiry) proves nothing new.
      const TrendVerdict& v = verdicts_[k];
      if (!v.detected) {
        streak_[k] = 0;
      } else if (v.end_ms != streak_end_ms_[k]) {
        if (streak_[k] == 0)
          streak_start_ms_[k] = v.end_ms;
        streak_[k]++;
        streak_end_ms_[k] = v.end_ms;
      }
      dirty_[k] = false;
    }
  }
  raw_rss_.Expire(now_ms);
  // Heap and external first: the rss step reads their fresh verdicts.
  for (size_t k = 0; k < kSampleKindCount; k++) {
    Step(static_cast<SampleKind>(k), now_ms, &events);
  }
  return events;
}

bool LeakDetector::Suspect(SampleKind kind) const {
  size_t k = Index(kind);
  const TrendVerdict& v = verdicts_[k];
  // A rise that, kept up over a window, would clear the floors; a chance
  // drift of a few KB/s would not.
  double floor = std::max(static_cast<double>(options_.min_growth_bytes),
                          options_.min_relative_growth * v.base_bytes);
  if (v.growing || (v.confidence >= TrendDetector::kContinueConfidence &&
                    v.bytes_per_second * options_.window_ms / 1000 >= floor)) {
    return true;
  }
  // A newest sample well above the line may be a leak that has just begun;
  // the window's trend cannot show it yet.
  return received_[k] > 0 && v.samples >= 2 &&
         last_bytes_[k] >
             v.estimated_base +
                 std::max(TrendDetector::kNoiseMultiple * v.noise_bytes,
                          static_cast<double>(options_.min_growth_bytes) / 2);
}

bool LeakDetector::ShouldProbe(double now_ms) {
  Touch(now_ms);
  if (options_.probe_interval_ms <= 0)
    return false;
  // Warm-up samples are ignored, so probing then would be wasted pauses.
  if (now_ms < origin_ms_ + options_.warmup_ms)
    return false;

  size_t heap = Index(SampleKind::kHeap);
  double interval = options_.probe_interval_ms;
  // Probes sample external memory too (it rides on every GC record), so an
  // external leak in a process that hardly collects is found the same way.
  size_t external = Index(SampleKind::kExternal);
  bool reported = episodes_[heap].active || episodes_[external].active;
  if (reported) {
    // Reported already: the base rate keeps the repeats' numbers fresh.
  } else if (Suspect(SampleKind::kHeap) || Suspect(SampleKind::kExternal)) {
    interval /= 2;  // Confirm or dismiss quickly.
  } else if (trends_[heap].size() >= options_.min_samples) {
    interval *= 4;  // Quiet: enough points and no sign of growth.
  }
  if (options_.max_probe_overhead > 0) {
    interval =
        std::max(interval, last_probe_pause_ms_ / options_.max_probe_overhead);
  }
  double last = -std::numeric_limits<double>::infinity();
  if (have_heap_sample_)
    last = last_heap_sample_ms_;
  if (probed_)
    last = std::max(last, last_probe_ms_);
  if (now_ms - last < interval)
    return false;
  // The live set cannot exceed heap used; if heap used has not passed the
  // last live-set sample, nothing can have leaked since (e.g. idle).
  // RSS growth reopens the gate: memory outside the heap (Buffers) can grow
  // without a single collection.
  bool rss_grew = last_bytes_[Index(SampleKind::kRss)] - rss_at_heap_sample_ >=
                  static_cast<double>(options_.min_growth_bytes) / 4;
  if (heap_used_reported_ && have_heap_sample_ &&
      heap_used_since_sample_ <= last_heap_bytes_ && !rss_grew) {
    return false;
  }
  probes_requested_++;
  last_probe_ms_ = now_ms;
  probed_ = true;
  return true;
}

DetectorStats LeakDetector::Stats() const {
  DetectorStats stats;
  for (size_t k = 0; k < kSampleKindCount; k++) {
    KindStats& s = stats.kinds[k];
    const TrendDetector& trend = trends_[k];
    const TrendVerdict& v = verdicts_[k];
    s.samples_received = received_[k];
    s.samples_ignored = ignored_[k];
    s.samples_held = static_cast<uint32_t>(trend.size());
    s.current_bytes = last_bytes_[k];
    s.min_bytes = trend.min_bytes();
    s.max_bytes = trend.max_bytes();
    s.estimated_base = v.samples >= 2 ? v.estimated_base : s.current_bytes;
    s.usage_trend = v.bytes_per_second;
    s.confidence = v.confidence;
    s.in_episode = episodes_[k].active;
  }
  stats.probes_requested = probes_requested_;
  stats.events_emitted = events_emitted_;
  stats.episodes = episodes_started_;
  stats.rss_restarts = rss_restarts_;
  return stats;
}

std::string FormatLeakReason(const LeakEvent& event) {
  const std::string growth = FormatBytesSi(event.growth_bytes);
  const std::string rate = FormatBytesSi(event.bytes_per_second);
  char duration[32];
  FormatDuration(event.end_ms - event.start_ms, duration, sizeof(duration));
  const char* unit = event.kind == SampleKind::kHeap ? "full GCs" : "samples";
  uint32_t steps = event.samples > 0 ? event.samples - 1 : 0;
  char text[256];
  snprintf(text,
           sizeof(text),
           "%s grew %s over %s (%s/s), %u of %u %s rising",
           SampleKindName(event.kind),
           growth.c_str(),
           duration,
           rate.c_str(),
           event.rising_steps,
           steps,
           unit);
  return text;
}

}  // namespace leakguard
