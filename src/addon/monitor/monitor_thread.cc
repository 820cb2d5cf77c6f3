#include "addon/monitor/monitor_thread.h"

#include <signal.h>

#include "addon/env/process_registry.h"
#include "addon/env/threads.h"
#include "addon/snapshot/snapshot_controller.h"
#include "core/capture/memory_budget.h"

namespace leakguard {

namespace {

double NsToMs(uint64_t ns) {
  return static_cast<double>(ns) / 1e6;
}

}  // namespace

MonitorThread::MonitorThread(RingBuffer<GcRecord>* ring,
                             EventQueue<OutEvent>* outbox,
                             WakeFn wake_main,
                             WakeFn probe,
                             void* arg)
    : ring_(ring),
      outbox_(outbox),
      wake_main_(wake_main),
      probe_(probe),
      arg_(arg),
      detector_(DetectorOptions()) {}

MonitorThread::~MonitorThread() {
  Stop();
}

UvResult MonitorThread::Start(const MonitorConfig& config) {
  if (running_)
    return UvResult();
  int err = uv_loop_init(&loop_);
  if (err != 0)
    return UvResult{err, "uv_loop_init"};
  err = uv_async_init(&loop_, &wake_, OnWake);
  if (err != 0) {
    uv_loop_close(&loop_);
    return UvResult{err, "uv_async_init"};
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
  // A new detector per start: samples from before a stop() would bridge a
  // gap the detector cannot see. The thread is not running yet, so no lock
  // is needed for detector_ itself.
  detector_ = LeakDetector(config.detector);
  // A new detector watches nothing yet (lib/analysis/explain.js stops its
  // sampler at each start, too).
  watching_[0] = watching_[1] = false;
  watch_changes_.clear();
  ProcessRegistry::OwnWork(&own_work_epoch_);
  probe_outstanding_ = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    options_pending_ = false;
    detector_report_ = DetectorReport();
    detector_report_.SetOptions(config.detector);
    for (size_t k = 0; k < kSampleKindCount; k++)
      detector_report_.stats.kinds[k].events = leak_events_[k];
  }

  // A full signal mask: a process signal never runs a handler here.
  err = CreateQuietThread(&thread_, ThreadMain, this);
  if (err != 0) {
    uv_close(reinterpret_cast<uv_handle_t*>(&wake_), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&timer_), nullptr);
    uv_run(&loop_, UV_RUN_DEFAULT);
    uv_loop_close(&loop_);
    return UvResult{err, "uv_thread_create"};
  }
  running_ = true;
  return UvResult();
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
  std::lock_guard<std::mutex> lock(mutex_);
  pending_options_ = config.detector;
  options_pending_ = true;
}

GcStatsSnapshot MonitorThread::Stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  GcStatsSnapshot s = stats_.snapshot();
  const KindStats& heap =
      detector_report_.stats.kinds[static_cast<size_t>(SampleKind::kHeap)];
  s.usage_trend = heap.usage_trend;
  s.estimated_base = heap.estimated_base;
  return s;
}

void MonitorThread::EnableGcDurations() {
  std::lock_guard<std::mutex> lock(mutex_);
  stats_.durations().Enable();
}

uint64_t MonitorThread::ReadGcDurations(uint64_t cursor,
                                        size_t max,
                                        std::vector<GcDurationLog::Entry>* out,
                                        uint64_t* lost) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_.durations().ReadSince(cursor, max, out, lost);
}

DetectorReport MonitorThread::Detector() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return detector_report_;
}

void MonitorThread::ReadTimeline(SampleKind kind,
                                 std::vector<TimelinePoint>* out,
                                 double* bucket_ms,
                                 uint64_t* dropped) const {
  out->reserve(out->size() + TimelineSeries::kMaxPoints);
  std::lock_guard<std::mutex> lock(mutex_);
  const TimelineSeries& s = timeline_.series(kind);
  s.CopyTo(out);
  *bucket_ms = s.bucket_ms();
  *dropped = s.dropped();
}

