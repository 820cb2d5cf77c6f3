#include "core/monitor/trend_detector.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <limits>
#include <utility>

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
    double h = s / 3600;
    snprintf(out, size, h < 10 ? "%.1f h" : "%.0f h", h);
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

// The largest rise between two consecutive values of y[0..n).
double LargestStep(const double* y, size_t n) {
  double step = 0;
  for (size_t i = 1; i < n; i++)
    step = std::max(step, y[i] - y[i - 1]);
  return step;
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
    case TrendVerdict::Reason::kWarmingUp:
      return "the rise has not outlasted the warm-up";
    case TrendVerdict::Reason::kOneStep:
      return "one jump, not a trend";
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

DetectorOptions DetectorOptions::ForHorizon(size_t i) const {
  DetectorOptions o = *this;
  if (i == 0 || i > horizon_count)
    return o;
  o.window_ms = horizons_ms[i - 1];
  o.min_span_ms = std::max({min_span_ms, o.window_ms / 32, 2 * window_ms});
  o.horizon_count = 0;
  o.seasonal = false;
  return o;
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
  if (o.horizon_count > DetectorOptions::kMaxHorizons) {
    return bad("horizons must have at most 4 entries");
  }
  double previous = o.window_ms;
  for (uint32_t i = 0; i < o.horizon_count; i++) {
    double h = o.horizons_ms[i];
    if (!IsFinite(h) || h <= previous || h > horizon_limits::kMaxMs) {
      return bad(
          "horizons must be ascending lengths in ms, each longer than "
          "windowMs (and the one before) and at most 604800000");
    }
    previous = h;
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------
// TrendDetector

struct TrendScratch {
  TrendScratch()
      : robust(TrendDetector::kMaxPoints), values(TrendDetector::kMaxPoints) {}
  double raw_t[TrendDetector::kMaxPoints];
  double raw_y[TrendDetector::kMaxPoints];
  double env_t[TrendDetector::kMaxPoints];
  double env_y[TrendDetector::kMaxPoints];
  RobustScratch robust;        // FitRobust's
  std::vector<double> values;  // RisingSteps' medians
  // FindSeason's: the profile at each point, the points' residuals, the
  // lag differences' medians.
  bool seasonal = false;  // Check reads bytes less season[].
  double season[TrendDetector::kMaxPoints];
  double season_limit = 0;  // |resid| above it: a point the fit left out.
  double resid[TrendDetector::kMaxPoints];
  static constexpr size_t kMaxLags = 256;
  double lags[kMaxLags];
};

TrendDetector::TrendDetector(const DetectorOptions& options) {
  Reset(options);
}

TrendDetector::~TrendDetector() {
  delete own_scratch_;
}

TrendDetector::TrendDetector(TrendDetector&& other) noexcept {
  *this = std::move(other);
}

TrendDetector& TrendDetector::operator=(TrendDetector&& other) noexcept {
  if (this == &other)
    return *this;
  delete own_scratch_;
  bucket_ms_ = other.bucket_ms_;
  window_ms_ = other.window_ms_;
  std::memcpy(points_, other.points_, sizeof(points_));
  past_ms_ = other.past_ms_;
  std::memcpy(past_, other.past_, sizeof(past_));
  head_ = other.head_;
  count_ = other.count_;
  changed_ = other.changed_;
  own_scratch_ = other.own_scratch_;
  other.own_scratch_ = nullptr;
  return *this;
}

void TrendDetector::Reset(const DetectorOptions& options) {
  window_ms_ = options.window_ms;
  bucket_ms_ = options.window_ms / kMaxPoints;
  past_ms_ = options.window_ms / kPastSlots;
  for (Past& p : past_)
    p = Past{kNoSlot, 0};
  head_ = 0;
  count_ = 0;
  changed_ = false;
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

TrendDetector::TopValues::TopValues() {
  for (double& x : v)
    x = -std::numeric_limits<double>::infinity();
}

void TrendDetector::TopValues::Add(double x) {
  for (size_t i = 0; i < kKeep; i++) {
    if (x > v[i])
      std::swap(x, v[i]);
  }
}

void TrendDetector::TopBefore(double time_ms, TopValues* top) const {
  for (size_t i = 0; i < count_ && At(i).time_ms < time_ms; i++)
    top->Add(At(i).bytes);
}

double TrendDetector::MinFrom(double time_ms) const {
  double m = std::numeric_limits<double>::infinity();
  for (size_t i = count_; i > 0 && At(i - 1).time_ms >= time_ms; i--)
    m = std::min(m, At(i - 1).bytes);
  return m;
}

void TrendDetector::TopExpired(TopValues* top) const {
  if (count_ == 0)
    return;
  // Slots older than a window before the oldest kept point are stale.
  auto oldest = static_cast<int64_t>(std::floor(At(0).time_ms / past_ms_));
  for (const Past& p : past_) {
    if (p.slot != kNoSlot &&
        p.slot >= oldest - static_cast<int64_t>(kPastSlots))
      top->Add(p.bytes);
  }
}

void TrendDetector::DropOldest() {
  const Point& p = At(0);
  auto slot = static_cast<int64_t>(std::floor(p.time_ms / past_ms_));
  Past& past = past_[static_cast<uint64_t>(slot) % kPastSlots];
  if (past.slot != slot)
    past = Past{slot, p.bytes};
  else
    past.bytes = std::max(past.bytes, p.bytes);
  head_ = (head_ + 1) % kMaxPoints;
  count_--;
}

bool TrendDetector::AddSample(double time_ms, uint64_t bytes) {
  changed_ = false;
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
        changed_ = true;
      }
      size_t before = count_;
      Expire(time_ms);
      changed_ = changed_ || count_ != before;
      return true;
    }
  }
  if (count_ == kMaxPoints)
    DropOldest();
  points_[(head_ + count_) % kMaxPoints] = Point{time_ms, value, bucket};
  count_++;
  changed_ = true;
  Expire(time_ms);
  return true;
}

void TrendDetector::Expire(double now_ms) {
  double oldest_allowed = now_ms - window_ms_;
  while (count_ > 0 && At(0).time_ms < oldest_allowed)
    DropOldest();
}

size_t TrendDetector::BuildEnvelope(size_t begin, TrendScratch* s) {
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
    const double bytes = Bytes(i, s);
    // Buckets are >= 0 for the non-negative times a monotonic clock gives.
    int64_t e = p.bucket / group;
    if (out > 0 && e == epoch) {
      if (bytes < s->env_y[out - 1]) {
        s->env_t[out - 1] = p.time_ms;
        s->env_y[out - 1] = bytes;
      }
      continue;
    }
    epoch = e;
    s->env_t[out] = p.time_ms;
    s->env_y[out] = bytes;
    out++;
  }
  return out;
}

