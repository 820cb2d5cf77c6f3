#include "core/monitor/detector/leak_detector.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

namespace leakguard {

LeakDetector::LeakDetector(const DetectorOptions& options) : options_(options) {
  BuildHorizons();
  room_.configured_limit = static_cast<double>(options_.memory_limit_bytes);
}

LeakDetector::~LeakDetector() = default;
LeakDetector::LeakDetector(LeakDetector&&) noexcept = default;
LeakDetector& LeakDetector::operator=(LeakDetector&&) noexcept = default;

void LeakDetector::BuildHorizons() {
  horizons_.clear();
  horizons_.reserve(options_.horizon_total());
  for (size_t i = 0; i < options_.horizon_total(); i++)
    horizons_.emplace_back(options_.ForHorizon(i));
}

const TrendVerdict& LeakDetector::verdict(SampleKind kind,
                                          size_t horizon) const {
  static const TrendVerdict kNone;
  if (horizon >= horizons_.size())
    return kNone;
  return horizons_[horizon].verdicts[Index(kind)];
}

size_t LeakDetector::MemoryBytes() const {
  return sizeof(*this) + reader_.MemoryBytes() +
         horizons_.capacity() * sizeof(Horizon) +
         (recent_scratch_.pairs.capacity() +
          recent_scratch_.values.capacity()) *
             sizeof(double);
}

Status LeakDetector::Configure(const DetectorOptions& options) {
  Status status = ValidateDetectorOptions(options);
  if (!status.ok())
    return status;
  std::vector<Horizon> old;
  old.swap(horizons_);
  options_ = options;
  room_.configured_limit = static_cast<double>(options_.memory_limit_bytes);
  BuildHorizons();
  // A horizon whose length stayed keeps its points (bucket widths still
  // match); its thresholds may have changed, so it is re-evaluated.
  for (size_t i = 0; i < horizons_.size(); i++) {
    double length = horizons_[i].options.window_ms;
    for (size_t j = 0; j < old.size(); j++) {
      if (old[j].options.window_ms != length)
        continue;
      DetectorOptions fresh = horizons_[i].options;
      horizons_[i] = std::move(old[j]);
      horizons_[i].options = fresh;
      for (size_t k = 0; k < kSampleKindCount; k++)
        horizons_[i].dirty[k] = true;
      break;
    }
  }
  for (Episode& e : episodes_) {
    if (e.active && e.horizon >= horizons_.size()) {
      e.active = false;
      e.pending_end = LeakEvent::End::kReconfigured;
    }
  }
  return Status::Ok();
}

void LeakDetector::Touch(double now_ms) {
  if (started_)
    return;
  started_ = true;
  origin_ms_ = now_ms;
}

void LeakDetector::AddSample(SampleKind kind, double time_ms, uint64_t bytes) {
  Touch(time_ms);
  size_t k = Index(kind);
  received_[k]++;
  last_bytes_[k] = static_cast<double>(bytes);
  if (kind == SampleKind::kHeap) {
    // The live set: what the heap limit leaves room beside.
    room_.heap_used = static_cast<double>(bytes);
    probes_.HeapSampled(time_ms,
                        static_cast<double>(bytes),
                        last_bytes_[Index(SampleKind::kRss)]);
  }
  if (kind == SampleKind::kRss)
    room_.rss = static_cast<double>(bytes);
  // The rss series is native memory (native_memory.h).
  uint64_t value = kind == SampleKind::kRss ? native_.Estimate(bytes) : bytes;
  // Warm-up samples are kept: the warm-up gates verdicts (Check), not
  // evidence. Every horizon sees every sample; its buckets keep the minima,
  // which is the shorter horizon's points downsampled.
  bool accepted = false;
  for (Horizon& h : horizons_) {
    if (!h.windows[k].AddSample(time_ms, value))
      continue;
    accepted = true;
    if (h.windows[k].changed())
      h.dirty[k] = true;
    if (kind == SampleKind::kRss)
      h.raw_rss.AddSample(time_ms, bytes);
  }
  if (!accepted)
    ignored_[k]++;
}

void LeakDetector::RestartRss() {
  size_t k = Index(SampleKind::kRss);
  for (Horizon& h : horizons_) {
    h.windows[k].Reset(h.options);
    h.verdicts[k] = TrendVerdict();
    h.dirty[k] = false;
    h.streak[k] = 0;
    h.evidence_open[k] = false;
    h.raw_rss.Reset(h.options);
  }
  if (episodes_[k].active)
    episodes_[k].pending_end = LeakEvent::End::kRestarted;
  episodes_[k].active = false;
  rss_restarts_++;
}

void LeakDetector::SkipRssSample() {
  size_t k = Index(SampleKind::kRss);
  received_[k]++;
  ignored_[k]++;
}

void LeakDetector::AddGcRecord(double time_ms,
                               uint64_t heap_used,
                               uint64_t heap_total,
                               uint64_t external,
                               bool full_gc,
                               uint64_t heap_limit) {
  Touch(time_ms);
  if (heap_limit > 0)
    room_.heap_limit = static_cast<double>(heap_limit);
  probes_.GcRecord(static_cast<double>(heap_used), full_gc);
  native_.NoteV8(heap_total, external);
  AddSample(SampleKind::kExternal, time_ms, external);
  if (full_gc)
    AddSample(SampleKind::kHeap, time_ms, heap_used);
}

void LeakDetector::SetMemoryRoom(double available,
                                 double limit,
                                 LimitSource source) {
  room_.memory_available = available;
  room_.memory_limit = limit;
  room_.memory_source = source;
}

TimeToLimit LeakDetector::Urgency(SampleKind kind) const {
  const size_t k = Index(kind);
  const TrendVerdict& v = horizons_[0].verdicts[k];
  const bool growing = episodes_[k].active || v.detected;
  return ProjectTimeToLimit(kind, growing ? v.bytes_per_second : 0, room_);
}

bool LeakDetector::NewHigh(size_t horizon,
                           SampleKind kind,
                           const TrendVerdict& v) const {
  // The newest quarter of the analysed part must stand above everything
  // the longer horizons saw before it: their own points older than its
  // start (the last peak of an oscillation slower than the window) and
  // what left their windows (yesterday's peak of a daily cycle, once the
  // day's window has slid past it). A leak makes new highs; a cycle's
  // rising phase only climbs back to where it was. "Everything" is the
  // third highest of those points: one or two buckets that a burst or an
  // outlier filled do not hide a leak for hours. The short window checks
  // its own points itself (Check's kNoNewHigh).
  const size_t k = Index(kind);
  TrendWindow::TopValues top;
  for (size_t j = horizon; j < horizons_.size(); j++) {
    const TrendWindow& t = horizons_[j].windows[k];
    if (j > 0)
      t.TopBefore(v.start_ms, &top);
    t.TopExpired(&top);
  }
  double before = top.Lowest();
  if (before == -std::numeric_limits<double>::infinity())
    return true;
  const TrendWindow& own = horizons_[horizon].windows[k];
  return own.MinFrom(v.end_ms - (v.end_ms - v.start_ms) / 4) > before;
}

bool LeakDetector::MayStart(size_t hi, SampleKind kind) {
  Horizon& h = horizons_[hi];
  size_t k = Index(kind);
  const TrendVerdict& v = h.verdicts[k];
  // Confirmed: found on kConfirmations new points in a row, spanning at
  // least an eighth of min_span_ms. A decelerating rise (a warm-up, a cache
  // filling up) can look like a leak for a sample or two of noise; it
  // cannot keep looking like one while it flattens. Evaluations that only
  // waited for the warm-up to end count: the gate then asks for rising
  // points after it as well.
  bool confirmed = h.streak[k] >= WindowReader::kConfirmations &&
                   v.end_ms - h.streak_start_ms[k] >= h.options.min_span_ms / 8;
  if (!v.detected || !confirmed)
    return false;
  if (!NewHigh(hi, kind, v))
    return false;
  const double required = RequiredEvidenceMs(hi, kind, v);
  if (v.end_ms - h.evidence_origin_ms[k] < required)
    return false;
  // Growth that had to wait for its evidence must still be rising at the
  // end of the wait: a cache that filled up for most of it has flattened
  // by then, while the window as a whole still reads as a leak.
  if (required > 2 * h.options.min_span_ms &&
      !StillRising(h.windows[k],
                   v.end_ms - std::max(required / 4, h.options.min_span_ms),
                   v)) {
    return false;
  }
  if (kind == SampleKind::kRss) {
    if (NativeMemory::Explained(h.verdicts[Index(SampleKind::kHeap)],
                                h.verdicts[Index(SampleKind::kExternal)],
                                v))
      return false;
    // RSS itself, read only here, when an rss episode would start (Poll
    // has expired the old points).
    if (!NativeMemory::Rose(
            reader_.Read(h.raw_rss, h.rss_options), v, h.options.min_samples))
      return false;
  }
  return true;
}

bool LeakDetector::StillRising(const TrendWindow& w,
                               double from_ms,
                               const TrendVerdict& v) {
  size_t first = w.size();
  while (first > 0 && w.at(first - 1).time_ms >= from_ms)
    first--;
  const size_t have = w.size() - first;
  if (have < 4) {
    // Too few for a slope (collections are sparse): the points there must
    // not have fallen behind the reading's line by more than half of what
    // it rises over the span. A plateau falls further behind at every
    // sample; a leak stays on its line.
    const double span_s = (v.end_ms - from_ms) / 1000;
    const double allowed =
        std::max(3 * v.noise_bytes,
                 WindowReader::kPersistFraction * v.bytes_per_second * span_s);
    for (size_t i = first; i < w.size(); i++) {
      const TrendWindow::Point& p = w.at(i);
      const double line =
          v.estimated_base - v.bytes_per_second * (v.end_ms - p.time_ms) / 1000;
      if (p.bytes < line - allowed)
        return false;
    }
    return true;
  }
  // Theil-Sen (robust_trend.h) over at most kRecentPoints of them.
  double t[kRecentPoints];
  double y[kRecentPoints];
  const size_t n = std::min(have, kRecentPoints);
  for (size_t i = 0; i < n; i++) {
    const TrendWindow::Point& p = w.at(first + i * have / n);
    t[i] = p.time_ms / 1000;
    y[i] = p.bytes;
  }
  const RobustFit fit = FitRobust(t, y, n, &recent_scratch_);
  return fit.slope >= WindowReader::kPersistFraction * v.bytes_per_second;
}

double LeakDetector::RequiredEvidenceMs(size_t hi,
                                        SampleKind kind,
                                        const TrendVerdict& v) const {
  const DetectorOptions& o = horizons_[hi].options;
  if (o.evidence_share <= 0)
    return 0;
  const TimeToLimit t = ProjectTimeToLimit(kind, v.bytes_per_second, room_);
  if (t.source == LimitSource::kNone || !t.finite())
    return 0;
  return std::min(t.ms * o.evidence_share, o.max_evidence_ms);
}

double LeakDetector::GrowthOrigin(size_t k, const TrendVerdict& v) const {
  // The reading starts at the oldest point it analysed, which a short
  // window cuts off: a 20 s window would credit a leak with 20 s of growth
  // where a 5 min window sees all of it, and the shorter window would
  // report later. The shortest long horizon's points before that start
  // that lie on the reading's line (within 3 noise widths, or a quarter of
  // min_growth_bytes, and kOriginSlopeError of the slope) are the same
  // growth seen earlier.
  double origin = v.start_ms;
  if (horizons_.size() < 2 || !(v.bytes_per_second > 0))
    return origin;
  const TrendWindow& w = horizons_[1].windows[k];
  const double tolerance = std::max(
      3 * v.noise_bytes, static_cast<double>(options_.min_growth_bytes) / 4);
  for (size_t i = w.size(); i-- > 0;) {
    const TrendWindow::Point& p = w.at(i);
    if (p.time_ms >= v.start_ms)
      continue;
    // The line is extrapolated back from a reading that may be short:
    // allow its slope kOriginSlopeError of error.
    const double back = v.bytes_per_second * (v.end_ms - p.time_ms) / 1000;
    const double line = v.estimated_base - back;
    if (std::fabs(p.bytes - line) > tolerance + kOriginSlopeError * back)
      break;
    origin = p.time_ms;
  }
  return origin;
}

void LeakDetector::TrackEvidence(Horizon& h, size_t k) {
  const TrendVerdict& v = h.verdicts[k];
  if (v.detected || (h.evidence_open[k] && v.growing)) {
    if (!h.evidence_open[k]) {
      h.evidence_open[k] = true;
      h.evidence_origin_ms[k] = GrowthOrigin(k, v);
    }
    h.evidence_misses[k] = 0;
  } else if (h.evidence_open[k] &&
             ++h.evidence_misses[k] >= WindowReader::kConfirmations) {
    h.evidence_open[k] = false;
  }
}

void LeakDetector::Step(SampleKind kind,
                        double now_ms,
                        std::vector<LeakEvent>* out) {
  size_t k = Index(kind);
  Episode& e = episodes_[k];
  bool interval_ok = e.last_event_ms < 0 ||
                     now_ms - e.last_event_ms >= options_.min_leak_interval_ms;

  if (e.pending_end != LeakEvent::End::kNone) {
    out->push_back(EndEvent(kind, e.pending_end, now_ms));
    e.pending_end = LeakEvent::End::kNone;
    episodes_ended_++;
  }
  if (e.active && !horizons_[e.horizon].verdicts[k].growing) {
    out->push_back(EndEvent(kind, LeakEvent::End::kFlat, now_ms));
    e.active = false;  // The trend stopped.
    episodes_ended_++;
  }

  LeakEvent event;
  size_t hi = e.horizon;
  if (e.active) {
    const TrendVerdict& v = horizons_[hi].verdicts[k];
    // Repeat only with new evidence and not before the interval.
    if (!interval_ok || v.end_ms <= e.last_event_end_ms)
      return;
    e.sequence++;
    event.growth_bytes = v.estimated_base - e.start_base;
  } else {
    if (!interval_ok)
      return;
    // The shortest horizon that finds a confirmed leak reports it.
    bool found = false;
    for (hi = 0; hi < horizons_.size(); hi++) {
      if (MayStart(hi, kind)) {
        found = true;
        break;
      }
    }
    if (!found)
      return;
    const TrendVerdict& v = horizons_[hi].verdicts[k];
    e.active = true;
    e.horizon = hi;
    e.sequence = 0;
    e.start_ms = v.start_ms;
    e.start_base = v.base_bytes;
    episodes_started_++;
    event.growth_bytes = v.growth_bytes;
  }
  const TrendVerdict& v = horizons_[hi].verdicts[k];
  e.last_event_ms = now_ms;
  e.last_event_end_ms = v.end_ms;
  e.last_event_level = v.estimated_base;

  event.kind = kind;
  event.sequence = e.sequence;
  event.start_ms = e.start_ms;
  event.reading = v;
  event.horizon_ms = horizons_[hi].options.window_ms;
  event.long_horizon = hi > 0;
  event.time_to_limit = ProjectTimeToLimit(kind, v.bytes_per_second, room_);
  events_emitted_++;
  out->push_back(event);
}

LeakEvent LeakDetector::EndEvent(SampleKind kind,
                                 LeakEvent::End cause,
                                 double now_ms) {
  const size_t k = Index(kind);
  const Episode& e = episodes_[k];
  LeakEvent event;
  event.kind = kind;
  event.end_cause = cause;
  event.sequence = e.sequence;
  event.start_ms = e.start_ms;
  const size_t hi = e.horizon < horizons_.size() ? e.horizon : 0;
  event.horizon_ms = horizons_[hi].options.window_ms;
  event.long_horizon = hi > 0;
  // Where it stood at its last event, for an episode closed for a reason
  // of our own (its points may be gone).
  event.growth_bytes = e.last_event_level - e.start_base;
  event.plateau_ms = e.last_event_end_ms;
  event.ended_ms = now_ms;
  const TrendWindow& w = horizons_[hi].windows[k];
  const TrendVerdict& v = horizons_[hi].verdicts[k];
  event.reading = v;
  if (cause == LeakEvent::End::kFlat && v.samples >= 2 && w.size() > 0) {
    // The floor of the newest quarter is the level it stopped at; the
    // plateau began at the oldest point of the newest run that stays
    // within the noise (or a twentieth of the growth) of it.
    const double floor = w.MinFrom(v.end_ms - (v.end_ms - v.start_ms) / 4);
    const double growth = floor - e.start_base;
    const double tolerance =
        std::max(2 * v.noise_bytes, 0.05 * std::max(growth, 0.0));
    double plateau = v.end_ms;
    for (size_t i = w.size(); i-- > 0;) {
      const TrendWindow::Point& p = w.at(i);
      if (p.time_ms < e.start_ms || p.bytes < floor - tolerance)
        break;
      plateau = p.time_ms;
    }
    event.growth_bytes = growth;
    event.plateau_ms = std::max(plateau, e.start_ms);
    event.ended_ms = v.end_ms;
  }
  event.time_to_limit = ProjectTimeToLimit(kind, 0, room_);
  return event;
}

std::vector<LeakEvent> LeakDetector::Poll(double now_ms) {
  Touch(now_ms);
  std::vector<LeakEvent> events;
  const double gate = GateMs();
  const double rss_gate = RssGateMs();
  for (Horizon& h : horizons_) {
    for (size_t k = 0; k < kSampleKindCount; k++) {
      size_t before = h.windows[k].size();
      h.windows[k].Expire(now_ms, h.options.min_samples);
      if (h.windows[k].size() != before)
        h.dirty[k] = true;
      if (!h.dirty[k])
        continue;
      const bool rss = k == Index(SampleKind::kRss);
      h.verdicts[k] = reader_.Read(
          h.windows[k], rss ? h.rss_options : h.options, rss ? rss_gate : gate);
      // Only a new point can confirm: re-evaluating the same points (a
      // sample merged into a bucket, an expiry) proves nothing new.
      const TrendVerdict& v = h.verdicts[k];
      bool counts = v.detected || v.reason == TrendVerdict::Reason::kWarmingUp;
      if (!counts) {
        h.streak[k] = 0;
      } else if (v.end_ms != h.streak_end_ms[k]) {
        if (h.streak[k] == 0)
          h.streak_start_ms[k] = v.end_ms;
        h.streak[k]++;
        h.streak_end_ms[k] = v.end_ms;
      }
      if (v.end_ms != h.evidence_end_ms[k]) {  // New points only.
        h.evidence_end_ms[k] = v.end_ms;
        TrackEvidence(h, k);
      }
      h.dirty[k] = false;
    }
    h.raw_rss.Expire(now_ms);
  }
  // Heap and external first: the rss step reads their fresh verdicts.
  for (size_t k = 0; k < kSampleKindCount; k++) {
    Step(static_cast<SampleKind>(k), now_ms, &events);
  }
  return events;
}

bool LeakDetector::Suspect(SampleKind kind) const {
  size_t k = Index(kind);
  const TrendVerdict& v = horizons_[0].verdicts[k];
  // A rise that, kept up over a window, would clear the floors; a chance
  // drift of a few KB/s would not.
  double floor =
      std::max(static_cast<double>(options_.min_growth_bytes),
               horizons_[0].options.min_relative_growth * v.base_bytes);
  if (v.growing || v.reason == TrendVerdict::Reason::kWarmingUp ||
      (v.confidence >= WindowReader::kContinueConfidence &&
       v.bytes_per_second * options_.window_ms / 1000 >= floor)) {
    return true;
  }
  // A newest sample well above the line may be a leak that has just begun;
  // the window's trend cannot show it yet.
  return received_[k] > 0 && v.samples >= 2 &&
         last_bytes_[k] >
             v.estimated_base +
                 std::max(WindowReader::kSuspectNoiseMultiple * v.noise_bytes,
                          static_cast<double>(options_.min_growth_bytes) / 2);
}

bool LeakDetector::ShouldProbe(double now_ms) {
  Touch(now_ms);
  if (options_.probe_interval_ms <= 0)
    return false;
  // Warm-up samples are evidence too (the warm-up gates verdicts, not
  // samples), so probes run from the start.
  size_t heap = Index(SampleKind::kHeap);
  double interval = options_.probe_interval_ms;
  // Probes sample external memory too (it rides on every GC record), so an
  // external leak in a process that hardly collects is found the same way.
  size_t external = Index(SampleKind::kExternal);
  bool reported = episodes_[heap].active || episodes_[external].active;
  // Urgent: a suspect kind not reported yet would reach its limit within
  // kUrgentMs at the short window's rate. A process that is about to run
  // out of memory needs its verdict in seconds, and the heap's full GCs get
  // sparse and slow as it grows: probes come as fast as when suspect and
  // may take kUrgentProbeOverhead of wall time, until the first event.
  bool urgent = false;
  for (SampleKind kind : {SampleKind::kHeap, SampleKind::kExternal}) {
    const size_t k = Index(kind);
    if (episodes_[k].active || !Suspect(kind))
      continue;
    const TimeToLimit t = ProjectTimeToLimit(
        kind, horizons_[0].verdicts[k].bytes_per_second, room_);
    urgent = urgent || t.ms < DetectorOptions::kUrgentMs;
  }
  if (reported) {
    // Reported already: the base rate keeps the repeats' numbers fresh.
  } else if (Suspect(SampleKind::kHeap) || Suspect(SampleKind::kExternal)) {
    interval /= 4;  // Confirm or dismiss quickly.
  }
  // Quiet (no sign of growth) keeps the base interval: a probe every 5 s
  // costs ~0.2% of wall time at a 10 ms pause, and a leak that begins on a
  // warm process is seen one interval sooner (the ~20 s latency target).
  // The long horizons need one sample per bucket (their shortest bucket is
  // horizons[0] / 128, 28 s for an hour): with a probeIntervalMs longer
  // than that they still get one, and only when no full GC gave one.
  if (horizons_.size() > 1) {
    interval = std::min(
        interval, horizons_[1].options.window_ms / TrendWindow::kMaxPoints);
  }
  return probes_.Due(now_ms,
                     interval,
                     options_,
                     last_bytes_[Index(SampleKind::kRss)],
                     urgent ? DetectorOptions::kUrgentProbeOverhead : -1);
}

DetectorStats LeakDetector::Stats() const {
  DetectorStats stats;
  const Horizon& h = horizons_[0];
  for (size_t k = 0; k < kSampleKindCount; k++) {
    KindStats& s = stats.kinds[k];
    const TrendWindow& trend = h.windows[k];
    const TrendVerdict& v = h.verdicts[k];
    s.samples_received = received_[k];
    s.samples_ignored = ignored_[k];
    s.samples_held = static_cast<uint32_t>(trend.size());
    s.current_bytes = last_bytes_[k];
    s.min_bytes = trend.min_bytes();
    s.max_bytes = trend.max_bytes();
    s.estimated_base = v.samples >= 2 ? v.estimated_base : s.current_bytes;
    s.usage_trend = v.bytes_per_second;
    s.confidence = v.confidence;
    s.in_episode = episodes_[k].active;
    s.time_to_limit = Urgency(static_cast<SampleKind>(k));
  }
  stats.probes_requested = probes_.requested();
  stats.events_emitted = events_emitted_;
  stats.episodes = episodes_started_;
  stats.episodes_ended = episodes_ended_;
  stats.rss_restarts = rss_restarts_;
  return stats;
}

}  // namespace leakguard
