// Growth-trend detection: timestamped memory samples in, leak verdicts and
// 'leak' events out. Pure C++17, no V8; the monitor thread owns one
// LeakDetector per isolate and is the only thread that touches it.
//
// What is measured. Three kinds of series, each handled the same way:
//   heap      the live set: heap used right after a full (mark-compact)
//             collection, or after a probe collection the detector asked for;
//   external  external memory (ArrayBuffers, Buffers) after a collection;
//   rss       resident set size, sampled on a timer, minus the V8 heap's
//             committed size and external memory: native memory.
// Horizons. Each kind is judged on the window (window_ms, the short
// horizon) and on the long horizons (horizons_ms: 1 h and 24 h by default),
// each a TrendDetector of at most kMaxPoints points: its length is cut
// into kMaxPoints equal time buckets and a bucket keeps its lowest sample,
// so a longer horizon's points are the shorter one's downsampled. Floating
// garbage, in-flight requests and allocator slack only ever add to a
// sample, so the minimum is the least noisy value. Memory is fixed at
// construction; a poll costs O(kMaxPoints^2) per horizon and kind with new
// points.
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
// Swings. A live set that follows a cycle (sessions opened and closed with
// the traffic) goes up and down by more than a slow leak adds in minutes,
// and its envelope's minima with it. While no reading above is a leak, the
// short window of heap and external memory is read once more less its
// cycle (FindSeason): when its points repeat with a period (three cycles
// or more in the window, half a period apart they differ at least three
// times as much as a period apart), a line plus two harmonics of that
// period is fitted, and the window less the harmonics (after a leading
// run of points the fit left out: a start-up transient) goes through
// every rule above (the warm-up gate holding the points after the warm-up
// to the whole line's rate); the raw points' floor must have risen as
// well. The
// harmonics are periodic, so taking them out shapes the points but cannot
// tilt them: a swing without a leak stays flat. Not for rss (RSS less the
// committed heap swings with the heap's own sizing) nor the long horizons
// (a day's cycle is what their new-high rule is for).
//
// What it cannot do. It sees totals, not objects: it says that memory grows,
// not what grows (snapshots and heap diffs do that). Growth that goes on
// past warmup_ms and then plateaus (a slow cache fill, a long warm-up)
// looks like a leak while it lasts; raise warmupMs or lower the
// sensitivity for such services. A leak slower than
// max(min_growth_bytes, min_relative_growth * base) per longest horizon is
// below the floors by design, and one within a few noise widths per
// horizon is too. A sawtooth whose teeth are longer than a horizon looks
// like growth on it. A new high needs history: a process started at the
// trough of a daily cycle can see its first morning reported by the day
// horizon. A swing that does not repeat (two periods that beat, a
// period that drifts) is not taken out and stays noise, and one far from a
// sine (a square wave) is only partly taken out by two harmonics: a leak
// under it takes the plain readings' minutes. Mann-Kendall assumes
// independent noise; live-set samples are autocorrelated, which the
// envelope, the floors and the confirmations compensate for rather than
// model.
//
// Episodes and events. LeakDetector turns verdicts into events: the first
// when the shortest horizon finds a confirmed leak; then, while that
// horizon keeps growing (a relaxed test: confidence >= kContinueConfidence,
// persistence, growth >= min_growth_bytes), a repeat at most once per
// min_leak_interval_ms carrying the growth since the episode began; the
// episode ends when the kind stops growing. Events of one kind are never
// closer than min_leak_interval_ms, across episodes too. An rss leak is not
// reported while heap and external growth explain at least half of it (it
// would only repeat their events), nor before the heap has three points to
// compare with, nor unless RSS itself rose at least half as fast as the
// native estimate: pages that the heap or malloc gave up stay resident for
// a while, so the estimate rises when committed heap or external memory
// shrinks under a flat RSS.
//
// Probes. V8 runs few mark-compacts while a heap grows (measured: services
// leaking 0.5-2 MB/s saw 2-5 in 75 s), so the heap series alone is too sparse
// to judge within minutes. ShouldProbe() tells the monitor thread when to ask
// for a live-set sample (a full GC or a memory-pressure notification): when
// no heap sample arrived for probe_interval_ms, from the start; a quarter of
// that while heap or external memory is suspect (a rise that would clear the
// floors, or a newest sample well above the line); at most the shortest long
// horizon's bucket; never more than max_probe_overhead of wall time going by
// the mean pause of the last 8 probes; and, if the glue reports every
// collection (AddGcRecord), only once the heap has grown past the last
// live-set sample or RSS by min_growth_bytes / 4 (an idle process is never
// probed). A probe's GC record also carries external memory, which may not
// otherwise be sampled in a process that hardly collects.
#ifndef LEAKGUARD_CORE_TREND_DETECTOR_H_
#define LEAKGUARD_CORE_TREND_DETECTOR_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/base/status.h"
#include "core/monitor/monitor_options.h"
#include "core/monitor/robust_trend.h"

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
#define V(Enum, name, confidence, samples, relative, span) Enum,
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
  // kMaxPoints), warmupMs (no verdict on growth that began within warmup_ms
  // of the detector's first call unless it goes on past it: start-up growth
  // is not a leak), minLeakIntervalMs, probeIntervalMs (heap samples older
  // than this ask for a probe, a quarter of it while the heap is suspect;
  // 0 disables probes).