double TrendDetector::Spread(size_t begin, size_t end, TrendScratch* s) {
  // The 10th to the 90th percentile of points [begin, end) about their
  // own Theil-Sen line: a steady rise before the part (the same leak) is
  // not spread, a swing is.
  size_t n = end - begin;
  if (n < 3)
    return 0;
  for (size_t i = 0; i < n; i++) {
    s->raw_t[i] = At(begin + i).time_ms;
    s->raw_y[i] = Bytes(begin + i, s);
  }
  RobustFit line = FitRobust(s->raw_t, s->raw_y, n, &s->robust);
  std::vector<double>& v = s->values;
  for (size_t i = 0; i < n; i++) {
    v[i] = s->raw_y[i] -
           (line.intercept + line.slope * (s->raw_t[i] - s->raw_t[0]));
  }
  auto at = [&](double q) {
    auto k = static_cast<ptrdiff_t>(q * static_cast<double>(n - 1));
    std::nth_element(v.begin(), v.begin() + k, v.begin() + n);
    return v[static_cast<size_t>(k)];
  };
  double low = at(0.1);
  return at(0.9) - low;
}

uint32_t TrendDetector::RisingSteps(size_t begin, TrendScratch* s) {
  // A point is rising when it lies above the median of the points before it.
  uint32_t rising = 0;
  for (size_t k = begin + 1; k < count_; k++) {
    for (size_t i = begin; i < k; i++)
      s->values[i - begin] = Bytes(i, s);
    if (Bytes(k, s) > MedianInPlace(&s->values, k - begin))
      rising++;
  }
  return rising;
}

double TrendDetector::Bytes(size_t i, const TrendScratch* s) const {
  return s->seasonal ? At(i).bytes - s->season[i] : At(i).bytes;
}

