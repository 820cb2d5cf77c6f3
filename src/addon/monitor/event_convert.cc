// Conversion of monitor events and heap statistics into JS objects. The
// public field names live here and in lib/index.d.ts only.
#include <uv.h>

#include "addon/env/instance.h"
#include "core/monitor/gc_record.h"

namespace leakguard {

namespace {

// Builds one plain object with raw N-API calls whose failures are recorded,
// not raised: events are delivered from a uv callback, and while a worker
// terminates every property store fails; node-addon-api would turn such a
// failure into a fatal error, and a monitoring library must not abort.
class ObjectBuilder {
 public:
  explicit ObjectBuilder(Napi::Env env) : env_(env) {
    ok_ = napi_create_object(env_, &object_) == napi_ok;
  }
  ObjectBuilder& Num(const char* key, double value) {
    napi_value v = nullptr;
    if (ok_)
      ok_ = napi_create_double(env_, value, &v) == napi_ok;
    return SetRaw(key, v);
  }
  ObjectBuilder& Str(const char* key, const char* value) {
    napi_value v = nullptr;
    if (ok_) {
      ok_ =
          napi_create_string_utf8(env_, value, NAPI_AUTO_LENGTH, &v) == napi_ok;
    }
    return SetRaw(key, v);
  }
  // A Date for `wall_ms` milliseconds since the epoch.
  ObjectBuilder& Date(const char* key, double wall_ms) {
    napi_value v = nullptr;
    if (ok_)
      ok_ = napi_create_date(env_, wall_ms, &v) == napi_ok;
    return SetRaw(key, v);
  }
  ObjectBuilder& Bool(const char* key, bool value) {
    napi_value v = nullptr;
    if (ok_)
      ok_ = napi_get_boolean(env_, value, &v) == napi_ok;
    return SetRaw(key, v);
  }
  ObjectBuilder& Set(const char* key, Napi::Value value) {
    if (value.IsEmpty())
      ok_ = false;
    return SetRaw(key, value);
  }
  // The object, or an empty value when any step failed.
  Napi::Value Done() {
    return ok_ ? Napi::Value(env_, object_) : Napi::Value();
  }

 private:
  ObjectBuilder& SetRaw(const char* key, napi_value value) {
    if (ok_)
      ok_ = napi_set_named_property(env_, object_, key, value) == napi_ok;
    return *this;
  }

