// MonitorThread: one background thread per environment, with its own uv
// loop, that turns GC records into counters, leak verdicts and events.
//
// Ownership and threading: the environment's Instance (module.cc) owns the
// MonitorThread, the GcHooks whose ring it drains, and the outbound
// EventQueue. Start/Stop/Configure/Stats run on the main JS thread; the
// loop, its timer and its wake-up run on the monitor thread. State shared
// between the two is either atomic (configuration, the gc-events flag) or
// behind mutex_ (the counters copied out by Stats(), new detector options).
// The thread never touches V8 itself: it reads plain records from the ring,
// reads RSS from the kernel, feeds both to the LeakDetector it owns, and
// hands events to the main thread through the EventQueue plus one
// uv_async_send per batch. When the detector wants a live-set sample it
// calls the owner's probe function, which must be safe on this thread (the
// Instance's asks V8 through Isolate::MemoryPressureNotification, which V8
// documents as callable from any thread).
//
// Lifetime, following Node's watchdog: Start creates the loop and its
// handles, then the thread with every signal blocked (signals belong to the
// main thread and to libuv's signal machinery); Stop sets stopping_, sends
// the wake-up, joins, and closes the loop. The owner removes the GC
// callbacks before Stop so no callback pokes a closed handle.
#ifndef LEAKGUARD_ADDON_MONITOR_THREAD_H_
#define LEAKGUARD_ADDON_MONITOR_THREAD_H_

#include <uv.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <vector>

#include "addon/napi/errors.h"
#include "core/monitor/detector/leak_detector.h"
#include "core/monitor/event_queue.h"
#include "core/monitor/gc_record.h"
#include "core/monitor/gc_stats.h"
#include "core/monitor/ring_buffer.h"
#include "core/monitor/timeline.h"

namespace leakguard {

class SnapshotController;

struct MonitorConfig {
  // RSS and external memory sampling
  uint64_t sample_interval_ms = option_defaults::sample_interval_ms;
  uint64_t drain_interval_ms = 100;  // how stale a 'gc' event can get
  DetectorOptions detector;          // validated by the caller
};

// What heapStats() reports of the detector.
struct DetectorReport {
  DetectorStats stats;
  Sensitivity sensitivity = Sensitivity::kMedium;
  // The horizons judged: windowMs, then the long ones.
  uint32_t horizon_total = 0;
  double horizons_ms[1 + DetectorOptions::kMaxHorizons] = {};
  void SetOptions(const DetectorOptions& o) {
    sensitivity = o.sensitivity;
    horizon_total = static_cast<uint32_t>(o.horizon_total());
    for (uint32_t i = 0; i < horizon_total; i++)
      horizons_ms[i] = o.ForHorizon(i).window_ms;
  }
  TrendVerdict::Reason reasons[kSampleKindCount] = {
      TrendVerdict::Reason::kTooFewSamples,
      TrendVerdict::Reason::kTooFewSamples,
      TrendVerdict::Reason::kTooFewSamples};
};

// One event for the main thread. Plain data; which fields mean something
// depends on kind.
struct OutEvent {
  // kWatch: the detector began or stopped watching a kind closely
  // (LeakDetector::Watching); lib/analysis/explain.js starts and stops the
  // allocation sampler on it, and no 'watch' reaches the user.
  enum class Kind : uint8_t { kGc, kStats, kLeak, kWatch };
  Kind kind = Kind::kGc;
  GcRecord gc{};  // kGc: the collection; kStats: the full GC behind it
  GcStatsSnapshot stats{};  // kStats
  LeakEvent leak{};         // kLeak (times in uv_hrtime milliseconds)
  SampleKind watch_kind = SampleKind::kHeap;  // kWatch
  bool watching = false;                      // kWatch
  uint64_t rss = 0;                           // latest RSS sample
  uint64_t dropped_records = 0;               // ring drops so far
};

class MonitorThread {
 public:
  using WakeFn = void (*)(void* arg);

  // `ring` and `outbox` must outlive the thread; `wake_main(arg)` is called
  // on the monitor thread when the outbox needs draining, `probe(arg)` when
  // the detector asks for a live-set sample (a full collection soon).
  MonitorThread(RingBuffer<GcRecord>* ring,
                EventQueue<OutEvent>* outbox,
                WakeFn wake_main,
                WakeFn probe,
                void* arg);
  ~MonitorThread();
  MonitorThread(const MonitorThread&) = delete;
  MonitorThread& operator=(const MonitorThread&) = delete;

  // Returns 0 or a negative libuv error code (nothing is left running).
  // Each start begins a new detector (warm-up again); GC counters carry on.
  UvResult Start(const MonitorConfig& config);
  // Idempotent; joins the thread.
  void Stop();
  bool running() const { return running_; }