bool TrendDetector::FindSeason(const TrendVerdict& whole, TrendScratch* s) {
  // A live set that follows a cycle (sessions that open and close with the
  // traffic, a batch that loads and drains) swings by more than a slow
  // leak grows in a few minutes, so the envelope's minima go up and down
  // with the phase and Mann-Kendall needs many cycles to see the leak. The
  // same points less the cycle's profile show it as a line.
  //   period    the points about their Theil-Sen line; lags tried from
  //             kSeasonMinBuckets buckets to half the span, comparing each
  //             point with the one a lag earlier (interpolated) by the
  //             median absolute difference; the period is the shortest
  //             local minimum within 20% of the least (twice the period
  //             fits as well, with fewer cycles) that has longer lags after
  //             it, and it must fit kSeasonMinCycles times into the span.
  //   periodic  only if points half that period apart differ
  //             kSeasonContrast times as much: a cycle is in antiphase
  //             there; noise, a random walk or a trend are not.
  //   refined   to the period, within kSeasonRefine of it, whose fit
  //             leaves the least median absolute residual: a bucket's
  //             error is too much to fold four cycles onto one.
  //   profile   a line plus kSeasonHarmonics harmonics of the period, by
  //             least squares, refitted without the points more than 3
  //             robust sds off (floating garbage). The harmonics alone are
  //             the profile: periodic, so they shape the points but cannot
  //             tilt them; the line's slope is Check's to judge again.
  s->seasonal = false;
  const size_t n = count_;
  if (n < 2 || whole.samples != n)
    return false;
  double* t = s->raw_t;
  double* y = s->raw_y;
  for (size_t i = 0; i < n; i++) {
    t[i] = At(i).time_ms;
    y[i] = At(i).bytes;
  }
  const double span = t[n - 1] - t[0];
  const double p_min = kSeasonMinBuckets * bucket_ms_;
  // Lags are tried up to half the span, so that a period of a third of it
  // is a minimum with longer lags after it; the period must fit
  // kSeasonMinCycles times.
  const double p_max = span / kSeasonMinCycles;
  const double lag_max = span / 2;
  if (!(p_max > p_min) ||
      static_cast<double>(n) < kSeasonPointsPerCycle * kSeasonMinCycles) {
    return false;
  }
  // The plain whole-window reading's line (Check's Theil-Sen over the
  // same points), not fitted again.
  const double slope = whole.bytes_per_second / 1000;
  for (size_t i = 0; i < n; i++)
    s->resid[i] = y[i] - (whole.base_bytes + slope * (t[i] - t[0]));

  // The median |resid(t) - resid(t - lag)| over points whose earlier
  // neighbours are at most max_gap apart; NaN with too few pairs.
  std::vector<double>& v = s->values;
  auto lag_difference = [&](double lag, double max_gap) {
    size_t m = 0;
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
      double at = t[i] - lag;
      if (at < t[0])
        continue;
      while (j + 2 < n && t[j + 1] < at)
        j++;
      double gap = t[j + 1] - t[j];
      if (gap > max_gap || t[j + 1] < at)
        continue;
      double w = gap > 0 ? (at - t[j]) / gap : 0;
      double earlier = s->resid[j] + w * (s->resid[j + 1] - s->resid[j]);
      v[m++] = std::fabs(s->resid[i] - earlier);
    }
    if (static_cast<double>(m) < kSeasonPointsPerCycle * 2)
      return std::numeric_limits<double>::quiet_NaN();
    return MedianInPlace(&v, m);
  };
  const double step = std::max(
      bucket_ms_ / 4,
      (lag_max - p_min) / static_cast<double>(TrendScratch::kMaxLags - 1));
  size_t lags = 0;
  double lowest = std::numeric_limits<double>::infinity();
  for (double lag = p_min; lag <= lag_max && lags < TrendScratch::kMaxLags;
       lag += step) {
    double d = lag_difference(lag, lag / 4);
    s->lags[lags++] = d;
    if (d < lowest)
      lowest = d;
  }
  if (!IsFinite(lowest))
    return false;
  // The shortest lag near the lowest difference that is a local minimum:
  // twice the period fits as well as the period, with fewer cycles.
  const double kNear = 1.2;
  double period = 0;
  double at_period = 0;
  for (size_t k = 0; k < lags; k++) {
    double d = s->lags[k];
    if (!(d <= kNear * lowest))
      continue;
    // At the longest lag tried the true period may lie beyond: only a
    // minimum with a longer lag after it counts.
    bool left = k == 0 || !(s->lags[k - 1] < d);
    bool right = k + 1 < lags && !(s->lags[k + 1] < d);
    if (left && right) {
      period = p_min + step * static_cast<double>(k);
      at_period = d;
      break;
    }
  }
  if (period == 0 || period > p_max ||
      static_cast<double>(n) * period / span < kSeasonPointsPerCycle) {
    return false;
  }
  double half = lag_difference(period / 2, period / 4);
  if (!(half >= kSeasonContrast * at_period) || !(half > 0))
    return false;

  // The profile of period p: the harmonics at each point go to s->season,
  // the median absolute residual to *error. False when the fit is
  // singular or has too few points.
  constexpr size_t kTerms = 2 + 2 * kSeasonHarmonics;
  const double t_mid = (t[0] + t[n - 1]) / 2;
  auto fit_profile = [&](double p, double* error) {
    const double omega = 2 * 3.14159265358979323846 / p;
    double keep_below = std::numeric_limits<double>::infinity();
    double coef[kTerms];
    for (int pass = 0; pass < 2; pass++) {
      double ata[kTerms][kTerms] = {};
      double aty[kTerms] = {};
      size_t used = 0;
      for (size_t i = 0; i < n; i++) {
        if (pass == 1 && std::fabs(s->resid[i]) > keep_below)
          continue;
        double row[kTerms];
        row[0] = 1;
        row[1] = (t[i] - t_mid) / span;
        for (size_t k = 0; k < kSeasonHarmonics; k++) {
          double arg = omega * static_cast<double>(k + 1) * t[i];
          row[2 + 2 * k] = std::cos(arg);
          row[3 + 2 * k] = std::sin(arg);
        }
        for (size_t r = 0; r < kTerms; r++) {
          aty[r] += row[r] * y[i];
          for (size_t c = 0; c < kTerms; c++)
            ata[r][c] += row[r] * row[c];
        }
        used++;
      }
      if (used < 2 * kTerms)
        return false;
      // Gaussian elimination with partial pivoting; the matrix is small
      // and its columns are of the same scale (t is centred and scaled).
      for (size_t c = 0; c < kTerms; c++) {
        size_t pivot = c;
        for (size_t r = c + 1; r < kTerms; r++) {
          if (std::fabs(ata[r][c]) > std::fabs(ata[pivot][c]))
            pivot = r;
        }
        if (!(std::fabs(ata[pivot][c]) > 1e-9 * static_cast<double>(used)))
          return false;
        if (pivot != c) {
          for (size_t k = 0; k < kTerms; k++)
            std::swap(ata[c][k], ata[pivot][k]);
          std::swap(aty[c], aty[pivot]);
        }
        for (size_t r = c + 1; r < kTerms; r++) {
          double f = ata[r][c] / ata[c][c];
          for (size_t k = c; k < kTerms; k++)
            ata[r][k] -= f * ata[c][k];
          aty[r] -= f * aty[c];
        }
      }
      for (size_t r = kTerms; r-- > 0;) {
        double sum = aty[r];
        for (size_t k = r + 1; k < kTerms; k++)
          sum -= ata[r][k] * coef[k];
        coef[r] = sum / ata[r][r];
      }
      for (size_t i = 0; i < n; i++) {
        double h = 0;
        for (size_t k = 0; k < kSeasonHarmonics; k++) {
          double arg = omega * static_cast<double>(k + 1) * t[i];
          h +=
              coef[2 + 2 * k] * std::cos(arg) + coef[3 + 2 * k] * std::sin(arg);
        }
        s->season[i] = h;
        s->resid[i] = y[i] - (coef[0] + coef[1] * (t[i] - t_mid) / span + h);
        v[i] = std::fabs(s->resid[i]);
      }
      double mad = MedianInPlace(&v, n);
      *error = mad;
      keep_below = 3 * 1.4826 * mad;
      s->season_limit = keep_below;
    }
    return IsFinite(*error);
  };
  double best_error = std::numeric_limits<double>::infinity();
  double best_period = period;
  const double refine_step =
      std::max(bucket_ms_ / 8, 2 * kSeasonRefine * period / kSeasonRefineSteps);
  for (double p = std::max(p_min, (1 - kSeasonRefine) * period);
       p <= std::min(p_max, (1 + kSeasonRefine) * period);
       p += refine_step) {
    double error = 0;
    if (fit_profile(p, &error) && error < best_error) {
      best_error = error;
      best_period = p;
    }
  }
  double error = 0;
  if (!IsFinite(best_error) || !fit_profile(best_period, &error))
    return false;
  s->seasonal = true;
  return true;
}

