// The detector: samples of each kind in, 'leak' events out. It keeps a
// TrendWindow per kind on each horizon, reads them (WindowReader) when
// they change, and turns the verdicts into episodes and events. Pure C++,
// no V8; the monitor thread owns one LeakDetector per isolate and is the
// only thread that touches it.
//
// The pieces, one header each in this folder: detector_options.h (kinds,
// sensitivities, thresholds), trend_window.h (a horizon's bounded window),
// window_reading.h (a window's verdict), seasonal.h (the window less its
// cycle), native_memory.h (the rss kind), probe_schedule.h (when to ask
// for a live-set sample), time_to_limit.h (how long the process has at a
// rate), leak_reason.h (the event and its sentence), detector_stats.h (what
// heapStats() reads).
//
// Episodes and events. LeakDetector turns verdicts into events: the first
// when the shortest horizon finds a confirmed leak; then, while that
// horizon keeps growing (a relaxed test: confidence >= kContinueConfidence,
// persistence, growth >= min_growth_bytes), a repeat at most once per
// min_leak_interval_ms carrying the growth since the episode began; the
// episode ends when the kind stops growing, with an event of its own
// (LeakEvent::ended(): 'leakEnd') that says how far it grew, over how long,
// and for how long it has been flat. Leak events of one kind are never
// closer than min_leak_interval_ms, across episodes too. Every event says
// how long the process has at the rate it reports (time_to_limit.h). When an
// rss leak may start is native_memory.h's to say.
#ifndef LEAKGUARD_CORE_MONITOR_DETECTOR_LEAK_DETECTOR_H_
#define LEAKGUARD_CORE_MONITOR_DETECTOR_LEAK_DETECTOR_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/base/status.h"
#include "core/monitor/detector/detector_options.h"
#include "core/monitor/detector/detector_stats.h"
#include "core/monitor/detector/leak_reason.h"
#include "core/monitor/detector/native_memory.h"
#include "core/monitor/detector/probe_schedule.h"
#include "core/monitor/detector/time_to_limit.h"
#include "core/monitor/detector/trend_window.h"
#include "core/monitor/detector/window_reading.h"
#include "core/monitor/robust_trend.h"

namespace leakguard {

// The monitor thread's single entry point: feed it samples, Poll() it for
// events, ask ShouldProbe() whether to request a live-set sample. Owns all
// per-kind state; not thread-safe (one thread, the monitor, uses it). Times
// are milliseconds on one monotonic clock; warm-up counts from the first
// call of any method.
class LeakDetector {
 public:
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
  // `heap_limit` is V8's heap_size_limit (0: unknown).
  void AddGcRecord(double time_ms,
                   uint64_t heap_used,
                   uint64_t heap_total,
                   uint64_t external,
                   bool full_gc,
                   uint64_t heap_limit = 0);

  // The memory the process may still allocate and the limit that decides
  // it (core/capture/memory_budget.h's MemoryHeadroom): the room external
  // and rss growth has, and heap growth too when it is tighter than the
  // heap limit. The monitor thread reads it every few seconds.
  void SetMemoryRoom(double available, double limit, LimitSource source);
  const MemoryRoom& memory_room() const { return room_; }
  // `kind` at the short window's rate while it leaks (an episode, or a
  // verdict that finds a leak and waits for its confirmations); infinity
  // otherwise, so that noise on a healthy series never projects a limit.
  TimeToLimit Urgency(SampleKind kind) const;

  // Re-evaluates kinds with new points and returns the events to post, in
  // kind order.
  std::vector<LeakEvent> Poll(double now_ms);

  // True when the monitor thread should request a live-set probe now. A true
  // answer counts as a request: the caller is expected to act on it; the
  // probe's full GC then arrives through AddGcRecord like any other.
  bool ShouldProbe(double now_ms);