#define V(js, field, Type, kind, min, max, def, doc) Type field;
  LEAKGUARD_DETECTOR_OPTIONS(V)
#undef V
  // Probes may cost at most this fraction of wall time (pause / gap).
  double max_probe_overhead = 0.01;
  // Also judge the window less its seasonal profile when its points swing
  // with a period (TrendDetector::FindSeason). The short horizon only: a
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
  // options its TrendDetector is judged with: the same floors in bytes (so
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

// Scratch for TrendDetector::Evaluate, sized for kMaxPoints: one
// LeakDetector shares one between all its windows (~73 KB).
struct TrendScratch;

// One kind's bounded window of points and its analysis. Not thread-safe.
class TrendDetector {
 public:
  // Most points kept per kind; the Theil-Sen scratch is sized for it.
  static constexpr size_t kMaxPoints = 128;
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
  // The seasonal reading (FindSeason): lags are tried from
  // kSeasonMinBuckets buckets to half the window's span, and the period
  // must fit kSeasonMinCycles times into it; the window is periodic when
  // the points one period apart differ
  // (median absolute difference about the line) at most 1 / kSeasonContrast
  // as much as points half a period apart, with at least
  // kSeasonPointsPerCycle points per period. Its profile is
  // kSeasonHarmonics harmonics of the period.
  static constexpr double kSeasonMinBuckets = 4;
  static constexpr double kSeasonMinCycles = 3;
  static constexpr double kSeasonContrast = 3;
  static constexpr double kSeasonPointsPerCycle = 6;
  static constexpr size_t kSeasonHarmonics = 2;
  // The period found is refined within this fraction of it, in at most
  // kSeasonRefineSteps steps (and at least an eighth of a bucket).
  static constexpr double kSeasonRefine = 0.15;
  static constexpr double kSeasonRefineSteps = 48;

  explicit TrendDetector(const DetectorOptions& options);
  ~TrendDetector();
  TrendDetector(TrendDetector&&) noexcept;
  TrendDetector& operator=(TrendDetector&&) noexcept;

  // Drops every point and adopts the window of `options`.
  void Reset(const DetectorOptions& options);

  // Adds a sample. Returns false and ignores it when time_ms is earlier than
  // the newest point (the clock is monotonic; a stale sample is a glue bug).
  // changed() then says whether the points changed (a sample above its
  // bucket's minimum leaves them as they were).
  bool AddSample(double time_ms, uint64_t bytes);
  bool changed() const { return changed_; }

  // Drops points older than now_ms - window_ms.
  void Expire(double now_ms);

  // Analyses the window against `options`' thresholds. A window that
  // begins before gate_ms (the end of the warm-up) is a leak only if the
  // points after gate_ms keep rising on their own, at least
  // kPersistFraction as fast as those before, over kConfirmations points
  // spanning min_span_ms / 4. `scratch` may be null: the detector then
  // uses one of its own, allocated on first use.
  TrendVerdict Evaluate(const DetectorOptions& options,
                        double gate_ms = 0,
                        TrendScratch* scratch = nullptr);