TrendVerdict TrendDetector::Check(const DetectorOptions& options,
                                  size_t begin,
                                  double gate_ms,
                                  TrendScratch* s) {
  using Reason = TrendVerdict::Reason;
  TrendVerdict v;
  size_t end = count_;
  if (begin >= end)
    return v;
  RobustScratch* fs = &s->robust;
  // Time is in ms, so slopes are in bytes per ms. The rate and the base
  // come from every point (Theil-Sen needs no help with outliers, and more
  // points make a tighter estimate); the test of significance, the noise
  // and persistence from the envelope.
  size_t n = end - begin;
  double* raw_t = s->raw_t;
  double* raw_y = s->raw_y;
  for (size_t i = 0; i < n; i++) {
    raw_t[i] = At(begin + i).time_ms;
    raw_y[i] = Bytes(begin + i, s);
  }
  RobustFit line = FitRobust(raw_t, raw_y, n, fs);
  size_t env_n = BuildEnvelope(begin, s);
  RobustFit fit = FitRobust(s->env_t, s->env_y, env_n, fs);
  double t0 = raw_t[0];
  double t1 = raw_t[n - 1];
  v.start_ms = t0;
  v.end_ms = t1;
  v.samples = static_cast<uint32_t>(n);
  v.rising_steps = RisingSteps(begin, s);
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
  while (m < n && raw_t[m] < mid)
    m++;
  bool persistent = false;
  if (m >= 2 && n - m >= 3 && fit.slope > 0) {
    RobustFit older = FitRobust(raw_t, raw_y, m, fs);
    RobustFit newer = FitRobust(raw_t + m, raw_y + m, n - m, fs);
    // A flat stretch of a few points can show a slope by chance, but not a
    // climb out of the noise.
    double newer_growth = newer.slope * (t1 - raw_t[m]);
    persistent = newer.slope > 0 &&
                 newer.slope >= kPersistFraction * older.slope &&
                 newer_growth >= fit.noise;
  }

  // The warm-up gate. Warm-up samples count as evidence, but start-up
  // growth (modules, caches, pools filling) is not a leak: a window that
  // begins in the warm-up needs the points after it to keep rising on
  // their own, as fast as persistence asks. Too few of them yet is a wait
  // (kWarmingUp); enough that do not rise is growth that stopped.
  bool gate_waiting = false;
  bool gate_failed = false;
  if (t0 < gate_ms) {
    size_t g = 0;
    while (g < n && raw_t[g] < gate_ms)
      g++;
    size_t after = n - g;
    if (after < kConfirmations ||
        raw_t[n - 1] - raw_t[g] < options.min_span_ms / 4) {
      gate_waiting = true;
    } else {
      RobustFit newer = FitRobust(raw_t + g, raw_y + g, after, fs);
      // Less a cycle's profile fitted to the whole window, the few warm-up
      // points' own slope is mostly the profile's error: the seasonal
      // reading holds the points after the warm-up to the whole line's.
      double before_slope =
          s->seasonal ? line.slope
                      : (g >= 2 ? FitRobust(raw_t, raw_y, g, fs).slope : 0.0);
      double newer_growth = newer.slope * (t1 - raw_t[g]);
      gate_failed =
          !(newer.slope > 0 && newer.slope >= kPersistFraction * before_slope &&
            newer_growth >= fit.noise);
    }
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
  } else if (!persistent || gate_failed) {
    v.reason = Reason::kNotPersistent;
  } else if (!FloorRose(raw_t, raw_y, n)) {
    v.reason = Reason::kFloorNotRaised;
  } else if (LargestStep(s->env_y, env_n) > kStepFraction * growth) {
    // Most of the growth is one jump between two envelope points: a burst
    // (a batch loaded, requests piling up) that has not ended yet, not a
    // trend. A leak's rise is spread over the window.
    v.reason = Reason::kOneStep;
  } else {
    v.reason = Reason::kLeak;
    // A newer part must reach above everything before it: the median of
    // its newest quarter's points above every point before it. A
    // sawtooth's or an oscillation's rising edge only climbs back to where
    // the last peak was (and a line through the edge overshoots it, so the
    // points decide).
    // (Not for the seasonal reading: it begins after a start-up
    // transient, not because it is a newer part.)
    if (begin > 0 && !s->seasonal) {
      double from = t1 - (t1 - t0) / 4;
      size_t q = 0;
      for (size_t i = 0; i < n; i++) {
        if (raw_t[i] >= from)
          s->values[q++] = raw_y[i];
      }
      double newest = MedianInPlace(&s->values, q);
      for (size_t i = 0; i < begin; i++) {
        if (Bytes(i, s) >= newest) {
          v.reason = Reason::kNoNewHigh;
          break;
        }
      }
      // And it must rise clear of the points before it: an oscillation's
      // rising edge that tops the earlier peaks (a leak lifts them) spans
      // no more than the swing they go up and down by about their line,
      // and on its own it would be reported at the edge's rate. (Spread
      // reuses the raw arrays, which are not read after this.)
      if (v.reason == Reason::kLeak && !gate_waiting &&
          v.growth_bytes < kSpreadMultiple * Spread(0, begin, s)) {
        v.reason = Reason::kNoNewHigh;
      }
    }
    if (v.reason == Reason::kLeak && gate_waiting)
      v.reason = Reason::kWarmingUp;
  }
  v.detected = v.reason == Reason::kLeak;
  // While the warm-up lasts no window is a leak, so nothing keeps growing.
  if (gate_waiting)
    v.growing = false;
  return v;
}

