#include "addon/snapshot/snapshot_controller.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "addon/env/closing_handles.h"
#include "addon/env/libstdcxx_compat.h"
#include "addon/env/process_registry.h"
#include "addon/env/threads.h"
#include "addon/napi/deliver.h"
#include "addon/snapshot/snapshot_binding.h"
#include "core/base/file_stat.h"

namespace leakguard {

namespace {

// Which threshold asked, for the file name and info.reason.
enum ThresholdKind : int {
  kNoThreshold = 0,
  kHeapUsedBytes = 1,
  kHeapUsedPercent = 2,
  kRssBytes = 3,
};

const char* ThresholdReason(int kind) {
  switch (kind) {
    case kHeapUsedBytes:
      return "heap-used";
    case kHeapUsedPercent:
      return "heap-percent";
    case kRssBytes:
      return "rss";
  }
  return "threshold";
}

}  // namespace

SnapshotController::SnapshotController(napi_env env, v8::Isolate* isolate)
    : env_(env), isolate_(isolate), slot_(new InterruptSlot()) {
  slot_->owner.store(this);
}

SnapshotController::~SnapshotController() {
  Dispose();
}

int SnapshotController::Init(Napi::Function on_results,
                             Napi::Function on_profile_requests) {
  if (disposed_)
    return UV_EINVAL;
  if (async_ == nullptr) {
    uv_loop_t* loop = nullptr;
    if (napi_get_uv_event_loop(env_, &loop) != napi_ok)
      return UV_EINVAL;
    uv_async_t* handle = new uv_async_t;
    const int err = uv_async_init(loop, handle, OnAsync);
    if (err != 0) {
      delete handle;
      return err;
    }
    handle->data = this;
    // Never keeps the process or a worker alive.
    uv_unref(reinterpret_cast<uv_handle_t*>(handle));
    async_ = handle;
    napi_value name;
    if (napi_create_string_utf8(
            env_, "leakguard:snapshot", NAPI_AUTO_LENGTH, &name) == napi_ok) {
      napi_async_init(env_, nullptr, name, &async_context_);
    }
  }
  for (napi_ref* ref : {&on_results_, &on_profile_requests_}) {
    if (*ref != nullptr) {
      napi_delete_reference(env_, *ref);
      *ref = nullptr;
    }
  }
  napi_create_reference(env_, on_results, 1, &on_results_);
  napi_create_reference(env_, on_profile_requests, 1, &on_profile_requests_);
  return 0;
}

void SnapshotController::Configure(const SnapshotConfig& config) {
  if (disposed_)
    return;
  {
    std::lock_guard<std::mutex> lock(config_mutex_);
    config_ = config;
    enabled_ = true;
    heap_bytes_trigger_.Configure(config.heap_used_bytes);
    heap_percent_trigger_.Configure(
        static_cast<uint64_t>(config.heap_used_percent * 100));
    rss_trigger_.Configure(config.rss_bytes);
  }
  gate_.set_cooldown_ns(config.cooldown_ms * 1000000ull);
  const int old = signal_.exchange(config.signal);
  if (old != config.signal) {
    if (old != 0)
      ProcessRegistry::RemoveSignalWatcher(old);
    if (config.signal != 0)
      ProcessRegistry::AddSignalWatcher(config.signal);
  }
  ArmGuard(config.signal);
  InstallNearHeapLimit(config.near_heap_limit);
  // Temporaries a killed process left (SIGKILL, the OOM killer mid-write).
  RemoveStaleTemporaries(
      config.base.dir, config.base.name_template, kStaleTemporaryAgeS, nullptr);
}

void SnapshotController::ArmGuard(int signum) {
  if (signum == guard_signal_ || async_ == nullptr)
    return;
  if (guard_ == nullptr) {
    if (signum == 0)
      return;
    uv_signal_t* handle = new uv_signal_t;
    if (uv_signal_init(
            uv_handle_get_loop(reinterpret_cast<uv_handle_t*>(async_)),
            handle) != 0) {
      delete handle;
      return;
    }
    handle->data = this;
    uv_unref(reinterpret_cast<uv_handle_t*>(handle));
    guard_ = handle;
  }
  // uv_signal_start moves an active watcher to the new signal.
  if (signum == 0 || uv_signal_start(guard_, OnGuardSignal, signum) != 0) {
    uv_signal_stop(guard_);
    guard_signal_ = 0;
    return;
  }
  guard_signal_ = signum;
}

void SnapshotController::OnGuardSignal(uv_signal_t* handle, int signum) {
  static_cast<SnapshotController*>(handle->data)
      ->OnSignalFrom(SignalSide::kGuard);
}

bool SnapshotController::FirstOfPair(SignalSide side) {
  std::lock_guard<std::mutex> lock(pair_mutex_);
  const int mine = side == SignalSide::kMonitor ? 0 : 1;
  if (unmatched_[1 - mine] > 0) {
    unmatched_[1 - mine]--;
    return false;
  }
  unmatched_[mine]++;
  return true;
}

void SnapshotController::OnMonitorWatching() {
  std::lock_guard<std::mutex> lock(pair_mutex_);
  unmatched_[static_cast<int>(SignalSide::kGuard)] = 0;
}

void SnapshotController::Disable() {
  {
    std::lock_guard<std::mutex> lock(config_mutex_);
    enabled_ = false;
    heap_bytes_trigger_.Configure(0);
    heap_percent_trigger_.Configure(0);
    rss_trigger_.Configure(0);
  }
  const int old = signal_.exchange(0);
  if (old != 0)
    ProcessRegistry::RemoveSignalWatcher(old);
  ArmGuard(0);
  InstallNearHeapLimit(false);
}

SnapshotRequest SnapshotController::RequestFor(SnapshotTrigger trigger) {
  std::lock_guard<std::mutex> lock(config_mutex_);
  SnapshotRequest request = config_.base;
  request.trigger = trigger;
  request.id = 0;
  request.reason = SnapshotTriggerName(trigger);
  return request;
}

// ---------------------------------------------------------------------------
// Triggers (monitor thread, or JS for 'leak').

void SnapshotController::Request(SnapshotTrigger trigger) {
  if (disposed_ || async_ == nullptr)
    return;
  if (!Admit(trigger))
    return;
  OpenDoors(trigger);
}

void SnapshotController::OpenDoors(SnapshotTrigger trigger) {
  pending_.store(static_cast<int>(trigger));
  // Door 1: runs at the next stack guard check, even in `while (true)`.
  slot_->outstanding.fetch_add(1);
  isolate_->RequestInterrupt(OnInterrupt, slot_);
  // Door 2: runs when the loop is idle and no JS would hit a stack guard.
  uv_async_send(async_);
}

void SnapshotController::OnSignal() {
  OnSignalFrom(SignalSide::kMonitor);
}

void SnapshotController::OnSignalFrom(SignalSide side) {
  if (!FirstOfPair(side))
    return;  // the other watcher asked for this one
  signals_seen_.fetch_add(1);
  if (signal_.load() == 0)
    return;
  if (PostProfileRequest())
    return;
  RequestForSignal();
}

// A person (or `leakguard snapshot`) sent the signal and waits for a file:
// a refusal must not be silent. It reaches JS as a failed result that is
// no snapshot's (an 'error', which the preload logs with the time left).
void SnapshotController::RequestForSignal() {
  if (disposed_ || async_ == nullptr)
    return;
  SnapshotGate::Decision decision = SnapshotGate::Decision::kGo;
  uint64_t left_ns = 0;
  if (Admit(SnapshotTrigger::kSignal, &decision, &left_ns)) {
    OpenDoors(SnapshotTrigger::kSignal);
    return;
  }
  SnapshotResult r;
  r.request = RequestFor(SnapshotTrigger::kSignal);
  r.code = StatusCode::kUnsupported;
  uv_timeval64_t tv;
  if (uv_gettimeofday(&tv) == 0)
    r.unix_ms = tv.tv_sec * 1000 + tv.tv_usec / 1000;
  if (decision == SnapshotGate::Decision::kCoolingDown) {
    r.refused = "cooldown";
    r.retry_ms = (left_ns + 999999) / 1000000;
    r.message =
        "the snapshot signal was refused: the previous snapshot started less "
        "than "
        "cooldownMs ago; send it again in " +
        std::to_string((r.retry_ms + 999) / 1000) + " s";
  } else {
    r.refused = "busy";
    r.message =
        "the snapshot signal was refused: a snapshot is being taken now; its "
        "file "
        "will appear shortly";
  }
  PushResult(r);
  uv_async_send(async_);
}

// `leakguard profile <pid>` publishes its request file in the snapshot
// directory, then sends the snapshot signal: the signal then means "sample
// allocations" and no snapshot is taken (no pause, no cooldown spent).
//
// The file is read here, on the thread that saw the signal, through the
// checked directory's descriptor and never by path: O_NOFOLLOW |
// O_NONBLOCK, then fstat must show a regular file of this user's (or
// root's) of at most kMaxProfileRequestBytes; it is removed at once and
// its text goes to JS (lib/sampling/remote-profile.js), which never opens it.
// In a directory that others can write to (sticky, as /tmp) anyone could have
// left it, so a request there is refused with one error and the signal
// takes its snapshot (docs/security.md).
bool SnapshotController::PostProfileRequest() {
  ProfileRequest request;
  {
    std::lock_guard<std::mutex> lock(config_mutex_);
    if (!enabled_ || disposed_ || async_ == nullptr)
      return false;
    request.dir = config_.base.dir;
  }
  const std::string& dir = request.dir;
  DirectoryPolicy policy;
  policy.create = false;
  DirectoryInfo info;
  IoError io;
  int dfd = -1;
  if (!OpenCheckedDirectory(dir, policy, &dfd, &info, &io).ok())
    return false;  // the snapshot's own checks will say why
  struct stat st;
  if (FileStatAt(dfd, kProfileRequestName, &st, AT_SYMLINK_NOFOLLOW) != 0) {
    close(dfd);
    return false;
  }
  if (info.shared) {
    close(dfd);
    profile_refused_.fetch_add(1);
    if (shared_request_reported_.exchange(true))
      return false;
    request.code = StatusCode::kInvalidArgument;
    request.message =
        "leakguard: ignored a profile request in " + dir +
        ": other users can write to that directory, so anyone could have "
        "left it. Signals there take snapshots; for `leakguard profile`, "
        "use a directory only this user can write to (docs/security.md)";
    PushProfileRequest(std::move(request));
    uv_async_send(async_);
    return false;
  }
  profile_requests_.fetch_add(1);
  // One request in flight to JS: signals until it is delivered are
  // counted, and neither queued again nor taken as snapshots; the file
  // stays for the next signal.
  if (profile_posted_.exchange(true)) {
    close(dfd);
    return true;
  }
  const Status s = ReadGuardedFile(dfd,
                                   dir,
                                   kProfileRequestName,
                                   kThisUser,
                                   kMaxProfileRequestBytes,
                                   &request.text,
                                   nullptr,
                                   &io);
  // Taken, or not a request: gone either way, so the next signal takes a
  // snapshot again. Missing: another isolate took it (nothing to do).
  if (io.error != ENOENT)
    unlinkat(dfd, kProfileRequestName, 0);
  close(dfd);
  if (io.error == ENOENT) {
    profile_posted_.store(false);
    return true;
  }
  if (!s.ok()) {
    request.code = s.code();
    request.message = "leakguard: " + s.message() + "; not a profile request";
    request.io = io;
  }
  PushProfileRequest(std::move(request));
  uv_async_send(async_);
  return true;
}

void SnapshotController::OnGcRecord(const GcRecord& record) {
  std::lock_guard<std::mutex> lock(config_mutex_);
  if (!enabled_ || async_ == nullptr)
    return;
  const uint64_t used = record.used_after;
  const uint64_t basis_points =
      record.limit == 0 ? 0 : used * 10000 / record.limit;
  const bool bytes = heap_bytes_trigger_.Check(used);
  const bool percent = heap_percent_trigger_.Check(basis_points);
  if (!bytes && !percent)
    return;
  if (!Admit(SnapshotTrigger::kThreshold))
    return;  // still armed; asks again on a later GC
  if (bytes)
    heap_bytes_trigger_.Fired();
  if (percent)
    heap_percent_trigger_.Fired();
  threshold_kind_.store(bytes ? kHeapUsedBytes : kHeapUsedPercent);
  OpenDoors(SnapshotTrigger::kThreshold);
}

void SnapshotController::OnRss(uint64_t rss) {
  std::lock_guard<std::mutex> lock(config_mutex_);
  if (!enabled_ || async_ == nullptr || !rss_trigger_.Check(rss))
    return;
  if (!Admit(SnapshotTrigger::kThreshold))
    return;
  rss_trigger_.Fired();
  threshold_kind_.store(kRssBytes);
  OpenDoors(SnapshotTrigger::kThreshold);
}

void SnapshotController::RequestFromJs(SnapshotTrigger trigger) {
  Request(trigger);
}

// ---------------------------------------------------------------------------
// The two doors (isolate thread).

void SnapshotController::OnInterrupt(v8::Isolate* isolate, void* data) {
  InterruptSlot* slot = static_cast<InterruptSlot*>(data);
  SnapshotController* self = slot->owner.load();
  if (self != nullptr)
    self->RunPending();
  if (slot->outstanding.fetch_sub(1) == 1 && self == nullptr)
    delete slot;
}

void SnapshotController::OnAsync(uv_async_t* handle) {
  SnapshotController* self = static_cast<SnapshotController*>(handle->data);
  self->RunPending();
  self->Deliver();
}

void SnapshotController::RunPending() {
  if (disposed_ || in_capture_)
    return;
  const int trigger = pending_.exchange(0);
  if (trigger == 0)
    return;
  SnapshotRequest request = RequestFor(static_cast<SnapshotTrigger>(trigger));
  if (request.trigger == SnapshotTrigger::kThreshold)
    request.reason = ThresholdReason(threshold_kind_.exchange(kNoThreshold));
  Take(request, /*finish_inline=*/false, /*holds_gate=*/true);
}

void SnapshotController::WriteNow(const SnapshotRequest& request) {
  if (disposed_)
    return;
  if (in_capture_) {
    SnapshotResult busy;
    busy.request = request;
    busy.code = StatusCode::kUnsupported;
    busy.message = "a heap snapshot is already being taken on this thread";
    PushResult(busy);
    if (async_ != nullptr)
      uv_async_send(async_);
    return;
  }
  // A pending promise keeps the loop alive until its result is delivered.
  if (api_outstanding_++ == 0 && async_ != nullptr)
    uv_ref(reinterpret_cast<uv_handle_t*>(async_));
  Take(request, /*finish_inline=*/false, /*holds_gate=*/false);
}

void SnapshotController::CaptureForAnalysis(const SnapshotRequest& request,
                                            const SnapshotVisitor& visit,
                                            SnapshotJob* job) {
  if (disposed_ || in_capture_) {
    job->result.request = request;
    job->result.code = StatusCode::kUnsupported;
    job->result.message =
        disposed_ ? "the environment is shutting down"
                  : "a heap snapshot is already being taken on this thread";
    return;
  }
  in_capture_ = true;
  Capture(request, job, visit);
  in_capture_ = false;
}

void SnapshotController::Take(const SnapshotRequest& request,
                              bool finish_inline,
                              bool holds_gate) {
  std::unique_ptr<SnapshotJob> job = std::make_unique<SnapshotJob>();
  job->holds_gate = holds_gate;
  in_capture_ = true;
  Capture(request, job.get());
  in_capture_ = false;
  if (holds_gate)
    job->result.skipped = gate_.TakeSkipped();
  if (finish_inline || !job->result.ok()) {
    FinishSnapshot(job.get());
    if (job->holds_gate)
      gate_.Finish();
    PushResult(job->result);
    if (async_ != nullptr)
      uv_async_send(async_);
    return;
  }
  EnqueueFinish(std::move(job));
}

// Isolate thread: every capture goes through here, so the cost model
// learns this program's bytes and pause per node from each snapshot.
void SnapshotController::Capture(SnapshotRequest request,
                                 SnapshotJob* job,
                                 const SnapshotVisitor& visit) {
  request.heap_bytes_per_node = cost_.heap_bytes_per_node();
  CaptureSnapshot(isolate_, request, job, visit);
  const SnapshotResult& r = job->result;
  if (r.ok())
    cost_.Observe(r.heap_used, r.nodes, r.pause_ms);
}

// ---------------------------------------------------------------------------
// Finishing thread.

void SnapshotController::EnqueueFinish(std::unique_ptr<SnapshotJob> job) {
  std::unique_lock<std::mutex> lock(finish_mutex_);
  if (!finisher_running_) {
    // Same rule as the monitor thread: no signal handler ever runs here.
    const int err = CreateQuietThread(&finisher_, FinisherMain, this);
    if (err != 0) {
      // Without a thread, finish here: slower, never lost.
      lock.unlock();
      FinishSnapshot(job.get());
      if (job->holds_gate)
        gate_.Finish();
      PushResult(job->result);
      uv_async_send(async_);
      return;
    }
    finisher_running_ = true;
  }
  finish_queue_.push_back(std::move(job));
  finish_cv_.notify_one();
}

void SnapshotController::Flush() {
  std::unique_lock<std::mutex> lock(finish_mutex_);
  idle_cv_.wait(lock, [this] {
    return !finisher_running_ || (finish_queue_.empty() && finishing_ == 0);
  });
}

void SnapshotController::FinisherMain(void* arg) {
  SnapshotController* self = static_cast<SnapshotController*>(arg);
  NameThisThread("leakguard-snap");
  for (;;) {
    std::unique_ptr<SnapshotJob> job;
    {
      std::unique_lock<std::mutex> lock(self->finish_mutex_);
      self->finish_cv_.wait(lock, [self] {
        return self->finisher_stop_ || !self->finish_queue_.empty();
      });
      // Queued files are finished even when stopping: a file is either
      // complete or absent, never left as a .tmp.
      if (self->finish_queue_.empty())
        return;
      job = std::move(self->finish_queue_.front());
      self->finish_queue_.pop_front();
      self->finishing_++;
    }
    FinishSnapshot(job.get());
    if (job->holds_gate)
      self->gate_.Finish();
    self->PushResult(job->result);
    // async_ is closed only after this thread is joined.
    uv_async_send(self->async_);
    {
      std::lock_guard<std::mutex> lock(self->finish_mutex_);
      self->finishing_--;
    }
    self->idle_cv_.notify_all();
  }
}

void SnapshotController::PushResult(const SnapshotResult& result) {
  std::lock_guard<std::mutex> lock(results_mutex_);
  results_.push_back(result);
}

void SnapshotController::PushProfileRequest(ProfileRequest request) {
  std::lock_guard<std::mutex> lock(results_mutex_);
  profile_requests_in_.push_back(std::move(request));
}

// ---------------------------------------------------------------------------
// Delivery (isolate thread, from the main-loop wake-up).

void SnapshotController::Deliver() {
  delivering_.clear();
  delivering_requests_.clear();
  {
    std::lock_guard<std::mutex> lock(results_mutex_);
    results_.swap(delivering_);
    profile_requests_in_.swap(delivering_requests_);
  }
  // Taken off the queue: the next signal may post another request.
  if (!delivering_requests_.empty())
    profile_posted_.store(false);
  for (const SnapshotResult& r : delivering_) {
    if (r.ok())
      taken_++;
    else
      failed_++;
    Count(r);
    if (r.request.trigger == SnapshotTrigger::kApi && api_outstanding_ > 0 &&
        --api_outstanding_ == 0 && async_ != nullptr) {
      uv_unref(reinterpret_cast<uv_handle_t*>(async_));
    }
  }
  if (!delivering_.empty() && on_results_ != nullptr && !disposed_) {
    DeliverBatch(
        env_, on_results_, async_context_, delivering_.size(), [&](size_t i) {
          return SnapshotResultToJs(env_, delivering_[i]);
        });
  }
  delivering_.clear();
  // A profile request is not a snapshot: its own callback.
  if (!delivering_requests_.empty() && on_profile_requests_ != nullptr &&
      !disposed_) {
    DeliverBatch(env_,
                 on_profile_requests_,
                 async_context_,
                 delivering_requests_.size(),
                 [&](size_t i) {
                   return ProfileRequestToJs(env_, delivering_requests_[i]);
                 });
  }
  delivering_requests_.clear();
}

// ---------------------------------------------------------------------------

bool SnapshotController::Admit(SnapshotTrigger trigger,
                               SnapshotGate::Decision* decision,
                               uint64_t* cooldown_left_ns) {
  const SnapshotGate::Decision d =
      gate_.Request(uv_hrtime(), false, cooldown_left_ns);
  if (decision != nullptr)
    *decision = d;
  if (d == SnapshotGate::Decision::kGo)
    return true;
  const int slot = static_cast<int>(trigger);
  if (slot >= 0 && slot < kTriggerSlots)
    refused_[slot].fetch_add(1, std::memory_order_relaxed);
  return false;
}

void SnapshotController::Count(const SnapshotResult& r) {
  const int slot = static_cast<int>(r.request.trigger);
  if (slot < 0 || slot >= kTriggerSlots || r.refused != nullptr)
    return;  // a refusal: Admit counted it
  Outcomes& o = metrics_.outcomes[slot];
  if (r.ok()) {
    o.written++;
    const double pause_s = r.pause_ms / 1000;
    int b = 0;
    while (b < kPauseBounds && pause_s > kPauseBoundsS[b])
      b++;
    metrics_.pause_buckets[b]++;
    metrics_.pause_sum_s += pause_s;
    metrics_.pause_count++;
    if (r.request.to_file)
      metrics_.last_bytes = r.bytes;
  } else if (r.code == StatusCode::kNoHeadroom) {
    if (r.no_disk)
      o.disk++;
    else
      o.headroom++;
  } else {
    o.failed++;
  }
}

SnapshotController::Metrics SnapshotController::metrics() const {
  Metrics m = metrics_;
  for (int i = 0; i < kTriggerSlots; i++)
    m.outcomes[i].cooldown = refused_[i].load(std::memory_order_relaxed);
  return m;
}

SnapshotController::Stats SnapshotController::stats() const {
  Stats s;
  s.taken = taken_;
  s.failed = failed_;
  s.skipped = gate_.total_skipped();
  s.signals = signals_seen_.load();
  s.profile_requests = profile_requests_.load();
  s.profile_refused = profile_refused_.load();
  const int sig = signal_.load();
  s.signal_watchers = sig == 0 ? 0 : ProcessRegistry::SignalWatchers(sig);
  {
    std::lock_guard<std::mutex> lock(config_mutex_);
    s.enabled = enabled_;
  }
  s.near_heap_limit_armed = near_heap_limit_installed_;
  return s;
}

void SnapshotController::Dispose(ClosingHandles* closer) {
  if (disposed_)
    return;
  // 1. No V8 callback of ours may run after this (the monitor thread, which
  //    calls OnSignal/OnGcRecord/OnRss, was joined by the owner already).
  InstallNearHeapLimit(false);
  const int old = signal_.exchange(0);
  if (old != 0)
    ProcessRegistry::RemoveSignalWatcher(old);
  disposed_ = true;
  // 2. Finish every queued file, then join; the thread pokes async_.
  {
    std::lock_guard<std::mutex> lock(finish_mutex_);
    finisher_stop_ = true;
  }
  finish_cv_.notify_all();
  if (finisher_running_) {
    uv_thread_join(&finisher_);
    finisher_running_ = false;
  }
  // 3. An interrupt may still be queued in V8, which cannot cancel it: the
  //    slot outlives us and the callback frees it.
  if (slot_ != nullptr) {
    slot_->owner.store(nullptr);
    if (slot_->outstanding.load() == 0)
      delete slot_;
    slot_ = nullptr;
  }
  // 4. The main-loop handles; their close callbacks touch only the handle.
  if (guard_ != nullptr) {
    ClosingHandles::Close(
        closer, reinterpret_cast<uv_handle_t*>(guard_), [](uv_handle_t* h) {
          delete reinterpret_cast<uv_signal_t*>(h);
        });
    guard_ = nullptr;
    guard_signal_ = 0;
  }
  if (async_ != nullptr) {
    ClosingHandles::Close(
        closer, reinterpret_cast<uv_handle_t*>(async_), [](uv_handle_t* h) {
          delete reinterpret_cast<uv_async_t*>(h);
        });
    async_ = nullptr;
  }
  for (napi_ref* ref : {&on_results_, &on_profile_requests_}) {
    if (*ref != nullptr) {
      napi_delete_reference(env_, *ref);
      *ref = nullptr;
    }
  }
  if (async_context_ != nullptr) {
    napi_async_destroy(env_, async_context_);
    async_context_ = nullptr;
  }
}

}  // namespace leakguard
