// The reading of one window: its points in, a TrendVerdict out (is it a
// leak, and if not, the first check that failed). Stateless between reads
// except for its scratch; not thread-safe.
//
// The method, per horizon and kind, over the points of its window:
//   envelope    the lower envelope: the minimum of each epoch, an epoch being
//               a power-of-two run of buckets aligned to absolute time, at
//               most kEnvelopePoints of them. Bursts shorter than an epoch
//               drop out, and the epochs stay put as the window slides.
//   slope       Theil-Sen over every point: the median of the slopes between
//               all pairs. Robust to ~29% of arbitrary outliers. This is
//               bytes_per_second, memwatch's usage_trend.
//   base        the Theil-Sen line (intercept = median of y - slope * t);
//               estimated_base is its value at the newest point.
//   growth      the line's rise over the window (slope * span).
//   confidence  Mann-Kendall trend test on the envelope: S = sum over pairs
//               of sign(y[j] - y[i]), its variance with the tie correction,
//               z = (S - 1) / sd, confidence = Phi(z) = 1 - the one-sided
//               p-value for "rising". 0.5: no evidence either way; 0.99: a
//               rise this consistent comes by chance in 1% of flat series.
//   noise       1.4826 * the median absolute deviation of the envelope from
//               its own line (the sd, for Gaussian noise).
//   rising      a point is "rising" if it lies above the median of all the
//               points before it in the window; rising_steps counts them of
//               samples - 1 ("11 of 12 full GCs rising").
// A window is a leak when all of these hold, growth being the smaller of the
// line's and the envelope's (bursts at one end can tilt the one, not both):
//   - at least min_samples points spanning at least min_span_ms (on a long
//     horizon at least 2 * window_ms and 1/32 of its length: ForHorizon);
//   - confidence >= the sensitivity's threshold;
//   - growth >= min_growth_bytes and >= min_relative_growth * the base at
//     the start of the window (the same bytes on every horizon, so the
//     least rate that can be a leak falls with the length);
//   - growth >= kNoiseMultiple * noise: it climbs out of the noise;
//   - persistence: the newer half (by time) rises at least kPersistFraction
//     as fast as the older half, and by more than the noise on its own, so
//     growth that slows down (a warm-up, a cache filling up) stops counting;
//   - the warm-up gate: a window that begins before the warm-up's end
//     (gate_ms) needs kConfirmations points after it, spanning min_span_ms
//     / 4, that rise on their own at least kPersistFraction as fast as the
//     points before it. Warm-up samples are evidence; start-up growth that
//     plateaus is not a leak;
//   - the floor rose: the lowest point of the newest quarter is above the
//     lowest point of the older half; bursts keep returning to the floor;
//   - not one jump: no rise between two envelope points is more than
//     kStepFraction of the growth (a burst that has not ended yet).
// The whole window, its newer half, its newest quarter, its newest two
// spans and (while the whole window is not a leak, and with twice its
// length of history) its newest 1.25 spans are tried; a newer part stands
// alone only if the median of its newest quarter is above every point
// before it (a new high, which a sawtooth's or an oscillation's rising
// edge never makes) and it rose kSpreadMultiple times the spread of the
// points before it (an edge that tops the earlier peaks because a leak
// lifts them only spans its swing, and would be reported at the edge's
// rate). It is reported
// instead of a longer detected part when it rises kChangeRatio times
// faster: the leak began inside the window. A first event needs the
// verdict on kConfirmations new points in a row spanning min_span_ms / 8,
// and a new high over the longer horizons (LeakDetector::NewHigh): the
// newest quarter above the third highest of their points before the
// analysed part and of the peaks that left their windows (TopExpired), so
// a daily cycle's morning is compared with yesterday's noon.
//
// A window whose points swing with a period is also read less its cycle
// (seasonal.h).
//
// What it cannot do. It sees totals, not objects: it says that memory grows,
// not what grows (snapshots and heap diffs do that). Growth that goes on
// past warmup_ms and then plateaus (a slow cache fill, a long warm-up)
// looks like a leak while it lasts (LeakDetector's urgency makes a reading
// wait a share of the time to limit, by when a fill has usually stopped). A
// leak slower than max(min_growth_bytes, min_relative_growth * base) per
// longest horizon is below the floors by design, and one within a few noise
// widths per horizon is too. A sawtooth whose teeth are longer than a horizon
// looks like growth on it. A new high needs history: a process started at the
// trough of a daily cycle can see its first morning reported by the day
// horizon. A swing that does not repeat (two periods that beat, a
// period that drifts) is not taken out and stays noise, and one far from a
// sine (a square wave) is only partly taken out by two harmonics: a leak
// under it takes the plain readings' minutes. Mann-Kendall assumes
// independent noise; live-set samples are autocorrelated, which the
// envelope, the floors and the confirmations compensate for rather than
// model.
#ifndef LEAKGUARD_CORE_MONITOR_DETECTOR_WINDOW_READING_H_
#define LEAKGUARD_CORE_MONITOR_DETECTOR_WINDOW_READING_H_

#include <cstddef>
#include <cstdint>
#include <memory>

#include "core/monitor/detector/detector_options.h"
#include "core/monitor/detector/trend_window.h"