TrendVerdict TrendDetector::Evaluate(const DetectorOptions& options,
                                     double gate_ms,
                                     TrendScratch* scratch) {
  if (count_ == 0)
    return TrendVerdict();
  if (scratch == nullptr) {
    if (own_scratch_ == nullptr)
      own_scratch_ = new TrendScratch();
    scratch = own_scratch_;
  }
  // Candidates: the whole window, its newer half and its newest quarter (by
  // time), the newest two spans and the newest 1.25 spans. A leak that
  // began inside the window (after a flat period) dilutes the whole
  // window's trend; a newer part on its own shows it sooner and with its
  // real rate. Newer parts must also reach a new high (see Check), which
  // keeps a sawtooth's rising edge out, and rise clear of the spread
  // before them, which keeps an oscillation's edge out.
  double t0 = At(0).time_ms;
  double t1 = At(count_ - 1).time_ms;
  double span = t1 - t0;
  const double newest = t1 - kNewestSpans * options.min_span_ms;
  const double starts[] = {t0,
                           t0 + 0.5 * span,
                           t0 + 0.75 * span,
                           t1 - 2 * options.min_span_ms,
                           newest};
  TrendVerdict whole;
  TrendVerdict best;
  bool growing = false;
  size_t tried[std::size(starts)];
  size_t tried_count = 0;
  for (double start : starts) {
    size_t begin = 0;
    while (begin < count_ && At(begin).time_ms < start)
      begin++;
    if (begin >= count_)
      continue;
    // The newest part is short, for a leak that began on a warm process:
    // while the whole window is a leak its slope is too noisy to replace
    // the whole's, and an oscillation's rising edge can top the one peak
    // before it by chance, not the peaks of a long history.
    if (start == newest &&
        (whole.detected || start - t0 < kNewestHistory * (t1 - start))) {
      continue;
    }
    bool seen = false;
    for (size_t i = 0; i < tried_count; i++)
      seen = seen || tried[i] == begin;
    if (seen)
      continue;
    tried[tried_count++] = begin;
    TrendVerdict v = Check(options, begin, gate_ms, scratch);
    growing = growing || v.growing;
    if (begin == 0)
      whole = v;
    if (!v.detected) {
      // A wait for the warm-up is the most promising reading to report.
      if (v.reason == TrendVerdict::Reason::kWarmingUp && !best.detected &&
          best.reason != TrendVerdict::Reason::kWarmingUp) {
        best = v;
      }
      continue;
    }
    // Only a clearly faster newer part means the growth began inside the
    // window; for a steady leak the longer estimate is the better one (more
    // points), and picking the larger of two would bias it up.
    if (!best.detected ||
        v.bytes_per_second > kChangeRatio * best.bytes_per_second) {
      best = v;
    }
  }
  // The seasonal reading: the window less its cycle's profile, while no
  // plain reading is a leak. It begins after the run of oldest points
  // that the fit left out, if any (up to a quarter of them: a process
  // sampled before its pools and sessions filled, a burst that is leaving
  // the window): a transient is neither the cycle nor the trend, and it
  // would read as one jump. The raw points' floor must still
  // have risen (a leak lifts the troughs too).
  if (options.seasonal && !best.detected && FindSeason(whole, scratch)) {
    size_t begin = 0;
    while (begin < count_ / 4 &&
           std::fabs(scratch->resid[begin]) > scratch->season_limit) {
      begin++;
    }
    bool floor_rose = FloorRose(
        scratch->raw_t + begin, scratch->raw_y + begin, count_ - begin);
    TrendVerdict v = Check(options, begin, gate_ms, scratch);
    scratch->seasonal = false;
    if (v.detected && !floor_rose) {
      v.detected = false;
      v.reason = TrendVerdict::Reason::kFloorNotRaised;
    }
    growing = growing || v.growing;
    if (v.detected || (v.reason == TrendVerdict::Reason::kWarmingUp &&
                       best.reason != TrendVerdict::Reason::kWarmingUp)) {
      best = v;
    }
  }
  bool use_best =
      best.detected || best.reason == TrendVerdict::Reason::kWarmingUp;
  TrendVerdict result = use_best ? best : whole;
  result.growing = result.growing || growing;
  return result;
}