  size_t size() const { return count_; }
  double window_ms() const { return window_ms_; }
  double newest_time() const;   // NaN when empty.
  double newest_bytes() const;  // 0 when empty.
  double min_bytes() const;
  double max_bytes() const;
  // The kKeep highest of a set of values: a peak level that one or two
  // outliers (a burst that filled a bucket) do not set.
  struct TopValues {
    static constexpr size_t kKeep = 3;
    double v[kKeep];
    TopValues();
    void Add(double x);
    // The kKeep-th highest; -infinity with fewer values.
    double Lowest() const { return v[kKeep - 1]; }
  };
  // Adds the points older than time_ms to `top`.
  void TopBefore(double time_ms, TopValues* top) const;
  // Lowest point at or after time_ms; +infinity when there is none.
  double MinFrom(double time_ms) const;
  // Adds the highest point of each window_ms / kPastSlots of the window_ms
  // before the oldest kept point (points that expired or were pushed out):
  // what the window saw before its start, yesterday's peak for a day.
  void TopExpired(TopValues* top) const;
  // Bytes of memory one TrendDetector holds, scratch excluded.
  static constexpr size_t kPointBytes = 24;
  // Slots of the expired-maximum memory, each window_ms / kPastSlots wide.
  static constexpr size_t kPastSlots = 16;

 private:
  struct Point {
    double time_ms;
    double bytes;
    int64_t bucket;
  };
  struct Past {
    int64_t slot;  // floor(time_ms / past_ms_); kNoSlot when empty.
    double bytes;  // Highest expired point of that slot.
  };
  static constexpr int64_t kNoSlot = INT64_MIN;
  const Point& At(size_t i) const { return points_[(head_ + i) % kMaxPoints]; }
  // Drops the oldest point, remembering its value in past_.
  void DropOldest();
  // Fills s->env_t/env_y with the lower envelope of points [begin,
  // count_): the minimum of each epoch (a power-of-two run of buckets, at
  // most kEnvelopePoints epochs). Returns the number of envelope points.
  size_t BuildEnvelope(size_t begin, TrendScratch* s);
  uint32_t RisingSteps(size_t begin, TrendScratch* s);
  // Point i's bytes as Check reads them: less the seasonal profile while
  // s->seasonal is set.
  double Bytes(size_t i, const TrendScratch* s) const;
  // Whether the window's points swing with a period (a session set that
  // follows the traffic, a batch cycle), given the plain reading of the
  // whole window (its line); if so fills s->season[i] with the profile's
  // value at each point, sets s->seasonal and returns true. A leak under a
  // swing is judged on the points less the profile.
  bool FindSeason(const TrendVerdict& whole, TrendScratch* s);
  // The 10th to the 90th percentile of points [begin, end) about their
  // own line.
  double Spread(size_t begin, size_t end, TrendScratch* s);
  TrendVerdict Check(const DetectorOptions& options,
                     size_t begin,
                     double gate_ms,
                     TrendScratch* s);

  double bucket_ms_;
  double window_ms_;
  Point points_[kMaxPoints];
  double past_ms_;
  Past past_[kPastSlots];
  size_t head_ = 0;
  size_t count_ = 0;
  bool changed_ = false;
  TrendScratch* own_scratch_ = nullptr;  // Only when Evaluate got none.
};

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

struct KindStats {
  uint64_t samples_received = 0;  // Every AddSample of this kind.
  uint64_t samples_ignored = 0;   // Of those, during warm-up or out of order.
  uint32_t samples_held = 0;      // Points in the window now.
  double current_bytes = 0;       // Newest sample (memwatch's current_base; raw
                             // RSS for rss, whose other fields are native).
  double min_bytes = 0;  // Lowest and highest point in the window.
  double max_bytes = 0;
  double estimated_base = 0;  // memwatch's estimated_base.
  double usage_trend = 0;     // memwatch's usage_trend, bytes/second.
  double confidence = 0;
  bool in_episode = false;
  // 'leak' events of this kind since the process started, across
  // detectors: LeakDetector leaves it 0 and the monitor thread, which
  // outlives each start()'s detector, fills it in (metrics count on it).
  uint64_t events = 0;
};

struct DetectorStats {
  KindStats kinds[kSampleKindCount];
  uint64_t probes_requested = 0;
  uint64_t events_emitted = 0;
  uint64_t episodes = 0;
  uint64_t rss_restarts = 0;
};