  // Main thread. Detector options reach the thread at its next tick.
  void Configure(const MonitorConfig& config);
  void SetGcEvents(bool enabled) { gc_events_.store(enabled); }
  // Main thread. GC records and RSS samples are also handed to `c` (its
  // thresholds), and the thread watches c->watched_signal(); call again
  // after that changes. `c` must outlive the thread (see Instance).
  void SetSnapshotController(SnapshotController* c);
  // The handle GcHooks pokes after a full GC; valid while running().
  uv_async_t* wake_handle() { return &wake_; }

  // Copies of the monitor thread's counters (any thread). usage_trend and
  // estimated_base are the detector's (heap kind).
  GcStatsSnapshot Stats() const;
  // The per-collection pause log (GcDurationLog), for leakguard/otel: off
  // until the first call of EnableGcDurations. Any thread.
  void EnableGcDurations();
  uint64_t ReadGcDurations(uint64_t cursor,
                           size_t max,
                           std::vector<GcDurationLog::Entry>* out,
                           uint64_t* lost) const;
  DetectorReport Detector() const;
  // The live-set history of `kind` (leakguard.timeline()), oldest first,
  // appended to `out`; its bucket width in *bucket_ms and the buckets
  // dropped from its old end in *dropped. Any thread.
  void ReadTimeline(SampleKind kind,
                    std::vector<TimelinePoint>* out,
                    double* bucket_ms,
                    uint64_t* dropped) const;
  uint64_t rss() const { return rss_.load(std::memory_order_relaxed); }

 private:
  static void ThreadMain(void* arg);
  static void OnWake(uv_async_t* handle);
  static void OnTimer(uv_timer_t* handle);
  void Drain();
  void SampleRss();
  // Applies new detector options and runs the detector; its events wait in
  // leaks_ (and the changes of Watching() in watch_changes_) for PostLeaks,
  // which posts the watch changes first.
  void PollDetector(uint64_t now_ns);
  void PostLeaks();
  void Post(const OutEvent& event);
  // Starts, moves or stops signal_ to match the snapshot controller.
  void WatchSignal(bool stopping);
  static void OnSignal(uv_signal_t* handle, int signum);

  RingBuffer<GcRecord>* const ring_;
  EventQueue<OutEvent>* const outbox_;
  const WakeFn wake_main_;
  const WakeFn probe_;
  void* const arg_;

  uv_loop_t loop_;
  uv_async_t wake_;
  uv_timer_t timer_;
  // A uv_signal_t on this loop still gets the signal although the thread
  // blocks every signal: libuv's process-wide handler (on whichever thread
  // the kernel picks) writes to a pipe that each watching loop reads.
  uv_signal_t signal_;
  int watched_signal_ = 0;  // monitor thread only; 0 when none
  std::atomic<SnapshotController*> snapshots_{nullptr};
  uv_thread_t thread_;
  bool running_ = false;  // main thread only
  std::atomic<bool> stopping_{false};
  std::atomic<bool> gc_events_{false};
  std::atomic<uint64_t> sample_interval_ms_{1000};
  std::atomic<uint64_t> rss_{0};

  // Monitor thread only.
  uint64_t last_sample_ns_ = 0;
  // The memory room (LeakDetector::SetMemoryRoom) is read with the RSS
  // samples, at most every kRoomIntervalNs.
  static constexpr uint64_t kRoomIntervalNs = 5000000000ull;
  uint64_t room_read_ns_ = 0;
  void ReadMemoryRoom(uint64_t now_ns);
  uint64_t own_work_epoch_ = 0;  // ProcessRegistry::OwnWork at the last rss
  LeakDetector detector_;
  bool probe_outstanding_ = false;  // a probe asked, its full GC not yet seen
  std::vector<LeakEvent> leaks_;    // reused by PollDetector
  // Watching() of heap and external at the last poll, and its changes
  // waiting for PostLeaks (which every PollDetector is followed by, so at
  // most one per kind).
  bool watching_[2] = {false, false};
  std::vector<OutEvent> watch_changes_;

  mutable std::mutex mutex_;  // guards the members below
  GcStats stats_;
  // 'leak' events per kind since the thread was created (each start() has
  // a new detector; these go on): the monitor thread writes them.
  uint64_t leak_events_[kSampleKindCount] = {0, 0, 0};
  DetectorReport detector_report_;
  // Every live-set sample since the thread was created (across starts):
  // heap and external after each full GC, RSS at each sample.
  Timeline timeline_;
  DetectorOptions pending_options_;
  bool options_pending_ = false;
};

}  // namespace leakguard

#endif  // LEAKGUARD_ADDON_MONITOR_THREAD_H_