// ---------------------------------------------------------------------------
// LeakDetector

LeakDetector::LeakDetector(const DetectorOptions& options)
    : options_(options), scratch_(new TrendScratch()) {
  BuildHorizons();
}

LeakDetector::~LeakDetector() = default;
LeakDetector::LeakDetector(LeakDetector&&) noexcept = default;
LeakDetector& LeakDetector::operator=(LeakDetector&&) noexcept = default;

void LeakDetector::BuildHorizons() {
  horizons_.clear();
  horizons_.reserve(options_.horizon_total());
  for (size_t i = 0; i < options_.horizon_total(); i++)
    horizons_.emplace_back(options_.ForHorizon(i));
}

const TrendVerdict& LeakDetector::verdict(SampleKind kind,
                                          size_t horizon) const {
  static const TrendVerdict kNone;
  if (horizon >= horizons_.size())
    return kNone;
  return horizons_[horizon].verdicts[Index(kind)];
}

size_t LeakDetector::MemoryBytes() const {
  return sizeof(*this) + sizeof(TrendScratch) +
         scratch_->robust.pairs.size() * sizeof(double) +
         scratch_->robust.values.size() * sizeof(double) +
         scratch_->values.size() * sizeof(double) +
         horizons_.capacity() * sizeof(Horizon);
}

Status LeakDetector::Configure(const DetectorOptions& options) {
  Status status = ValidateDetectorOptions(options);
  if (!status.ok())
    return status;
  std::vector<Horizon> old;
  old.swap(horizons_);
  options_ = options;
  BuildHorizons();
  // A horizon whose length stayed keeps its points (bucket widths still
  // match); its thresholds may have changed, so it is re-evaluated.
  for (size_t i = 0; i < horizons_.size(); i++) {
    double length = horizons_[i].options.window_ms;
    for (size_t j = 0; j < old.size(); j++) {
      if (old[j].options.window_ms != length)
        continue;
      DetectorOptions fresh = horizons_[i].options;
      horizons_[i] = std::move(old[j]);
      horizons_[i].options = fresh;
      for (size_t k = 0; k < kSampleKindCount; k++)
        horizons_[i].dirty[k] = true;
      break;
    }
  }
  for (Episode& e : episodes_) {
    if (e.active && e.horizon >= horizons_.size())
      e.active = false;
  }
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
  // Warm-up samples are kept: the warm-up gates verdicts (Check), not
  // evidence. Every horizon sees every sample; its buckets keep the minima,
  // which is the shorter horizon's points downsampled.
  bool accepted = false;
  for (Horizon& h : horizons_) {
    if (!h.trends[k].AddSample(time_ms, value))
      continue;
    accepted = true;
    if (h.trends[k].changed())
      h.dirty[k] = true;
    if (kind == SampleKind::kRss)
      h.raw_rss.AddSample(time_ms, bytes);
  }
  if (!accepted)
    ignored_[k]++;
}

void LeakDetector::RestartRss() {
  size_t k = Index(SampleKind::kRss);
  for (Horizon& h : horizons_) {
    h.trends[k].Reset(h.options);
    h.verdicts[k] = TrendVerdict();
    h.dirty[k] = false;
    h.streak[k] = 0;
    h.raw_rss.Reset(h.options);
  }
  episodes_[k].active = false;
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
    probe_pauses_[probe_pause_count_++ % kProbePauses] = pause_ms;
}

