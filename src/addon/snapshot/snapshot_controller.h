// SnapshotController: one environment's snapshot machinery. It decides when
// an automatic snapshot may start (signal, thresholds, leak verdicts, near
// the heap limit), gets it taken on the isolate's thread, finishes the
// file off that thread, and hands results to JS.
//
// Ownership: the environment's Instance owns it, creates it on first use
// and disposes it after the monitor thread is joined.
//
// Threads:
// - The isolate's thread: Configure, WriteNow, the interrupt callback, the
//   main-loop wake-up (OnAsync), the near-heap-limit callback, Dispose.
// - The monitor thread: OnSignal, OnGcRecord, OnRss. They only decide and
//   ask: SnapshotGate (mutex) admits one request per cooldown, pending_
//   (atomic) holds it, and two doors open on the isolate's thread:
//   Isolate::RequestInterrupt, which runs even while JS spins in a busy
//   loop, and uv_async_send on our main-loop handle, which runs while the
//   loop is idle. Whichever runs first exchanges pending_ to zero and takes
//   the snapshot; the other finds nothing to do.
// - The finishing thread: fsync, publish and retention of each file, so
//   that the isolate is paused only for the capture and the serialisation.
//   It is created on first use and joined by Dispose after it has
//   finished every queued file.
//
// Results travel back in results_ (mutex) and are delivered to JS by the
// main-loop wake-up through one callback per batch (DeliverBatch, shared
// with Instance's events); `leakguard profile` requests the same way, in
// profile_requests_, to a callback of their own.
//
// Files: snapshot_controller.cc (configuration, triggers, the two doors,
// the finishing thread, delivery), near_heap_limit.cc (the near-heap-limit
// snapshot), snapshot_binding.cc (the JS functions and conversions).
//
// Lock order. The only nesting is config_mutex_ -> gate_'s mutex: the
// threshold triggers (OnGcRecord, OnRss) check and fire their crossing and
// ask the gate under config_mutex_, so that a crossing is fired only if
// the gate admitted it. The gate's mutex is a leaf (SnapshotGate's methods
// call nothing while holding it). So are pair_mutex_, finish_mutex_,
// results_mutex_, ProcessRegistry's mutex and MonitorThread::mutex_:
// each is taken alone, and no code calls into V8 (beyond RequestInterrupt
// and uv_async_send, which take only their own internal locks) or into
// JavaScript while holding any of them. Taking config_mutex_ while holding
// the gate's mutex, or any lock while holding a leaf, would be a deadlock
// in waiting; keep new code to this order.
#ifndef LEAKGUARD_ADDON_SNAPSHOT_CONTROLLER_H_
#define LEAKGUARD_ADDON_SNAPSHOT_CONTROLLER_H_

#include <napi.h>
#include <uv.h>
#include <v8.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "addon/snapshot/snapshot.h"
#include "core/capture/memory_budget.h"
#include "core/capture/snapshot_gate.h"
#include "core/monitor/gc_record.h"

namespace leakguard {

class ClosingHandles;

// enableSnapshots() after validation in lib/options.js.
struct SnapshotConfig {
  SnapshotRequest base;  // dir, template, disk, retention, headroom
  int signal = 0;        // 0: no signal
  uint64_t cooldown_ms = 0;
  uint64_t heap_used_bytes = 0;  // 0: off
  double heap_used_percent = 0;  // of the heap limit; 0: off
  uint64_t rss_bytes = 0;        // 0: off
  bool near_heap_limit = false;
};

class SnapshotController {
 public:
  SnapshotController(napi_env env, v8::Isolate* isolate);
  ~SnapshotController();
  SnapshotController(const SnapshotController&) = delete;
  SnapshotController& operator=(const SnapshotController&) = delete;

  // Isolate thread. Creates the main-loop handle and keeps `on_results`,
  // which receives arrays of result objects, and `on_profile_requests`,
  // which receives arrays of profile requests. Returns 0 or a libuv error.
  int Init(Napi::Function on_results, Napi::Function on_profile_requests);
  // Isolate thread. Applies a configuration (enabled = true) or turns the
  // automatic triggers off.
  void Configure(const SnapshotConfig& config);
  void Disable();
  // Isolate thread: takes a snapshot now (the writeSnapshot() API); the
  // result is delivered like the others.
  void WriteNow(const SnapshotRequest& request);
  // Isolate thread: a trigger from JS (a 'leak' verdict).
  void RequestFromJs(SnapshotTrigger trigger);
  // Isolate thread: a snapshot for HeapDiff or findLeaks, taken now under
  // the guard every capture shares (no snapshot inside a snapshot, e.g.
  // from the near-heap-limit callback), with the same memory budget.
  // `visit` copies what it needs before V8's snapshot is released. A file,
  // when the request asks for one, is written but not yet published:
  // FinishSnapshot (any thread) does that. Nothing is delivered to JS; the
  // caller reports the job's result.
  void CaptureForAnalysis(const SnapshotRequest& request,
                          const SnapshotVisitor& visit,
                          SnapshotJob* job);
  // Closes the main-loop handles through `closer` (may be null), so the
  // environment's cleanup waits for their close callbacks.
  void Dispose(ClosingHandles* closer = nullptr);
  // Isolate thread: waits until the finishing thread has published (or
  // removed) every file queued so far. The process is exiting (the main
  // thread's process.exit() runs no environment cleanup), so no .tmp is
  // left behind.
  void Flush();