  napi_env env_;
  napi_value object_ = nullptr;
  bool ok_ = true;
};

double Ms(uint64_t ns) {
  return static_cast<double>(ns) / 1e6;
}

double PauseMs(const GcRecord& r) {
  return r.end_ns > r.start_ns ? Ms(r.end_ns - r.start_ns) : 0.0;
}

Napi::Value GcToJs(Napi::Env env, const OutEvent& e) {
  const GcRecord& r = e.gc;
  return ObjectBuilder(env)
      .Str("type", GcTypeName(r.type))
      .Num("flags", r.flags)
      .Bool("forced", (r.flags & v8::kGCCallbackFlagForced) != 0)
      .Num("startTime", Ms(r.start_ns))
      .Num("endTime", Ms(r.end_ns))
      .Num("pauseMs", PauseMs(r))
      .Num("heapUsedBefore", static_cast<double>(r.used_before))
      .Num("heapUsedAfter", static_cast<double>(r.used_after))
      .Num("heapTotal", static_cast<double>(r.total_after))
      .Num("heapLimit", static_cast<double>(r.limit))
      .Num("external", static_cast<double>(r.external_after))
      .Done();
}

// memwatch's fields (LEAKGUARD_MEMWATCH_STATS), in its order.
ObjectBuilder& MemwatchStats(ObjectBuilder& out, const GcStatsSnapshot& s) {
#define V(js, field) out.Num(js, static_cast<double>(s.field));
  LEAKGUARD_MEMWATCH_STATS(V)
#undef V
  return out;
}

Napi::Value StatsToJs(Napi::Env env, const OutEvent& e) {
  const GcStatsSnapshot& s = e.stats;
  ObjectBuilder stats(env);
  return MemwatchStats(stats, s)
      // leakguard's extensions.
      .Num("time", Ms(e.gc.end_ns))
      .Num("pauseMs", PauseMs(e.gc))
      .Num("totalPauseMs", s.total_pause_ms)
      .Num("maxPauseMs", s.max_pause_ms)
      .Num("heapUsed", static_cast<double>(s.heap_used))
      .Num("heapTotal", static_cast<double>(s.heap_total))
      .Num("heapLimit", static_cast<double>(s.heap_limit))
      .Num("external", static_cast<double>(s.external))
      .Num("rss", static_cast<double>(e.rss))
      .Num("droppedRecords", static_cast<double>(e.dropped_records))
      .Done();
}

// Wall-clock time (ms since the epoch) of a uv_hrtime() millisecond.
double WallMs(double hrtime_ms) {
  uv_timeval64_t now;
  if (uv_gettimeofday(&now) != 0)
    return 0;
  const double wall_now = now.tv_sec * 1e3 + now.tv_usec / 1e3;
  return wall_now - (Ms(uv_hrtime()) - hrtime_ms);
}

// info.limit: { source, bytes, roomBytes } (time_to_limit.h), or null when
// no limit is known.
Napi::Value LimitToJs(Napi::Env env, const TimeToLimit& t) {
  if (t.source == LimitSource::kNone)
    return env.Null();
  return ObjectBuilder(env)
      .Str("source", LimitSourceName(t.source))
      .Num("bytes", t.limit_bytes)
      .Num("roomBytes", t.room_bytes)
      .Done();
}

// 'leakEnd': the episode's start, where it stopped and for how long it has
// been flat.
Napi::Value LeakEndToJs(Napi::Env env, const OutEvent& e) {
  const LeakEvent& l = e.leak;
  const char* cause = l.end_cause == LeakEvent::End::kFlat ? "flat"
                      : l.end_cause == LeakEvent::End::kRestarted
                          ? "restarted"
                          : "reconfigured";
  return ObjectBuilder(env)
      .Str("kind", SampleKindName(l.kind))
      .Date("start", WallMs(l.start_ms))
      .Date("plateau", WallMs(l.plateau_ms))
      .Date("end", WallMs(l.ended_ms))
      .Num("growth", l.growth_bytes)
      .Num("durationMs", l.plateau_ms - l.start_ms)
      .Num("flatMs", l.ended_ms - l.plateau_ms)
      .Str("reason", FormatLeakReason(l).c_str())
      .Str("cause", cause)
      .Num("events", l.sequence + 1)
      .Num("horizonMs", l.horizon_ms)
      .Num("startTime", l.start_ms)
      .Num("endTime", l.ended_ms)
      .Set("limit", LimitToJs(env, l.time_to_limit))
      .Num("rss", static_cast<double>(e.rss))
      .Done();
}

Napi::Value LeakToJs(Napi::Env env, const OutEvent& e) {
  const LeakEvent& l = e.leak;
  return ObjectBuilder(env)
      // memwatch's names: start and end as Dates, growth in bytes.
      .Date("start", WallMs(l.start_ms))
      .Date("end", WallMs(l.end_ms()))
      .Num("growth", l.growth_bytes)
      .Str("reason", FormatLeakReason(l).c_str())
      // leakguard's.
      .Str("kind", SampleKindName(l.kind))
      .Num("bytesPerSecond", l.reading.bytes_per_second)
      .Num("confidence", l.reading.confidence)
      .Num("samples", l.reading.samples)
      .Num("risingSamples", l.reading.rising_steps)
      .Num("windowMs", l.window_ms())
      .Num("horizonMs", l.horizon_ms)
      .Num("sequence", l.sequence)
      .Num("estimatedBase", l.reading.estimated_base)
      .Num("startTime", l.start_ms)
      .Num("endTime", l.end_ms())
      .Num("timeToLimitMs", l.time_to_limit.ms)
      .Set("limit", LimitToJs(env, l.time_to_limit))
      .Num("rss", static_cast<double>(e.rss))
      .Done();
}

Napi::Value DetectorToJs(Napi::Env env, const DetectorReport& r) {
  ObjectBuilder kinds(env);
  ObjectBuilder samples(env);
  for (size_t k = 0; k < kSampleKindCount; k++) {
    const KindStats& s = r.stats.kinds[k];
    const char* name = SampleKindName(static_cast<SampleKind>(k));
    samples.Num(name, s.samples_held);
    kinds.Set(name,
              ObjectBuilder(env)
                  .Num("samples", s.samples_held)
                  .Num("received", static_cast<double>(s.samples_received))
                  .Num("ignored", static_cast<double>(s.samples_ignored))
                  .Num("current", s.current_bytes)
                  .Num("min", s.min_bytes)
                  .Num("max", s.max_bytes)
                  .Num("estimatedBase", s.estimated_base)
                  .Num("bytesPerSecond", s.usage_trend)
                  .Num("confidence", s.confidence)
                  .Str("verdict", TrendReasonName(r.reasons[k]))
                  .Bool("leaking", s.in_episode)
                  .Num("timeToLimitMs", s.time_to_limit.ms)
                  .Set("limit", LimitToJs(env, s.time_to_limit))
                  .Num("leakEvents", static_cast<double>(s.events))
                  .Done());
  }
  Napi::Array horizons = Napi::Array::New(env, r.horizon_total);
  for (uint32_t i = 0; i < r.horizon_total; i++) {
    if (horizons.Set(i, Napi::Number::New(env, r.horizons_ms[i])).IsNothing())
      return Napi::Value();
  }
  return ObjectBuilder(env)
      .Str("sensitivity", SensitivityName(r.sensitivity))
      .Set("horizonsMs", horizons)
      .Set("samples", samples.Done())
      .Num("probesRequested", static_cast<double>(r.stats.probes_requested))
      .Num("leakEvents", static_cast<double>(r.stats.events_emitted))
      .Num("episodes", static_cast<double>(r.stats.episodes))
      .Num("episodesEnded", static_cast<double>(r.stats.episodes_ended))
      .Num("rssRestarts", static_cast<double>(r.stats.rss_restarts))
      .Set("kinds", kinds.Done())
      .Done();
}

Napi::Value GcCountersToJs(Napi::Env env, const GcStatsSnapshot& s) {
  ObjectBuilder gc(env);
  for (int i = 0; i < GcStatsSnapshot::kTypes; i++) {
    const GcTypeCounters& c = s.by_type[i];
    Napi::Array buckets = Napi::Array::New(env, kGcDurationBounds + 1);
    for (size_t b = 0; b <= kGcDurationBounds; b++) {
      if (buckets
              .Set(static_cast<uint32_t>(b),
                   Napi::Number::New(env, static_cast<double>(c.buckets[b])))
              .IsNothing()) {
        return Napi::Value();
      }
    }
    gc.Set(GcTypeName(1u << i),
           ObjectBuilder(env)
               .Num("count", static_cast<double>(c.count))
               .Num("totalPauseMs", c.total_pause_ms)
               .Num("maxPauseMs", c.max_pause_ms)
               .Set("buckets", buckets)
               .Done());
  }
  return MemwatchStats(gc, s)
      .Num("totalPauseMs", s.total_pause_ms)
      .Num("maxPauseMs", s.max_pause_ms)
      .Done();
}

}  // namespace

Napi::Value EventToJs(Napi::Env env, const OutEvent& event) {
  ObjectBuilder out(env);
  switch (event.kind) {
    case OutEvent::Kind::kGc:
      return out.Str("event", "gc").Set("data", GcToJs(env, event)).Done();
    case OutEvent::Kind::kStats:
      return out.Str("event", "stats")
          .Set("data", StatsToJs(env, event))
          .Done();
    case OutEvent::Kind::kLeak:
      if (event.leak.ended()) {
        return out.Str("event", "leakEnd")
            .Set("data", LeakEndToJs(env, event))
            .Done();
      }
      return out.Str("event", "leak").Set("data", LeakToJs(env, event)).Done();
    case OutEvent::Kind::kWatch:
      return out.Str("event", "watch")
          .Set("data",
               ObjectBuilder(env)
                   .Str("kind", SampleKindName(event.watch_kind))
                   .Bool("watching", event.watching)
                   .Done())
          .Done();
  }
  return env.Undefined();
}

Napi::Value TimelineToJs(Napi::Env env, Instance* instance) {
  MonitorThread* monitor = instance->monitor();
  ObjectBuilder kinds(env);
  std::vector<TimelinePoint> points;
  // One offset from the monotonic clock to the wall clock for all kinds.
  const double to_wall = WallMs(0);
  for (size_t k = 0; k < kSampleKindCount; k++) {
    const SampleKind kind = static_cast<SampleKind>(k);
    points.clear();
    double bucket_ms = TimelineSeries::kBaseBucketMs;
    uint64_t dropped = 0;
    if (monitor != nullptr)
      monitor->ReadTimeline(kind, &points, &bucket_ms, &dropped);
    // [time (ms since the epoch), lowest, highest] per bucket.
    Napi::Float64Array flat = Napi::Float64Array::New(env, points.size() * 3);
    if (flat.IsEmpty())
      return Napi::Value();
    for (size_t i = 0; i < points.size(); i++) {
      flat[3 * i] = to_wall + points[i].t_ms;
      flat[3 * i + 1] = points[i].min;
      flat[3 * i + 2] = points[i].max;
    }
    kinds.Set(SampleKindName(kind),
              ObjectBuilder(env)
                  .Num("bucketMs", bucket_ms)
                  .Num("dropped", static_cast<double>(dropped))
                  .Set("points", flat)
                  .Done());
  }
  return ObjectBuilder(env)
      .Num("bytes", static_cast<double>(Timeline::kBytes))
      .Set("kinds", kinds.Done())
      .Done();
}

// V8's heap spaces as v8.getHeapSpaceStatistics() names them; `full` adds
// the available and physical sizes (heapStats()), which the metrics' narrow
// read does not export. Empty when the environment is going away.
static Napi::Value SpacesToJs(Napi::Env env, v8::Isolate* isolate, bool full) {
  const size_t n = isolate->NumberOfHeapSpaces();
  Napi::Array list = Napi::Array::New(env, n);
  for (size_t i = 0; i < n; i++) {
    v8::HeapSpaceStatistics ss;
    if (!isolate->GetHeapSpaceStatistics(&ss, i))
      continue;
    ObjectBuilder space(env);
    space.Str("space_name", ss.space_name())
        .Num("space_size", ss.space_size())
        .Num("space_used_size", ss.space_used_size());
    if (full) {
      space.Num("space_available_size", ss.space_available_size())
          .Num("physical_space_size", ss.physical_space_size());
    }
    Napi::Value value = space.Done();
    if (value.IsEmpty() ||
        list.Set(static_cast<uint32_t>(i), value).IsNothing()) {
      return Napi::Value();
    }
  }
  return list;
}

// What leakguard/prometheus and leakguard/otel export, and nothing else:
// no V8 heap statistics, no RSS read from /proc, no detector samples or
// horizons. A scrape used to read all of heapStats() (docs/overhead.md).
// `gc`: the per-type counters; `spaces`: V8's heap spaces.
Napi::Value MetricsStateToJs(Napi::Env env,
                             Instance* instance,
                             bool gc,
                             bool spaces) {
  ObjectBuilder kinds(env);
  DetectorReport detector;
  GcStatsSnapshot counters;
  if (instance->monitor() != nullptr) {
    detector = instance->monitor()->Detector();
    if (gc)
      counters = instance->monitor()->Stats();
  }
  for (size_t k = 0; k < kSampleKindCount; k++) {
    const KindStats& s = detector.stats.kinds[k];
    kinds.Set(SampleKindName(static_cast<SampleKind>(k)),
              ObjectBuilder(env)
                  .Num("estimatedBase", s.estimated_base)
                  .Num("bytesPerSecond", s.usage_trend)
                  .Num("confidence", s.confidence)
                  .Bool("leaking", s.in_episode)
                  .Num("timeToLimitMs", s.time_to_limit.ms)
                  .Num("leakEvents", static_cast<double>(s.events))
                  .Done());
  }
  const double dropped_records =
      instance->hooks() != nullptr
          ? static_cast<double>(instance->hooks()->ring()->dropped())
          : 0.0;
  ObjectBuilder out(env);
  out.Bool("monitoring", instance->monitoring())
      .Set("detector", ObjectBuilder(env).Set("kinds", kinds.Done()).Done())
      .Num("droppedRecords", dropped_records)
      .Num("droppedEvents", static_cast<double>(instance->dropped_events()));
  if (gc)
    out.Set("gc", GcCountersToJs(env, counters));
  if (spaces) {
    Napi::Value list = SpacesToJs(env, instance->isolate(), false);
    if (list.IsEmpty())
      return Napi::Value();
    out.Set("spaces", list);
  }
  return out.Done();
}

Napi::Value HeapStatsToJs(Napi::Env env, Instance* instance) {
  v8::Isolate* isolate = instance->isolate();
  v8::HeapStatistics hs;
  isolate->GetHeapStatistics(&hs);
  // V8's own names, as in v8.getHeapStatistics().
  Napi::Value heap =
      ObjectBuilder(env)
          .Num("total_heap_size", hs.total_heap_size())
          .Num("total_heap_size_executable", hs.total_heap_size_executable())
          .Num("total_physical_size", hs.total_physical_size())
          .Num("total_available_size", hs.total_available_size())
          .Num("used_heap_size", hs.used_heap_size())
          .Num("heap_size_limit", hs.heap_size_limit())
          .Num("malloced_memory", hs.malloced_memory())
          .Num("peak_malloced_memory", hs.peak_malloced_memory())
          .Num("external_memory", hs.external_memory())
          .Num("number_of_native_contexts", hs.number_of_native_contexts())
          .Num("number_of_detached_contexts", hs.number_of_detached_contexts())
          .Num("total_global_handles_size", hs.total_global_handles_size())
          .Num("used_global_handles_size", hs.used_global_handles_size())
          .Done();

  Napi::Value spaces = SpacesToJs(env, isolate, true);
  if (spaces.IsEmpty())
    return Napi::Value();

  GcStatsSnapshot counters;
  DetectorReport detector;
  if (instance->monitor() != nullptr) {
    counters = instance->monitor()->Stats();
    detector = instance->monitor()->Detector();
  }
  size_t rss = 0;
  uv_resident_set_memory(&rss);
  const double dropped_records =
      instance->hooks() != nullptr
          ? static_cast<double>(instance->hooks()->ring()->dropped())
          : 0.0;
  return ObjectBuilder(env)
      .Bool("monitoring", instance->monitoring())
      .Set("heap", heap)
      .Set("spaces", spaces)
      .Set("gc", GcCountersToJs(env, counters))
      .Set("detector", DetectorToJs(env, detector))
      .Num("rss", static_cast<double>(rss))
      .Num("external", hs.external_memory())
      .Num("droppedRecords", dropped_records)
      .Num("droppedEvents", static_cast<double>(instance->dropped_events()))
      .Num("ringCapacity", static_cast<double>(instance->ring_capacity()))
      .Done();
}

}  // namespace leakguard