  // The pause a probe cost (ProbeSchedule::NotePause).
  void NoteProbePause(double pause_ms) { probes_.NotePause(pause_ms); }

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
    // An end to report at the next Poll (RestartRss, Configure).
    LeakEvent::End pending_end = LeakEvent::End::kNone;
    uint32_t sequence = 0;
    size_t horizon = 0;  // The horizon that started it and keeps it going.
    double start_ms = 0;
    double start_base = 0;
    double last_event_ms = -1;     // Poll time of the last event; -1: none.
    double last_event_end_ms = 0;  // Its newest sample.
    double last_event_level = 0;   // Its line's value there.
  };
  // One horizon: a window of each kind and its reading.
  struct Horizon {
    explicit Horizon(const DetectorOptions& o)
        : options(o),
          rss_options(o),
          windows{TrendWindow(o), TrendWindow(o), TrendWindow(o)},
          raw_rss(o) {
      rss_options.seasonal = false;
    }
    DetectorOptions options;  // ForHorizon(i) of the detector's.
    // The same without the seasonal reading, for rss: RSS less the heap's
    // committed size swings with the heap's own sizing, and a reading that
    // takes the swing out would judge that sizing's drift.
    DetectorOptions rss_options;
    TrendWindow windows[kSampleKindCount];
    // RSS itself, the same samples as the rss kind's before the subtraction.
    TrendWindow raw_rss;
    TrendVerdict verdicts[kSampleKindCount];
    bool dirty[kSampleKindCount] = {false, false, false};
    // Consecutive evaluations on new points that found a leak, the newest
    // point of the first and of the last of them.
    uint32_t streak[kSampleKindCount] = {0, 0, 0};
    double streak_start_ms[kSampleKindCount] = {0, 0, 0};
    double streak_end_ms[kSampleKindCount] = {0, 0, 0};
    // Urgency's evidence: where the growth the window keeps finding began
    // (the first detected reading's start), and the new points in a row
    // since then on which it neither found a leak nor kept growing; after
    // WindowReader::kConfirmations of those the growth is over.
    bool evidence_open[kSampleKindCount] = {false, false, false};
    double evidence_origin_ms[kSampleKindCount] = {0, 0, 0};
    uint32_t evidence_misses[kSampleKindCount] = {0, 0, 0};
    double evidence_end_ms[kSampleKindCount] = {0, 0, 0};
  };
  static constexpr size_t kMaxHorizonTotal = 1 + DetectorOptions::kMaxHorizons;

  static size_t Index(SampleKind kind) { return static_cast<size_t>(kind); }
  void Touch(double now_ms);
  void BuildHorizons();
  double GateMs() const { return origin_ms_ + options_.warmup_ms; }
  double RssGateMs() const {
    return origin_ms_ + NativeMemory::kRssWarmupMultiple * options_.warmup_ms;
  }
  // Horizon `horizon`'s verdict reaches above the earlier peaks the
  // longer horizons saw (an oscillation or a daily cycle returns to its old
  // highs; a leak passes them).
  bool NewHigh(size_t horizon, SampleKind kind, const TrendVerdict& v) const;
  // Whether `kind` shows signs of growth worth probing for quickly.
  bool Suspect(SampleKind kind) const;
  // Whether horizon h's verdict of `kind` may start an episode now.
  bool MayStart(size_t h, SampleKind kind);
  // Urgency: how long horizon h must have seen `kind` grow before its
  // first event, given the verdict's rate and the room left. A share
  // (evidence_share) of the time to limit, at most max_evidence_ms: a leak
  // that exhausts memory within minutes is reported on evidence alone,
  // growth that would take hours waits until it has gone on for minutes
  // (a cache that fills flattens by then). 0 when no limit is known or the
  // sensitivity has no urgency ('high').
  double RequiredEvidenceMs(size_t h,
                            SampleKind kind,
                            const TrendVerdict& v) const;
  // Whether the points of `w` since from_ms still rise at least
  // WindowReader::kPersistFraction as fast as reading `v` (Theil-Sen over at
  // most 32 of them), or with fewer than 4 points, whether none of them
  // fell behind v's line by more than half its rise over that span.
  static constexpr size_t kRecentPoints = 32;
  bool StillRising(const TrendWindow& w, double from_ms, const TrendVerdict& v);
  // Where the growth that reading `v` of kind k found began: its first
  // point, or earlier points of the shortest long horizon on its line
  // (whose slope may be kOriginSlopeError off).
  static constexpr double kOriginSlopeError = 0.05;
  double GrowthOrigin(size_t k, const TrendVerdict& v) const;
  // Updates horizon h's evidence of `kind` after a reading on new points.
  void TrackEvidence(Horizon& h, size_t k);
  void Step(SampleKind kind, double now_ms, std::vector<LeakEvent>* out);
  // The event that closes episode `kind` (whose horizon is still there).
  LeakEvent EndEvent(SampleKind kind, LeakEvent::End cause, double now_ms);

  DetectorOptions options_;
  double origin_ms_ = 0;
  bool started_ = false;
  std::vector<Horizon> horizons_;  // horizon_total() of them, 0 the window.
  WindowReader reader_;            // One scratch for every window.
  Episode episodes_[kSampleKindCount];
  uint64_t received_[kSampleKindCount] = {0, 0, 0};
  uint64_t ignored_[kSampleKindCount] = {0, 0, 0};
  double last_bytes_[kSampleKindCount] = {0, 0, 0};  // Newest raw sample.
  NativeMemory native_;
  ProbeSchedule probes_;
  MemoryRoom room_;
  RobustScratch recent_scratch_{kRecentPoints};  // StillRising's fit.
  uint64_t events_emitted_ = 0;
  uint64_t episodes_started_ = 0;
  uint64_t episodes_ended_ = 0;
  uint64_t rss_restarts_ = 0;
};

}  // namespace leakguard

#endif  // LEAKGUARD_CORE_MONITOR_DETECTOR_LEAK_DETECTOR_H_
