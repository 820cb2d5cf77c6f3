#include "addon/env/instance.h"

#include <v8-profiler.h>

#include "addon/env/closing_handles.h"
#include "addon/env/teardown_trace.h"
#include "addon/napi/deliver.h"

namespace leakguard {

Instance::Instance(napi_env env, v8::Isolate* isolate)
    : env_(env), isolate_(isolate), tid_(CurrentTid()) {
  // An async cleanup hook, not a plain one: closing our uv handle finishes
  // in a later loop turn, and Node must wait for it before it unloads the
  // addon (a worker dlcloses it), or the close callback runs unmapped code.
  if (napi_add_async_cleanup_hook(env_, OnCleanup, this, &cleanup_handle_) !=
      napi_ok) {
    cleanup_handle_ = nullptr;
  }
}

Instance::~Instance() {
  ClosingHandles* closer = ClosingHandles::Begin(nullptr, tid_);
  Dispose(closer);
  TraceTeardown(tid_, "finalized");
  // Only if the finalizer runs before the hook (it should not): take the
  // hook back so it cannot run with a dangling pointer, and let the handle
  // close on its own.
  if (cleanup_handle_ != nullptr) {
    napi_remove_async_cleanup_hook(cleanup_handle_);
    cleanup_handle_ = nullptr;
    CloseMainAsync(closer);
  }
  closer->Done();
}

void Instance::OnCleanup(napi_async_cleanup_hook_handle handle, void* arg) {
  Instance* self = static_cast<Instance*>(arg);
  self->cleanup_handle_ = nullptr;
  // Node waits until the hook is removed, after the close callback of
  // every handle of ours (the controller's too): they are code of the
  // addon it is about to unload.
  ClosingHandles* closer = ClosingHandles::Begin(handle, self->tid_);
  self->Dispose(closer);
  self->CloseMainAsync(closer);
  closer->Done();
}

void Instance::CloseMainAsync(ClosingHandles* closer) {
  if (main_async_ == nullptr)
    return;
  // The close callback must not touch the Instance, which the instance-data
  // finalizer may delete first: it only frees the handle.
  ClosingHandles::Close(
      closer, reinterpret_cast<uv_handle_t*>(main_async_), [](uv_handle_t* h) {
        delete reinterpret_cast<uv_async_t*>(h);
      });
  main_async_ = nullptr;
}

void Instance::Dispose(ClosingHandles* closer) {
  if (disposed_)
    return;
  disposed_ = true;
  if (allocation_sampling_) {
    // Before the isolate goes: V8 does not tear a running sampler down
    // safely with it.
    isolate_->GetHeapProfiler()->StopSamplingHeapProfiler();
    allocation_sampling_ = false;
  }
  StopMonitoring();
  hooks_.reset();
  monitor_.reset();
  // After the monitor thread is joined: it calls into the controller.
  if (snapshots_) {
    snapshots_->Dispose(closer);
    TraceTeardown(tid_, "snapshots disposed");
  }
}

SnapshotController* Instance::snapshots() {
  if (disposed_)
    return snapshots_.get();
  if (!snapshots_) {
    snapshots_ = std::make_unique<SnapshotController>(env_, isolate_);
    if (monitor_)
      monitor_->SetSnapshotController(snapshots_.get());
  }
  return snapshots_.get();
}

UvResult Instance::StartMonitoring(const StartConfig& config,
                                   Napi::Function on_events) {
  // Only while the environment is torn down, when nothing calls start().
  if (disposed_)
    return UvResult{UV_EINVAL, "start (environment disposed)"};
  if (monitoring_)
    StopMonitoring();

  // One main-loop handle for the Instance's whole life, closed only at
  // teardown; unref'd so it never keeps the process or a worker alive.
  if (main_async_ == nullptr) {
    uv_loop_t* loop = nullptr;
    if (napi_get_uv_event_loop(env_, &loop) != napi_ok)
      return UvResult{UV_EINVAL, "napi_get_uv_event_loop"};
    uv_async_t* handle = new uv_async_t;
    const int err = uv_async_init(loop, handle, OnMainAsync);
    if (err != 0) {
      delete handle;
      return UvResult{err, "uv_async_init"};
    }
    handle->data = this;
    uv_unref(reinterpret_cast<uv_handle_t*>(handle));
    main_async_ = handle;
  }

  // The ring and the monitor live across stop()/start() so that counters
  // are cumulative; a new ring size means a new ring (and new monitor,
  // which points at it).
  if (!hooks_ || ring_capacity_ != config.ring_capacity) {
    monitor_.reset();
    hooks_ = std::make_unique<GcHooks>(isolate_, config.ring_capacity);
    hooks_->SetReadUsedBefore(gc_events_);
    hooks_->SetWakeOnFullGc(stats_wake_);
    ring_capacity_ = config.ring_capacity;
  }
  if (!monitor_) {
    monitor_ = std::make_unique<MonitorThread>(
        hooks_->ring(), &outbox_, WakeMain, Probe, this);
  }
  outbox_.set_capacity(config.max_queued_events);

  monitor_->SetGcEvents(gc_events_);
  monitor_->SetSnapshotController(snapshots_.get());
  const UvResult started = monitor_->Start(config.monitor);
  if (!started.ok())
    return started;
  hooks_->Install(monitor_->wake_handle());
  on_events_ = Napi::Persistent(on_events);
  async_context_ =
      std::make_unique<Napi::AsyncContext>(Napi::Env(env_), "leakguard");
  monitoring_ = true;
  return UvResult();
}

void Instance::StopMonitoring() {
  if (!monitoring_)
    return;
  monitoring_ = false;
  // 1. No GC callback may poke the monitor's handle after this.
  if (hooks_)
    hooks_->Remove();
  TraceTeardown(tid_, "gc callbacks removed");
  // 2. Join the thread; it no longer pokes main_async_ afterwards.
  if (monitor_)
    monitor_->Stop();
  TraceTeardown(tid_, "monitor thread joined");
  // Events not yet delivered belong to the stopped session.
  outbox_.Drain(&batch_);
  batch_.clear();
  on_events_.Reset();
  async_context_.reset();
}

void Instance::Configure(const StartConfig& config) {
  outbox_.set_capacity(config.max_queued_events);
  if (monitor_)
    monitor_->Configure(config.monitor);
}

void Instance::SetGcEvents(bool enabled) {
  gc_events_ = enabled;
  if (hooks_)
    hooks_->SetReadUsedBefore(enabled);
  if (monitor_)
    monitor_->SetGcEvents(enabled);
}

void Instance::SetStatsWake(bool enabled) {
  stats_wake_ = enabled;
  if (hooks_)
    hooks_->SetWakeOnFullGc(enabled);
}

void Instance::WakeMain(void* arg) {
  // Monitor thread. main_async_ is set before the thread starts and closed
  // only after it is joined.
  Instance* self = static_cast<Instance*>(arg);
  uv_async_send(self->main_async_);
}

void Instance::Probe(void* arg) {
  // Monitor thread; the isolate outlives it (Dispose joins it first). A
  // moderate memory-pressure notification from another thread makes V8
  // start incremental marking at its next interrupt check or foreground
  // task, so the live set is sampled by a mostly concurrent mark-compact
  // rather than a full stop-the-world collection, and a busy loop does not
  // delay it. Its full GC then arrives in the ring like any other.
  Instance* self = static_cast<Instance*>(arg);
  self->isolate_->MemoryPressureNotification(
      v8::MemoryPressureLevel::kModerate);
}

void Instance::OnMainAsync(uv_async_t* handle) {
  static_cast<Instance*>(handle->data)->DeliverEvents();
}

void Instance::DeliverEvents() {
  outbox_.Drain(&batch_);
  if (batch_.empty() || on_events_.IsEmpty())
    return;
  Napi::Env env(env_);
  DeliverBatch(env_,
               on_events_,
               *async_context_,
               batch_.size(),
               [&](size_t i) -> napi_value {
                 Napi::Value v = EventToJs(env, batch_[i]);
                 return v.IsEmpty() ? nullptr : static_cast<napi_value>(v);
               });
  batch_.clear();
}

}  // namespace leakguard
