#include "addon/monitor_thread.h"

#include <pthread.h>
#include <signal.h>

#include "addon/snapshot_controller.h"

namespace leakguard {

MonitorThread::MonitorThread(RingBuffer<GcRecord>* ring,
                             EventQueue<OutEvent>* outbox,
                             WakeFn wake_main,
                             void* wake_arg)
    : ring_(ring),
      outbox_(outbox),
      wake_main_(wake_main),
      wake_arg_(wake_arg) {}

MonitorThread::~MonitorThread() {
  Stop();
}

int MonitorThread::Start(const MonitorConfig& config) {
  if (running_)
    return 0;
  int err = uv_loop_init(&loop_);
  if (err != 0)
    return err;
  err = uv_async_init(&loop_, &wake_, OnWake);
  if (err != 0) {
    uv_loop_close(&loop_);
    return err;
  }
  wake_.data = this;
  uv_timer_init(&loop_, &timer_);
  timer_.data = this;
  sample_interval_ms_.store(config.sample_interval_ms);
  uv_timer_start(
      &timer_, OnTimer, config.drain_interval_ms, config.drain_interval_ms);
  stopping_.store(false);
  last_sample_ns_ = 0;
  watched_signal_ = 0;
  signal_closing_ = false;

  // Block every signal while creating the thread so it inherits a full
  // mask: a process signal must never run a handler on our thread.
  sigset_t all, saved;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &saved);
  err = uv_thread_create(&thread_, ThreadMain, this);
  pthread_sigmask(SIG_SETMASK, &saved, nullptr);
  if (err != 0) {
    uv_close(reinterpret_cast<uv_handle_t*>(&wake_), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&timer_), nullptr);
    uv_run(&loop_, UV_RUN_DEFAULT);
    uv_loop_close(&loop_);
    return err;
  }
  running_ = true;
  return 0;
}

void MonitorThread::Stop() {
  if (!running_)
    return;
  stopping_.store(true);
  uv_async_send(&wake_);
  uv_thread_join(&thread_);
  // The thread closed its handles and ran the loop dry before returning.
  uv_loop_close(&loop_);
  running_ = false;
}

void MonitorThread::Configure(const MonitorConfig& config) {
  sample_interval_ms_.store(config.sample_interval_ms);
}

GcStatsSnapshot MonitorThread::Stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_.snapshot();
}

void MonitorThread::ThreadMain(void* arg) {
  MonitorThread* self = static_cast<MonitorThread*>(arg);
#if defined(__linux__)
  pthread_setname_np(pthread_self(), "leakguard");
#endif
  self->SampleRss();
  self->WatchSignal(false);
  uv_run(&self->loop_, UV_RUN_DEFAULT);
}

void MonitorThread::OnWake(uv_async_t* handle) {
  MonitorThread* self = static_cast<MonitorThread*>(handle->data);
  // uv_async_send coalesces: one callback may stand for many sends, so
  // drain everything.
  self->Drain();
  self->WatchSignal(self->stopping_.load());
  if (self->stopping_.load()) {
    uv_close(reinterpret_cast<uv_handle_t*>(&self->wake_), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&self->timer_), nullptr);
  }
}

void MonitorThread::OnTimer(uv_timer_t* handle) {
  MonitorThread* self = static_cast<MonitorThread*>(handle->data);
  self->Drain();
  const uint64_t now = uv_hrtime();
  if (now - self->last_sample_ns_ >=
      self->sample_interval_ms_.load() * 1000000ull) {
    self->SampleRss();
  }
}

void MonitorThread::SampleRss() {
  size_t rss = 0;
  if (uv_resident_set_memory(&rss) == 0) {
    rss_.store(rss, std::memory_order_relaxed);
    if (SnapshotController* s = snapshots_.load())
      s->OnRss(rss);
  }
  last_sample_ns_ = uv_hrtime();
}

void MonitorThread::Drain() {
  const bool gc_events = gc_events_.load(std::memory_order_relaxed);
  GcRecord record;
  while (ring_->TryPop(&record)) {
    bool full;
    GcStatsSnapshot copy;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      full = stats_.Add(record);
      if (full)
        copy = stats_.snapshot();
    }
    if (SnapshotController* s = snapshots_.load())
      s->OnGcRecord(record);
    if (gc_events) {
      OutEvent e;
      e.kind = OutEvent::Kind::kGc;
      e.gc = record;
      Post(e);
    }
    if (full) {
      OutEvent e;
      e.kind = OutEvent::Kind::kStats;
      e.gc = record;
      e.stats = copy;
      Post(e);
    }
  }
}

void MonitorThread::Post(const OutEvent& event) {
  OutEvent e = event;
  e.rss = rss_.load(std::memory_order_relaxed);
  e.dropped_records = ring_->dropped();
  if (outbox_->Push(e) == EventQueue<OutEvent>::PushResult::kQueuedWake) {
    wake_main_(wake_arg_);
  }
}

void MonitorThread::SetSnapshotController(SnapshotController* c) {
  snapshots_.store(c);
  if (running_)
    uv_async_send(&wake_);
}

void MonitorThread::WatchSignal(bool stopping) {
  SnapshotController* s = snapshots_.load();
  const int want = stopping || s == nullptr ? 0 : s->watched_signal();
  if (want == watched_signal_)
    return;
  if (signal_closing_)
    return;  // OnSignalClosed looks again
  if (watched_signal_ != 0) {
    // The handle is reused only after its close callback has run.
    CloseSignal();
    return;
  }
  if (want == 0)
    return;
  uv_signal_init(&loop_, &signal_);
  signal_.data = this;
  if (uv_signal_start(&signal_, OnSignal, want) == 0) {
    watched_signal_ = want;
  } else {
    CloseSignal();
  }
}

void MonitorThread::CloseSignal() {
  signal_closing_ = true;
  watched_signal_ = 0;
  uv_close(reinterpret_cast<uv_handle_t*>(&signal_), [](uv_handle_t* h) {
    MonitorThread* self = static_cast<MonitorThread*>(h->data);
    self->signal_closing_ = false;
    self->WatchSignal(self->stopping_.load());
  });
}

void MonitorThread::OnSignal(uv_signal_t* handle, int signum) {
  MonitorThread* self = static_cast<MonitorThread*>(handle->data);
  if (SnapshotController* s = self->snapshots_.load())
    s->OnSignal();
}

}  // namespace leakguard
