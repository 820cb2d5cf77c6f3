#include "core/monitor/detector/window_reading.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <vector>

#include "core/monitor/detector/reading_scratch.h"
#include "core/monitor/detector/seasonal.h"

namespace leakguard {

namespace {

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

WindowReader::WindowReader() : s_(new ReadingScratch()) {}
WindowReader::~WindowReader() = default;
WindowReader::WindowReader(WindowReader&&) noexcept = default;
WindowReader& WindowReader::operator=(WindowReader&&) noexcept = default;

size_t WindowReader::MemoryBytes() const {
  return sizeof(ReadingScratch) + s_->robust.pairs.size() * sizeof(double) +
         s_->robust.values.size() * sizeof(double) +
         s_->values.size() * sizeof(double);
}

size_t WindowReader::BuildEnvelope(size_t begin, ReadingScratch* s) {
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
    const TrendWindow::Point& p = At(i);
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

double WindowReader::Spread(size_t begin, size_t end, ReadingScratch* s) {
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

uint32_t WindowReader::RisingSteps(size_t begin, ReadingScratch* s) {
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

double WindowReader::Bytes(size_t i, const ReadingScratch* s) const {
  return s->seasonal ? At(i).bytes - s->season[i] : At(i).bytes;
}

TrendVerdict WindowReader::Check(const DetectorOptions& options,
                                 size_t begin,
                                 double gate_ms,
                                 ReadingScratch* s) {
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

TrendVerdict WindowReader::Read(const TrendWindow& window,
                                const DetectorOptions& options,
                                double gate_ms) {
  w_ = &window;
  count_ = window.size();
  if (count_ == 0)
    return TrendVerdict();
  ReadingScratch* scratch = s_.get();
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
  if (options.seasonal && !best.detected &&
      FindSeason(window, whole, scratch)) {
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

}  // namespace leakguard