bool LeakDetector::RssExplained(const Horizon& h,
                                const TrendVerdict& rss) const {
  const TrendVerdict& heap = h.verdicts[Index(SampleKind::kHeap)];
  // Without a few heap points we cannot tell a native leak from the heap's
  // own growth showing up in RSS; wait rather than guess.
  if (heap.samples < 3)
    return true;
  double explained = 0;
  for (SampleKind kind : {SampleKind::kHeap, SampleKind::kExternal}) {
    const TrendVerdict& v = h.verdicts[Index(kind)];
    if (v.samples >= 3 && v.confidence >= TrendDetector::kContinueConfidence &&
        v.bytes_per_second > 0) {
      explained += v.bytes_per_second;
    }
  }
  return explained >= 0.5 * rss.bytes_per_second;
}

bool LeakDetector::RssRose(Horizon& h, const TrendVerdict& rss) {
  // Native = RSS - committed heap - external is only an estimate: pages the
  // heap or malloc gave up stay resident a while, so native rises whenever
  // the committed heap or external memory shrinks under a flat RSS (an LRU
  // that settles after its fill did that for over a minute). Memory that
  // really grows raises RSS itself. Evaluated only here, when an rss episode
  // would start (Poll has expired the old points).
  const TrendVerdict raw = h.raw_rss.Evaluate(h.rss_options, 0, scratch_.get());
  return raw.samples >= h.options.min_samples &&
         raw.confidence >= TrendDetector::kContinueConfidence &&
         raw.bytes_per_second >= kRssRiseFraction * rss.bytes_per_second;
}

bool LeakDetector::NewHigh(size_t horizon,
                           SampleKind kind,
                           const TrendVerdict& v) const {
  // The newest quarter of the analysed part must stand above everything
  // the longer horizons saw before it: their own points older than its
  // start (the last peak of an oscillation slower than the window) and
  // what left their windows (yesterday's peak of a daily cycle, once the
  // day's window has slid past it). A leak makes new highs; a cycle's
  // rising phase only climbs back to where it was. "Everything" is the
  // third highest of those points: one or two buckets that a burst or an
  // outlier filled do not hide a leak for hours. The short window checks
  // its own points itself (Check's kNoNewHigh).
  const size_t k = Index(kind);
  TrendDetector::TopValues top;
  for (size_t j = horizon; j < horizons_.size(); j++) {
    const TrendDetector& t = horizons_[j].trends[k];
    if (j > 0)
      t.TopBefore(v.start_ms, &top);
    t.TopExpired(&top);
  }
  double before = top.Lowest();
  if (before == -std::numeric_limits<double>::infinity())
    return true;
  const TrendDetector& own = horizons_[horizon].trends[k];
  return own.MinFrom(v.end_ms - (v.end_ms - v.start_ms) / 4) > before;
}

bool LeakDetector::MayStart(size_t hi, SampleKind kind) {
  Horizon& h = horizons_[hi];
  size_t k = Index(kind);
  const TrendVerdict& v = h.verdicts[k];
  // Confirmed: found on kConfirmations new points in a row, spanning at
  // least an eighth of min_span_ms. A decelerating rise (a warm-up, a cache
  // filling up) can look like a leak for a sample or two of noise; it
  // cannot keep looking like one while it flattens. Evaluations that only
  // waited for the warm-up to end count: the gate then asks for rising
  // points after it as well.
  bool confirmed = h.streak[k] >= TrendDetector::kConfirmations &&
                   v.end_ms - h.streak_start_ms[k] >= h.options.min_span_ms / 8;
  if (!v.detected || !confirmed)
    return false;
  if (!NewHigh(hi, kind, v))
    return false;
  if (kind == SampleKind::kRss && (RssExplained(h, v) || !RssRose(h, v)))
    return false;
  return true;
}

void LeakDetector::Step(SampleKind kind,
                        double now_ms,
                        std::vector<LeakEvent>* out) {
  size_t k = Index(kind);
  Episode& e = episodes_[k];
  bool interval_ok = e.last_event_ms < 0 ||
                     now_ms - e.last_event_ms >= options_.min_leak_interval_ms;

  if (e.active && !horizons_[e.horizon].verdicts[k].growing)
    e.active = false;  // The trend stopped.

  LeakEvent event;
  size_t hi = e.horizon;
  if (e.active) {
    const TrendVerdict& v = horizons_[hi].verdicts[k];
    // Repeat only with new evidence and not before the interval.
    if (!interval_ok || v.end_ms <= e.last_event_end_ms)
      return;
    e.sequence++;
    event.growth_bytes = v.estimated_base - e.start_base;
  } else {
    if (!interval_ok)
      return;
    // The shortest horizon that finds a confirmed leak reports it.
    bool found = false;
    for (hi = 0; hi < horizons_.size(); hi++) {
      if (MayStart(hi, kind)) {
        found = true;
        break;
      }
    }
    if (!found)
      return;
    const TrendVerdict& v = horizons_[hi].verdicts[k];
    e.active = true;
    e.horizon = hi;
    e.sequence = 0;
    e.start_ms = v.start_ms;
    e.start_base = v.base_bytes;
    episodes_started_++;
    event.growth_bytes = v.growth_bytes;
  }
  const TrendVerdict& v = horizons_[hi].verdicts[k];
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
  event.horizon_ms = horizons_[hi].options.window_ms;
  event.long_horizon = hi > 0;
  events_emitted_++;
  out->push_back(event);
}

