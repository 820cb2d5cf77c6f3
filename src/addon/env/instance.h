// Instance: everything leakguard keeps for one Node environment (the main
// thread or one worker), stored as the environment's N-API instance data.
//
// There are no mutable statics: two workers that load leakguard get two
// Instances, each with its own GC callbacks, ring, monitor thread and
// outbound queue. All methods run on the environment's own thread.
//
// Teardown has three doors and one implementation, Dispose(): stop() from
// JS stops monitoring (StopMonitoring), the environment's async cleanup
// hook disposes before the isolate goes away and closes our main-loop
// handle, and the instance-data finalizer deletes what is left. Order
// matters: the GC callbacks go first (they poke the monitor thread's
// handle), then the monitor thread is joined (it pokes our main-loop
// handle), then that handle is closed. With LEAKGUARD_TRACE_TEARDOWN=1
// each step is traced (teardown_trace.h), and a test asserts the order.
#ifndef LEAKGUARD_ADDON_INSTANCE_H_
#define LEAKGUARD_ADDON_INSTANCE_H_

#include <napi.h>
#include <uv.h>
#include <v8.h>

#include <memory>
#include <vector>

#include "addon/monitor/gc_hooks.h"
#include "addon/monitor/monitor_thread.h"
#include "addon/snapshot/snapshot_controller.h"
#include "core/monitor/event_queue.h"

namespace leakguard {

class ClosingHandles;

struct StartConfig {
  MonitorConfig monitor;
  size_t ring_capacity = option_defaults::ring_capacity;
  size_t max_queued_events = option_defaults::max_queued_events;
};

class Instance {
 public:
  Instance(napi_env env, v8::Isolate* isolate);
  ~Instance();
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;

  static Instance* Get(Napi::Env env) {
    return env.GetInstanceData<Instance>();
  }

  // Starts (or restarts with new settings) monitoring; `on_events` receives
  // each batch as an array of event objects. Returns the libuv call that
  // failed, if one did.
  UvResult StartMonitoring(const StartConfig& config, Napi::Function on_events);
  void StopMonitoring();
  void Configure(const StartConfig& config);
  void SetGcEvents(bool enabled);
  // Someone listens for 'stats': wake the monitor after each full GC
  // instead of leaving the record to its next tick.
  void SetStatsWake(bool enabled);
  // Teardown; `closer` (may be null) counts the handles it closes, so the
  // cleanup hook is removed only after their close callbacks.
  void Dispose(ClosingHandles* closer = nullptr);

  bool monitoring() const { return monitoring_; }
  v8::Isolate* isolate() const { return isolate_; }
  MonitorThread* monitor() const { return monitor_.get(); }
  GcHooks* hooks() const { return hooks_.get(); }
  uint64_t dropped_events() const { return outbox_.dropped(); }
  size_t ring_capacity() const { return ring_capacity_; }
  // The snapshot machinery, created on first use (null once disposed).
  SnapshotController* snapshots();
  // Whether V8's sampling heap profiler runs because leakguard started it
  // (allocation_profile.cc). Dispose() stops it: a worker's isolate
  // disposed with the sampler still running corrupts the heap (seen on
  // Node 24: "double free or corruption", "unaligned tcache chunk").
  void set_allocation_sampling(bool ours) { allocation_sampling_ = ours; }

 private:
  static void OnCleanup(napi_async_cleanup_hook_handle handle, void* arg);
  // Closes main_async_ if open, through `closer`.
  void CloseMainAsync(ClosingHandles* closer);
  static void WakeMain(void* arg);
  static void Probe(void* arg);
  static void OnMainAsync(uv_async_t* handle);
  void DeliverEvents();

  napi_env env_;
  v8::Isolate* isolate_;
  long tid_;  // the environment's JS thread, for the teardown trace
  std::unique_ptr<GcHooks> hooks_;
  std::unique_ptr<MonitorThread> monitor_;
  // Outlives every monitor thread, which calls into it; disposed after the
  // last one is joined.
  std::unique_ptr<SnapshotController> snapshots_;
  EventQueue<OutEvent> outbox_{option_defaults::max_queued_events};
  size_t ring_capacity_ = 0;
  uv_async_t* main_async_ = nullptr;  // owned; freed by its close callback
  napi_async_cleanup_hook_handle cleanup_handle_ = nullptr;
  Napi::FunctionReference on_events_;
  std::unique_ptr<Napi::AsyncContext> async_context_;  // for MakeCallback
  std::vector<OutEvent> batch_;  // reused between deliveries
  bool monitoring_ = false;
  bool gc_events_ = false;
  bool stats_wake_ = false;
  bool disposed_ = false;
  bool allocation_sampling_ = false;
};

// Builds the JS object for one event (event_convert.cc).
Napi::Value EventToJs(Napi::Env env, const OutEvent& event);
// Fills heapStats() (event_convert.cc).
Napi::Value HeapStatsToJs(Napi::Env env, Instance* instance);
Napi::Value MetricsStateToJs(Napi::Env env,
                             Instance* instance,
                             bool gc,
                             bool spaces);
// Fills timeline(): each kind's live-set history (event_convert.cc).
Napi::Value TimelineToJs(Napi::Env env, Instance* instance);

}  // namespace leakguard

#endif  // LEAKGUARD_ADDON_INSTANCE_H_