void MonitorThread::ThreadMain(void* arg) {
  MonitorThread* self = static_cast<MonitorThread*>(arg);
  NameThisThread("leakguard");
  self->SampleRss();
  uv_signal_init(&self->loop_, &self->signal_);
  self->signal_.data = self;
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
    uv_close(reinterpret_cast<uv_handle_t*>(&self->signal_), nullptr);
  }
}

void MonitorThread::OnTimer(uv_timer_t* handle) {
  MonitorThread* self = static_cast<MonitorThread*>(handle->data);
  self->Drain();
  uint64_t now = uv_hrtime();
  if (now - self->last_sample_ns_ >=
      self->sample_interval_ms_.load() * 1000000ull) {
    self->SampleRss();
    now = uv_hrtime();
  }
  self->PollDetector(now);
  self->PostLeaks();
  // Asked here, on the tick, and not after each record: the detector
  // spaces its probes by time, and a tick is at most drain_interval_ms late.
  if (self->detector_.ShouldProbe(NsToMs(now))) {
    self->probe_outstanding_ = true;
    self->probe_(self->arg_);
  }
}

void MonitorThread::ReadMemoryRoom(uint64_t now_ns) {
  if (room_read_ns_ != 0 && now_ns - room_read_ns_ < kRoomIntervalNs)
    return;
  room_read_ns_ = now_ns;
  // A few small files of /proc and /sys/fs/cgroup; nothing to read (no
  // procfs) leaves the room unknown and time to limit infinite.
  Result<MemoryHeadroom> room = ReadMemoryHeadroom();
  if (!room.ok())
    return;
  const MemoryHeadroom& r = room.value();
  detector_.SetMemoryRoom(
      static_cast<double>(r.available),
      static_cast<double>(r.limit),
      r.source == "meminfo" ? LimitSource::kMemory : LimitSource::kCgroup);
}

void MonitorThread::SampleRss() {
  size_t rss = 0;
  const uint64_t now = uv_hrtime();
  ReadMemoryRoom(now);
  if (uv_resident_set_memory(&rss) == 0) {
    rss_.store(rss, std::memory_order_relaxed);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      timeline_.series(SampleKind::kRss).Add(NsToMs(now), rss);
    }
    // RSS that moved because leakguard itself captured or analysed a
    // snapshot (in any thread) is not the service's: the series restarts
    // after such work and leaves out what was sampled during it.
    uint64_t epoch = 0;
    const bool own_work = ProcessRegistry::OwnWork(&epoch);
    if (epoch != own_work_epoch_) {
      own_work_epoch_ = epoch;
      detector_.RestartRss();
    }
    if (own_work)
      detector_.SkipRssSample();
    else
      detector_.AddSample(SampleKind::kRss, NsToMs(now), rss);
    if (SnapshotController* s = snapshots_.load())
      s->OnRss(rss);
  }
  last_sample_ns_ = now;
}

void MonitorThread::PollDetector(uint64_t now_ns) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (options_pending_) {
      // lib/options.js validated them; a refusal keeps the old options.
      if (detector_.Configure(pending_options_).ok())
        detector_report_.SetOptions(pending_options_);
      options_pending_ = false;
    }
  }
  std::vector<LeakEvent> found = detector_.Poll(NsToMs(now_ns));
  for (const LeakEvent& e : found) {
    if (!e.ended())
      leak_events_[static_cast<size_t>(e.kind)]++;
  }
  leaks_.insert(leaks_.end(), found.begin(), found.end());
  const SampleKind watched[2] = {SampleKind::kHeap, SampleKind::kExternal};
  for (size_t i = 0; i < 2; i++) {
    const bool now = detector_.Watching(watched[i]);
    if (now == watching_[i])
      continue;
    watching_[i] = now;
    OutEvent e;
    e.kind = OutEvent::Kind::kWatch;
    e.watch_kind = watched[i];
    e.watching = now;
    watch_changes_.push_back(e);
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    detector_report_.stats = detector_.Stats();
    for (size_t k = 0; k < kSampleKindCount; k++) {
      detector_report_.stats.kinds[k].events = leak_events_[k];
      detector_report_.reasons[k] =
          detector_.verdict(static_cast<SampleKind>(k)).reason;
    }
  }
}