std::vector<LeakEvent> LeakDetector::Poll(double now_ms) {
  Touch(now_ms);
  std::vector<LeakEvent> events;
  const double gate = GateMs();
  const double rss_gate = RssGateMs();
  for (Horizon& h : horizons_) {
    for (size_t k = 0; k < kSampleKindCount; k++) {
      size_t before = h.trends[k].size();
      h.trends[k].Expire(now_ms);
      if (h.trends[k].size() != before)
        h.dirty[k] = true;
      if (!h.dirty[k])
        continue;
      const bool rss = k == Index(SampleKind::kRss);
      h.verdicts[k] = h.trends[k].Evaluate(rss ? h.rss_options : h.options,
                                           rss ? rss_gate : gate,
                                           scratch_.get());
      // Only a new point can confirm: re-evaluating the same points (a
      // sample merged into a bucket, an expiry) proves nothing new.
      const TrendVerdict& v = h.verdicts[k];
      bool counts = v.detected || v.reason == TrendVerdict::Reason::kWarmingUp;
      if (!counts) {
        h.streak[k] = 0;
      } else if (v.end_ms != h.streak_end_ms[k]) {
        if (h.streak[k] == 0)
          h.streak_start_ms[k] = v.end_ms;
        h.streak[k]++;
        h.streak_end_ms[k] = v.end_ms;
      }
      h.dirty[k] = false;
    }
    h.raw_rss.Expire(now_ms);
  }
  // Heap and external first: the rss step reads their fresh verdicts.
  for (size_t k = 0; k < kSampleKindCount; k++) {
    Step(static_cast<SampleKind>(k), now_ms, &events);
  }
  return events;
}

bool LeakDetector::Suspect(SampleKind kind) const {
  size_t k = Index(kind);
  const TrendVerdict& v = horizons_[0].verdicts[k];
  // A rise that, kept up over a window, would clear the floors; a chance
  // drift of a few KB/s would not.
  double floor = std::max(static_cast<double>(options_.min_growth_bytes),
                          options_.min_relative_growth * v.base_bytes);
  if (v.growing || v.reason == TrendVerdict::Reason::kWarmingUp ||
      (v.confidence >= TrendDetector::kContinueConfidence &&
       v.bytes_per_second * options_.window_ms / 1000 >= floor)) {
    return true;
  }
  // A newest sample well above the line may be a leak that has just begun;
  // the window's trend cannot show it yet.
  return received_[k] > 0 && v.samples >= 2 &&
         last_bytes_[k] >
             v.estimated_base +
                 std::max(TrendDetector::kSuspectNoiseMultiple * v.noise_bytes,
                          static_cast<double>(options_.min_growth_bytes) / 2);
}

bool LeakDetector::ShouldProbe(double now_ms) {
  Touch(now_ms);
  if (options_.probe_interval_ms <= 0)
    return false;
  // Warm-up samples are evidence too (the warm-up gates verdicts, not
  // samples), so probes run from the start.
  size_t heap = Index(SampleKind::kHeap);
  double interval = options_.probe_interval_ms;
  // Probes sample external memory too (it rides on every GC record), so an
  // external leak in a process that hardly collects is found the same way.
  size_t external = Index(SampleKind::kExternal);
  bool reported = episodes_[heap].active || episodes_[external].active;
  if (reported) {
    // Reported already: the base rate keeps the repeats' numbers fresh.
  } else if (Suspect(SampleKind::kHeap) || Suspect(SampleKind::kExternal)) {
    interval /= 4;  // Confirm or dismiss quickly.
  }
  // Quiet (no sign of growth) keeps the base interval: a probe every 5 s
  // costs ~0.2% of wall time at a 10 ms pause, and a leak that begins on a
  // warm process is seen one interval sooner (the ~20 s latency target).
  // The long horizons need one sample per bucket (their shortest bucket is
  // horizons[0] / 128, 28 s for an hour): with a probeIntervalMs longer
  // than that they still get one, and only when no full GC gave one.
  if (horizons_.size() > 1) {
    interval = std::min(
        interval, horizons_[1].options.window_ms / TrendDetector::kMaxPoints);
  }
  if (options_.max_probe_overhead > 0 && probe_pause_count_ > 0) {
    size_t n = std::min(probe_pause_count_, kProbePauses);
    double sum = 0;
    for (size_t i = 0; i < n; i++)
      sum += probe_pauses_[i];
    interval = std::max(interval, sum / n / options_.max_probe_overhead);
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
  const Horizon& h = horizons_[0];
  for (size_t k = 0; k < kSampleKindCount; k++) {
    KindStats& s = stats.kinds[k];
    const TrendDetector& trend = h.trends[k];
    const TrendVerdict& v = h.verdicts[k];
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