// The monitor thread's single entry point: feed it samples, Poll() it for
// events, ask ShouldProbe() whether to request a live-set sample. Owns all
// per-kind state; not thread-safe (one thread, the monitor, uses it). Times
// are milliseconds on one monotonic clock; warm-up counts from the first
// call of any method.
class LeakDetector {
 public:
  // An rss leak needs RSS itself to rise at least this fraction as fast as
  // the native estimate (with confidence kContinueConfidence).
  static constexpr double kRssRiseFraction = 0.5;
  // RSS warms up longer than the live set: V8 and the allocator keep
  // committing and returning pages for the first minute or so (a healthy
  // service whose batches come and go every 5 s read as "rss grew 11 MB
  // over 26 s" in a CI run on Node 22). The rss gate is this many times
  // warmup_ms after the start.
  static constexpr double kRssWarmupMultiple = 3;

  // `options` must pass ValidateDetectorOptions(); the glue checks first.
  explicit LeakDetector(const DetectorOptions& options);
  ~LeakDetector();
  LeakDetector(LeakDetector&&) noexcept;
  LeakDetector& operator=(LeakDetector&&) noexcept;

  // Validates and adopts new options. A horizon whose length stayed keeps
  // its points (bucket widths still match); episodes are kept unless their
  // horizon is gone.
  Status Configure(const DetectorOptions& options);
  const DetectorOptions& options() const { return options_; }

  // One sample. For kRss pass the resident set size itself: the series
  // analysed is RSS minus the committed heap and external memory of the
  // latest AddGcRecord (native memory).
  void AddSample(SampleKind kind, double time_ms, uint64_t bytes);

  // Drops the rss series (both the estimate and raw RSS) and ends an rss
  // episode: RSS moved for a reason of our own (leakguard captured or
  // analysed a snapshot), so the points before no longer compare with the
  // points after.
  void RestartRss();
  // An rss sample left out (taken during that work): counted, not analysed.
  void SkipRssSample();

  // Everything one GC record tells the detector, for every collection
  // (scavenges included): heap used, committed and external memory after
  // it. Adds an external sample, and a heap (live-set) sample when
  // `full_gc` (a mark-compact). Heap used after other collections tells
  // ShouldProbe whether the heap can have grown; committed heap and
  // external memory are subtracted from later rss samples.
  void AddGcRecord(double time_ms,
                   uint64_t heap_used,
                   uint64_t heap_total,
                   uint64_t external,
                   bool full_gc);

  // Re-evaluates kinds with new points and returns the events to post, in
  // kind order.
  std::vector<LeakEvent> Poll(double now_ms);

  // True when the monitor thread should request a live-set probe now. A true
  // answer counts as a request: the caller is expected to act on it; the
  // probe's full GC then arrives through AddGcRecord like any other.
  bool ShouldProbe(double now_ms);

  // The pause a probe cost. Probes keep within max_probe_overhead going by
  // the mean pause of the last kProbePauses of them: one slow collection
  // (a loaded machine descheduling the GC) does not stop probes for a
  // hundred times its pause, and a heap that got expensive to collect
  // spaces them out within a few probes.
  void NoteProbePause(double pause_ms);

  // Whether `kind` is worth watching closely: it shows signs of growth
  // (the same test that halves the probe interval), or an episode of it is
  // active. The glue turns its edges into 'watch' notices, which start the
  // allocation sampler before the first event (lib/analysis/explain.js) and
  // stop it when the episode is over.
  bool Watching(SampleKind kind) const {
    return episodes_[Index(kind)].active || Suspect(kind);
  }

  // The short window's verdict (what stats and probes go by).
  const TrendVerdict& verdict(SampleKind kind) const {
    return horizons_[0].verdicts[Index(kind)];
  }
  // Horizon i's (0: the short window); empty for one that is not set.
  const TrendVerdict& verdict(SampleKind kind, size_t horizon) const;
  DetectorStats Stats() const;
  // Bytes this detector holds for its points, the shared scratch included.
  size_t MemoryBytes() const;