void MonitorThread::PostLeaks() {
  for (const OutEvent& e : watch_changes_)
    Post(e);
  watch_changes_.clear();
  for (const LeakEvent& leak : leaks_) {
    OutEvent e;
    e.kind = OutEvent::Kind::kLeak;
    e.leak = leak;
    Post(e);
  }
  leaks_.clear();
}

void MonitorThread::Drain() {
  const bool gc_events = gc_events_.load(std::memory_order_relaxed);
  GcRecord record;
  while (ring_->TryPop(&record)) {
    bool full;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      full = stats_.Add(record);
      if (full) {
        const double t = NsToMs(record.end_ns);
        timeline_.series(SampleKind::kHeap).Add(t, record.used_after);
        timeline_.series(SampleKind::kExternal).Add(t, record.external_after);
      }
    }
    detector_.AddGcRecord(NsToMs(record.end_ns),
                          record.used_after,
                          record.total_after,
                          record.external_after,
                          full,
                          record.limit);
    if (full && probe_outstanding_) {
      // The first full GC after a probe request is (or stands in for) the
      // probe: its pause is what the probe cost.
      probe_outstanding_ = false;
      detector_.NoteProbePause(record.end_ns > record.start_ns
                                   ? NsToMs(record.end_ns - record.start_ns)
                                   : 0.0);
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
      // The detector judges the new live-set sample first, so that 'stats'
      // carries its trend and any 'leak' follows the 'stats' behind it.
      PollDetector(uv_hrtime());
      OutEvent e;
      e.kind = OutEvent::Kind::kStats;
      e.gc = record;
      e.stats = Stats();
      Post(e);
      PostLeaks();
    }
  }
}

void MonitorThread::Post(const OutEvent& event) {
  OutEvent e = event;
  e.rss = rss_.load(std::memory_order_relaxed);
  e.dropped_records = ring_->dropped();
  if (outbox_->Push(e) == EventQueue<OutEvent>::PushResult::kQueuedWake) {
    wake_main_(arg_);
  }
}

void MonitorThread::SetSnapshotController(SnapshotController* c) {
  snapshots_.store(c);
  if (running_)
    uv_async_send(&wake_);
}

// The handle is initialized once per thread (ThreadMain) and only started,
// moved and stopped after that; it is closed once, when the thread stops.
// Closing it and initializing it again on every change of the snapshot
// signal, as this did before, lost the loop's async handles now and then
// when a worker churned through enableSnapshots()/disableSnapshots(): the
// thread then slept through the wake-up of Stop() and the worker's
// teardown joined it forever (bench/worker-terminate.js measures it).
void MonitorThread::WatchSignal(bool stopping) {
  SnapshotController* s = snapshots_.load();
  const int want = stopping || s == nullptr ? 0 : s->watched_signal();
  if (want == watched_signal_)
    return;
  if (want == 0) {
    uv_signal_stop(&signal_);
    watched_signal_ = 0;
    return;
  }
  // uv_signal_start moves an active handle to the new signal.
  if (uv_signal_start(&signal_, OnSignal, want) == 0) {
    watched_signal_ = want;
    s->OnMonitorWatching();
  } else {
    uv_signal_stop(&signal_);
    watched_signal_ = 0;
  }
}

void MonitorThread::OnSignal(uv_signal_t* handle, int signum) {
  MonitorThread* self = static_cast<MonitorThread*>(handle->data);
  if (SnapshotController* s = self->snapshots_.load())
    s->OnSignal();
}

}  // namespace leakguard