  // Monitor thread: its watcher caught the signal.
  void OnSignal();
  // Monitor thread: its watcher now catches the signal (see guard_).
  void OnMonitorWatching();
  void OnGcRecord(const GcRecord& record);
  void OnRss(uint64_t rss);
  // The signal the monitor thread should watch (0: none); any thread.
  int watched_signal() const { return signal_.load(); }

  // Counters for snapshotStats(); isolate thread.
  struct Stats {
    uint64_t taken = 0;
    uint64_t failed = 0;
    uint64_t skipped = 0;
    uint64_t signals = 0;
    uint64_t profile_requests = 0;  // signals that found a profile request
    uint64_t profile_refused = 0;   // ... in a directory others can write
    int signal_watchers = 0;
    bool enabled = false;
    bool near_heap_limit_armed = false;
  };
  Stats stats() const;

  // What became of the snapshots each trigger asked for, for metrics
  // (leakguard/prometheus, leakguard/otel): written, refused for memory
  // headroom, refused for disk, refused by the cooldown (or coalesced with
  // one in progress), failed otherwise. Index: the SnapshotTrigger value.
  static constexpr int kTriggerSlots = 8;
  struct Outcomes {
    uint64_t written = 0;
    uint64_t headroom = 0;
    uint64_t disk = 0;
    uint64_t cooldown = 0;
    uint64_t failed = 0;
  };
  // Upper bounds (seconds) of the pause histogram's buckets.
  static constexpr int kPauseBounds = 9;
  static constexpr double kPauseBoundsS[kPauseBounds] = {
      0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
  struct Metrics {
    Outcomes outcomes[kTriggerSlots];
    // Pauses of written snapshots (isolate thread: checks, capture and
    // serialisation), per bucket (not cumulative; the last is +Inf).
    uint64_t pause_buckets[kPauseBounds + 1] = {};
    double pause_sum_s = 0;
    uint64_t pause_count = 0;
    uint64_t last_bytes = 0;  // size of the newest file written
  };
  Metrics metrics() const;  // isolate thread
  // What a capture costs here (isolate thread).
  const CaptureCostModel& cost() const { return cost_; }

 private:
  // The interrupt's data: V8 has no way to cancel an interrupt, so it must
  // never point at a freed controller. Dispose clears `owner`; the last
  // callback to run (or Dispose, if none is outstanding) frees the slot.
  struct InterruptSlot {
    std::atomic<SnapshotController*> owner{nullptr};
    std::atomic<int> outstanding{0};
  };

  void Request(SnapshotTrigger trigger);  // any thread
  // The snapshot signal's request: as Request, and a refusal is said to JS
  // (SnapshotResult::refused). The signal watcher's thread.
  void RequestForSignal();
  // The two doors to the isolate thread for a request the gate admitted:
  // RequestInterrupt and uv_async_send; any thread.
  void OpenDoors(SnapshotTrigger trigger);
  static void OnInterrupt(v8::Isolate* isolate, void* data);
  static void OnAsync(uv_async_t* handle);
  // The main-loop signal guard (see guard_).
  void ArmGuard(int signum);  // isolate thread
  static void OnGuardSignal(uv_signal_t* handle, int signum);
  static size_t OnNearHeapLimit(void* data,
                                size_t current_heap_limit,
                                size_t initial_heap_limit);
  void RunPending();  // isolate thread
  void Take(const SnapshotRequest& request,
            bool finish_inline,
            bool holds_gate);
  void EnqueueFinish(std::unique_ptr<SnapshotJob> job);
  static void FinisherMain(void* arg);
  void PushResult(const SnapshotResult& result);
  void PushProfileRequest(ProfileRequest request);
  void Deliver();  // isolate thread, from the main-loop wake-up
  void InstallNearHeapLimit(bool on);
  SnapshotRequest RequestFor(SnapshotTrigger trigger);

  napi_env env_;
  v8::Isolate* isolate_;
  uv_async_t* async_ = nullptr;  // owned; freed by its close callback
  // A watcher of the snapshot signal on the main loop, unref'd, started
  // synchronously by Configure. The monitor thread's own watcher is what
  // takes a snapshot while JS spins (its loop is not blocked), but it is
  // started asynchronously on that thread and closed by stop(); libuv
  // restores a signal's default action when its last watcher closes, so
  // without this one a SIGUSR2 that came right after enableSnapshots(), or
  // after stop(), killed the process. Owned; freed by its close callback,
  // like async_.
  //
  // libuv hands one signal to every watcher armed when it arrives, and the
  // guard is armed whenever the monitor's is, so the monitor sees a subset
  // of what the guard sees, each in its own time. A delivery seen by both
  // must ask once: whichever callback comes first asks and counts itself
  // unmatched; the second finds the other's count and takes one off
  // (FirstOfPair). Deliveries that only the guard saw (no monitor watcher
  // then) are forgotten when the monitor's watcher starts, so they cannot
  // pair with later ones.
  enum class SignalSide { kMonitor, kGuard };
  bool FirstOfPair(SignalSide side);  // any thread
  void OnSignalFrom(SignalSide side);
  // Any thread: posts `leakguard profile`'s request file to JS when the
  // directory holds one; false when it does not (then the signal asks for
  // a snapshot).
  bool PostProfileRequest();
  uv_signal_t* guard_ = nullptr;
  int guard_signal_ = 0;  // isolate thread
  std::mutex pair_mutex_;
  uint64_t unmatched_[2] = {0, 0};  // by SignalSide, under pair_mutex_
  napi_ref on_results_ = nullptr;
  napi_ref on_profile_requests_ = nullptr;
  napi_async_context async_context_ = nullptr;
  InterruptSlot* slot_ = nullptr;
  bool disposed_ = false;
  bool in_capture_ = false;  // isolate thread: no nested snapshots
  bool near_heap_limit_installed_ = false;

  SnapshotGate gate_;
  std::atomic<int> pending_{0};         // a SnapshotTrigger, 0 when none
  std::atomic<int> threshold_kind_{0};  // which threshold asked
  std::atomic<int> signal_{0};
  std::atomic<uint64_t> signals_seen_{0};
  std::atomic<uint64_t> profile_requests_{0};
  std::atomic<bool> profile_posted_{false};  // until Deliver hands it to JS
  // Requests refused because the directory is shared, and whether that
  // was reported (once per controller: the file may not be ours to remove).
  std::atomic<uint64_t> profile_refused_{0};
  std::atomic<bool> shared_request_reported_{false};

  // Configuration and the threshold state; the monitor thread reads and
  // updates the triggers under config_mutex_.
  mutable std::mutex config_mutex_;
  SnapshotConfig config_;
  bool enabled_ = false;
  CrossingTrigger heap_bytes_trigger_;
  CrossingTrigger heap_percent_trigger_;  // in basis points of the limit
  CrossingTrigger rss_trigger_;

  // Finishing thread.
  std::mutex finish_mutex_;
  std::condition_variable finish_cv_;
  std::condition_variable idle_cv_;  // Flush: the queue ran dry
  int finishing_ = 0;                // jobs being finished, under finish_mutex_
  std::deque<std::unique_ptr<SnapshotJob>> finish_queue_;
  uv_thread_t finisher_;
  bool finisher_running_ = false;
  bool finisher_stop_ = false;

  std::mutex results_mutex_;
  std::vector<SnapshotResult> results_;
  std::vector<SnapshotResult> delivering_;           // isolate thread
  std::vector<ProfileRequest> profile_requests_in_;  // under results_mutex_
  std::vector<ProfileRequest> delivering_requests_;  // isolate thread

  uint64_t taken_ = 0;            // isolate thread
  uint64_t api_outstanding_ = 0;  // isolate thread: promises waiting
  CaptureCostModel cost_;         // isolate thread: from the last snapshot
  void Capture(SnapshotRequest request,
               SnapshotJob* job,
               const SnapshotVisitor& visit = nullptr);
  uint64_t failed_ = 0;
  // Isolate thread (Deliver), except the cooldown refusals: the gate
  // refuses on any thread.
  Metrics metrics_;
  std::atomic<uint64_t> refused_[kTriggerSlots] = {};
  // gate_.Request, counting a refusal against `trigger`; the decision and
  // the cooldown left, when asked for.
  bool Admit(SnapshotTrigger trigger,
             SnapshotGate::Decision* decision = nullptr,
             uint64_t* cooldown_left_ns = nullptr);
  void Count(const SnapshotResult& result);  // isolate thread
};

}  // namespace leakguard

#endif  // LEAKGUARD_ADDON_SNAPSHOT_CONTROLLER_H_