namespace leakguard {

// The detector's reading of one kind's window.
struct TrendVerdict {
  // Why the window is or is not a leak: the first check that failed.
  enum class Reason : uint8_t {
    kLeak,              // Every check passed.
    kTooFewSamples,     // Fewer than min_samples points.
    kSpanTooShort,      // The points span less than min_span_ms.
    kNotSignificant,    // Confidence below the threshold.
    kGrowthTooSmall,    // Growth below min_growth_bytes.
    kRelativeTooSmall,  // Growth below min_relative_growth * base.
    kBelowNoise,        // Growth below kNoiseMultiple * the noise.
    kNotPersistent,     // The newer half no longer rises.
    kFloorNotRaised,    // The newest quarter dips as low as the older half.
    kNoNewHigh,         // (newer part only) not above what came before.
    kWarmingUp,         // The rise has not outlasted the warm-up.
    kOneStep,           // Most of the growth is one jump (a burst).
  };

  bool detected = false;  // The window is a leak.
  bool growing = false;   // Relaxed test that keeps an episode going.
  Reason reason = Reason::kTooFewSamples;
  double start_ms = 0;  // First and last point analysed.
  double end_ms = 0;
  uint32_t samples = 0;         // Points analysed.
  uint32_t rising_steps = 0;    // Of samples - 1; see the top comment.
  double bytes_per_second = 0;  // Theil-Sen slope.
  double growth_bytes = 0;      // Line rise over [start_ms, end_ms].
  double base_bytes = 0;        // Line value at start_ms.
  double estimated_base = 0;    // Line value at end_ms.
  double confidence = 0;        // Mann-Kendall, in [0, 1].
  double noise_bytes = 0;       // Robust sd of the envelope about its line.
};

const char* TrendReasonName(TrendVerdict::Reason reason);

struct ReadingScratch;

class WindowReader {
 public:
  // Newer-half slope / older-half slope below which growth has stopped.
  static constexpr double kPersistFraction = 0.5;
  // The trend is computed on at most this many envelope points: bursts and
  // in-flight work lasting a few samples fall out of the minima, and the
  // points left are closer to the independence Mann-Kendall assumes.
  static constexpr size_t kEnvelopePoints = 16;
  // A detected newer half describes the leak instead of the whole window
  // when it rises this many times faster.
  static constexpr double kChangeRatio = 1.5;
  // Growth must be this many times the noise (robust sd of the envelope
  // around the line): a chance trend in noisy data stays within a couple of
  // noise widths, a leak keeps climbing out of it.
  static constexpr double kNoiseMultiple = 3;
  // New points in a row on which the window must be a leak (spanning at
  // least min_span_ms / 8) before the first event: one lucky sample is not
  // enough, and a rise that is flattening cannot keep looking like a leak.
  static constexpr uint32_t kConfirmations = 3;
  // A window whose largest rise between two envelope points is more than
  // this fraction of its growth is one jump (a burst), not a trend.
  static constexpr double kStepFraction = 0.7;
  // A newest sample this many noise widths above the line makes a kind
  // suspect (probes come faster); lower than kNoiseMultiple, because it
  // only asks for evidence.
  static constexpr double kSuspectNoiseMultiple = 2;
  // Confidence that keeps an episode going once it has started.
  static constexpr double kContinueConfidence = 0.8;
  // The newest part tried on its own spans this many min_span_ms (a leak
  // that began on a warm process shows there first), and is tried only
  // while the whole window is not a leak and once the window holds
  // kNewestHistory times its length before it.
  static constexpr double kNewestSpans = 1.25;
  static constexpr double kNewestHistory = 2;
  // A newer part stands alone only if it rose this many times the spread
  // of the points before it (10th to 90th percentile about their own
  // line, so a steady rise is not spread): a leak that began on a flat
  // heap clears the noise, an oscillation's rising edge only spans its own
  // swing (and would be reported at the edge's rate).
  static constexpr double kSpreadMultiple = 2;

  WindowReader();
  ~WindowReader();
  WindowReader(WindowReader&&) noexcept;
  WindowReader& operator=(WindowReader&&) noexcept;

  // Reads `window` against `options`' thresholds. A window that begins
  // before gate_ms (the end of the warm-up) is a leak only if the points
  // after gate_ms keep rising on their own, at least kPersistFraction as
  // fast as those before, over kConfirmations points spanning
  // min_span_ms / 4.
  TrendVerdict Read(const TrendWindow& window,
                    const DetectorOptions& options,
                    double gate_ms = 0);

  // Bytes of the scratch this reader holds.
  size_t MemoryBytes() const;

 private:
  const TrendWindow::Point& At(size_t i) const { return w_->at(i); }
  // Fills s->env_t/env_y with the lower envelope of points [begin,
  // count_): the minimum of each epoch (a power-of-two run of buckets, at
  // most kEnvelopePoints epochs). Returns the number of envelope points.
  size_t BuildEnvelope(size_t begin, ReadingScratch* s);
  uint32_t RisingSteps(size_t begin, ReadingScratch* s);
  // Point i's bytes as Check reads them: less the seasonal profile while
  // s->seasonal is set.
  double Bytes(size_t i, const ReadingScratch* s) const;
  // The 10th to the 90th percentile of points [begin, end) about their
  // own line.
  double Spread(size_t begin, size_t end, ReadingScratch* s);
  TrendVerdict Check(const DetectorOptions& options,
                     size_t begin,
                     double gate_ms,
                     ReadingScratch* s);

  std::unique_ptr<ReadingScratch> s_;
  // The window being read, during Read().
  const TrendWindow* w_ = nullptr;
  size_t count_ = 0;
};

}  // namespace leakguard

#endif  // LEAKGUARD_CORE_MONITOR_DETECTOR_WINDOW_READING_H_
