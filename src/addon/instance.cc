#include "addon/instance.h"

namespace leakguard {

Instance::Instance(napi_env env, v8::Isolate* isolate)
    : env_(env), isolate_(isolate) {
  napi_add_env_cleanup_hook(env_, OnCleanup, this);
}

Instance::~Instance() {
  Dispose();
  // Removing the hook from the finalizer (never from inside the hook) keeps
  // it from running later with a dangling pointer.
  if (!cleanup_hook_ran_) napi_remove_env_cleanup_hook(env_, OnCleanup, this);
}

void Instance::OnCleanup(void* arg) {
  Instance* self = static_cast<Instance*>(arg);
  self->cleanup_hook_ran_ = true;
  self->Dispose();
}

void Instance::Dispose() {
  if (disposed_) return;
  disposed_ = true;
  StopMonitoring();
  hooks_.reset();
  monitor_.reset();
}

int Instance::StartMonitoring(const StartConfig& config,
                              Napi::Function on_events) {
  if (disposed_) return UV_EINVAL;
  if (monitoring_) StopMonitoring();

  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env_, &loop) != napi_ok) return UV_EINVAL;

  // The ring and the monitor live across stop()/start() so that counters
  // are cumulative; a new ring size means a new ring (and new monitor,
  // which points at it).
  if (!hooks_ || ring_capacity_ != config.ring_capacity) {
    monitor_.reset();
    hooks_ = std::make_unique<GcHooks>(isolate_, config.ring_capacity);
    ring_capacity_ = config.ring_capacity;
  }
  if (!monitor_) {
    monitor_ = std::make_unique<MonitorThread>(hooks_->ring(), &outbox_,
                                               WakeMain, this);
  }
  outbox_.set_capacity(config.max_queued_events);

  main_async_ = new uv_async_t;
  int err = uv_async_init(loop, main_async_, OnMainAsync);
  if (err != 0) {
    delete main_async_;
    main_async_ = nullptr;
    return err;
  }
  main_async_->data = this;
  // Our handle must never keep the process (or a worker) alive.
  uv_unref(reinterpret_cast<uv_handle_t*>(main_async_));

  monitor_->SetGcEvents(gc_events_);
  err = monitor_->Start(config.monitor);
  if (err != 0) {
    uv_close(reinterpret_cast<uv_handle_t*>(main_async_),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_async_t*>(h); });
    main_async_ = nullptr;
    return err;
  }
  hooks_->Install(monitor_->wake_handle());
  on_events_ = Napi::Persistent(on_events);
  async_context_ =
      std::make_unique<Napi::AsyncContext>(Napi::Env(env_), "leakguard");
  monitoring_ = true;
  return 0;
}

void Instance::StopMonitoring() {
  if (!monitoring_) return;
  monitoring_ = false;
  // 1. No GC callback may poke the monitor's handle after this.
  if (hooks_) hooks_->Remove();
  // 2. Join the thread; it no longer touches main_async_ afterwards.
  if (monitor_) monitor_->Stop();
  // 3. Close our main-loop handle; its close callback frees it.
  if (main_async_ != nullptr) {
    uv_close(reinterpret_cast<uv_handle_t*>(main_async_),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_async_t*>(h); });
    main_async_ = nullptr;
  }
  // Events not yet delivered belong to the stopped session.
  outbox_.Drain(&batch_);
  batch_.clear();
  on_events_.Reset();
  async_context_.reset();
}

void Instance::Configure(const StartConfig& config) {
  outbox_.set_capacity(config.max_queued_events);
  if (monitor_) monitor_->Configure(config.monitor);
}

void Instance::SetGcEvents(bool enabled) {
  gc_events_ = enabled;
  if (monitor_) monitor_->SetGcEvents(enabled);
}

void Instance::WakeMain(void* arg) {
  // Monitor thread. main_async_ is set before the thread starts and cleared
  // only after it is joined.
  Instance* self = static_cast<Instance*>(arg);
  uv_async_send(self->main_async_);
}

void Instance::OnMainAsync(uv_async_t* handle) {
  static_cast<Instance*>(handle->data)->DeliverEvents();
}

void Instance::DeliverEvents() {
  outbox_.Drain(&batch_);
  if (batch_.empty() || on_events_.IsEmpty()) return;
  Napi::Env env(env_);
  Napi::HandleScope scope(env);
  Napi::Array events = Napi::Array::New(env, batch_.size());
  for (size_t i = 0; i < batch_.size(); i++) {
    Napi::Value v = EventToJs(env, batch_[i]);
    if (env.IsExceptionPending()) break;
    if (events.Set(static_cast<uint32_t>(i), v).IsNothing()) break;
  }
  batch_.clear();
  if (!env.IsExceptionPending()) {
    on_events_.MakeCallback(env.Global(), {events}, *async_context_);
  }
  // A listener that threw gets Node's usual uncaught-exception handling, as
  // with any EventEmitter; it must not be swallowed here nor left pending.
  if (env.IsExceptionPending()) {
    Napi::Error error = env.GetAndClearPendingException();
    napi_fatal_exception(env_, error.Value());
  }
}

}  // namespace leakguard