 private:
  struct Episode {
    bool active = false;
    uint32_t sequence = 0;
    size_t horizon = 0;  // The horizon that started it and keeps it going.
    double start_ms = 0;
    double start_base = 0;
    double last_event_ms = -1;     // Poll time of the last event; -1: none.
    double last_event_end_ms = 0;  // Its newest sample.
  };
  // One horizon: a window of each kind and its reading.
  struct Horizon {
    explicit Horizon(const DetectorOptions& o)
        : options(o),
          rss_options(o),
          trends{TrendDetector(o), TrendDetector(o), TrendDetector(o)},
          raw_rss(o) {
      rss_options.seasonal = false;
    }
    DetectorOptions options;  // ForHorizon(i) of the detector's.
    // The same without the seasonal reading, for rss: RSS less the heap's
    // committed size swings with the heap's own sizing, and a reading that
    // takes the swing out would judge that sizing's drift.
    DetectorOptions rss_options;
    TrendDetector trends[kSampleKindCount];
    // RSS itself, the same samples as the rss kind's before the subtraction.
    TrendDetector raw_rss;
    TrendVerdict verdicts[kSampleKindCount];
    bool dirty[kSampleKindCount] = {false, false, false};
    // Consecutive evaluations on new points that found a leak, the newest
    // point of the first and of the last of them.
    uint32_t streak[kSampleKindCount] = {0, 0, 0};
    double streak_start_ms[kSampleKindCount] = {0, 0, 0};
    double streak_end_ms[kSampleKindCount] = {0, 0, 0};
  };
  static constexpr size_t kMaxHorizonTotal = 1 + DetectorOptions::kMaxHorizons;

  static size_t Index(SampleKind kind) { return static_cast<size_t>(kind); }
  void Touch(double now_ms);
  void BuildHorizons();
  double GateMs() const { return origin_ms_ + options_.warmup_ms; }
  double RssGateMs() const {
    return origin_ms_ + kRssWarmupMultiple * options_.warmup_ms;
  }
  bool RssExplained(const Horizon& h, const TrendVerdict& rss) const;
  // Whether RSS itself rose with the native estimate's verdict `rss`.
  bool RssRose(Horizon& h, const TrendVerdict& rss);
  // Horizon `horizon`'s verdict reaches above the earlier peaks the
  // longer horizons saw (an oscillation or a daily cycle returns to its old
  // highs; a leak passes them).
  bool NewHigh(size_t horizon, SampleKind kind, const TrendVerdict& v) const;
  // Whether `kind` shows signs of growth worth probing for quickly.
  bool Suspect(SampleKind kind) const;
  // Whether horizon h's verdict of `kind` may start an episode now.
  bool MayStart(size_t h, SampleKind kind);
  void Step(SampleKind kind, double now_ms, std::vector<LeakEvent>* out);

  DetectorOptions options_;
  double origin_ms_ = 0;
  bool started_ = false;
  std::vector<Horizon> horizons_;  // horizon_total() of them, 0 the window.
  std::unique_ptr<TrendScratch> scratch_;
  Episode episodes_[kSampleKindCount];
  uint64_t received_[kSampleKindCount] = {0, 0, 0};
  uint64_t ignored_[kSampleKindCount] = {0, 0, 0};
  double last_bytes_[kSampleKindCount] = {0, 0, 0};  // Newest raw sample.
  double last_heap_sample_ms_ = 0;  // Raw heap samples, warm-up included.
  double last_heap_bytes_ = 0;
  double rss_at_heap_sample_ = 0;  // Newest rss when it arrived.
  bool have_heap_sample_ = false;
  bool heap_used_reported_ = false;  // AddGcRecord was ever called.
  uint64_t v8_bytes_ = 0;  // Committed heap + external, latest GC record.
  double heap_used_since_sample_ = 0;  // Max heap used after the last sample.
  double last_probe_ms_ = 0;
  bool probed_ = false;
  // The pauses of the last kProbePauses probes (a ring), for the budget.
  static constexpr size_t kProbePauses = 8;
  double probe_pauses_[kProbePauses] = {};
  size_t probe_pause_count_ = 0;  // Pauses noted, ever.
  uint64_t probes_requested_ = 0;
  uint64_t events_emitted_ = 0;
  uint64_t episodes_started_ = 0;
  uint64_t rss_restarts_ = 0;
};

}  // namespace leakguard

#endif  // LEAKGUARD_CORE_TREND_DETECTOR_H_
