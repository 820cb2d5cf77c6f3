// Module init: creates the environment's Instance and exports the binding
// functions that lib/binding.js forwards to. Option names, ranges and
// defaults are the option tables' (options_table.h); lib/options.js
// validates against them and fills the defaults, and the reading here
// asserts that what arrived is complete and in range.
#include <napi.h>
#include <uv.h>
#include <v8.h>

#include <string>
#include <vector>

#include "addon/analysis/analyze.h"
#include "addon/analysis/heap_capture.h"
#include "addon/env/instance.h"
#include "addon/files/files_binding.h"
#include "addon/monitor/monitor_thread.h"
#include "addon/napi/errors.h"
#include "addon/napi/exports.h"
#include "addon/options/options_table.h"
#include "addon/sampling/allocation_profile.h"
#include "addon/snapshot/snapshot_binding.h"

namespace leakguard {

// core_functions.cc
bool InitCoreFunctions(Napi::Env env, Napi::Object exports);

namespace {

bool ReadConfig(const Napi::CallbackInfo& info, StartConfig* config) {
  if (info.Length() < 1 || !info[0].IsObject()) {
    return ThrowAssertion(info.Env(), "config object expected");
  }
  return ReadStartConfig(info.Env(), info[0].As<Napi::Object>(), config);
}

Napi::Value Start(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  StartConfig config;
  if (!ReadConfig(info, &config))
    return Napi::Value();
  if (info.Length() < 2 || !info[1].IsFunction()) {
    ThrowAssertion(env, "onEvents function expected");
    return Napi::Value();
  }
  const UvResult started =
      Instance::Get(env)->StartMonitoring(config, info[1].As<Napi::Function>());
  if (!started.ok())
    ThrowUvError(env, started.error, started.syscall);
  return env.Undefined();
}

Napi::Value Stop(const Napi::CallbackInfo& info) {
  Instance::Get(info.Env())->StopMonitoring();
  return info.Env().Undefined();
}

Napi::Value Configure(const Napi::CallbackInfo& info) {
  StartConfig config;
  if (!ReadConfig(info, &config))
    return Napi::Value();
  Instance::Get(info.Env())->Configure(config);
  return info.Env().Undefined();
}

// Argument i as a flag: true only for the boolean true (lib/ passes it).
bool FlagArg(const Napi::CallbackInfo& info, size_t i) {
  return info.Length() > i && info[i].IsBoolean() &&
         info[i].As<Napi::Boolean>().Value();
}

Napi::Value SetGcEvents(const Napi::CallbackInfo& info) {
  Instance::Get(info.Env())->SetGcEvents(FlagArg(info, 0));
  return info.Env().Undefined();
}

Napi::Value SetStatsWake(const Napi::CallbackInfo& info) {
  Instance::Get(info.Env())->SetStatsWake(FlagArg(info, 0));
  return info.Env().Undefined();
}

Napi::Value HeapStats(const Napi::CallbackInfo& info) {
  return HeapStatsToJs(info.Env(), Instance::Get(info.Env()));
}

// metricsState(gc, spaces): the narrow read of lib/metrics/read.js.
Napi::Value MetricsState(const Napi::CallbackInfo& info) {
  return MetricsStateToJs(info.Env(),
                          Instance::Get(info.Env()),
                          FlagArg(info, 0),
                          FlagArg(info, 1));
}

Napi::Value GetTimeline(const Napi::CallbackInfo& info) {
  return TimelineToJs(info.Env(), Instance::Get(info.Env()));
}

// gcDurations(cursor): the pauses of the collections after `cursor` (0 at
// first), oldest first, for leakguard/otel's v8js.gc.duration histogram:
// { cursor, lost, seconds: Float64Array, types: string[] }. The first call
// turns the log on (GcDurationLog: 32 KiB per isolate). At most one ring's
// worth per call; `lost` counts what was overwritten before it was read.
Napi::Value GcDurations(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  MonitorThread* monitor = Instance::Get(env)->monitor();
  uint64_t cursor = 0;
  if (info.Length() > 0 && info[0].IsNumber()) {
    const double c = info[0].As<Napi::Number>().DoubleValue();
    if (c > 0 && c < 9007199254740992.0)
      cursor = static_cast<uint64_t>(c);
  }
  std::vector<GcDurationLog::Entry> entries;
  uint64_t lost = 0;
  if (monitor != nullptr) {
    monitor->EnableGcDurations();
    cursor = monitor->ReadGcDurations(
        cursor, GcDurationLog::kCapacity, &entries, &lost);
  }
  Napi::Float64Array seconds = Napi::Float64Array::New(env, entries.size());
  Napi::Array types = Napi::Array::New(env, entries.size());
  for (size_t i = 0; i < entries.size(); i++) {
    seconds[i] = entries[i].seconds;
    if (types
            .Set(
                static_cast<uint32_t>(i),
                Napi::String::New(env, GcTypeName(1u << entries[i].type_index)))
            .IsNothing()) {
      return Napi::Value();
    }
  }
  Napi::Object out = Napi::Object::New(env);
  if (out.Set("cursor", Napi::Number::New(env, static_cast<double>(cursor)))
          .IsNothing() ||
      out.Set("lost", Napi::Number::New(env, static_cast<double>(lost)))
          .IsNothing() ||
      out.Set("seconds", seconds).IsNothing() ||
      out.Set("types", types).IsNothing()) {
    return Napi::Value();
  }
  return out;
}

// gcDurationBounds(): the upper bounds (seconds) of heapStats().gc[type]
// .buckets, kGcDurationBoundsS, so that lib/metrics/read.js labels the buckets
// the addon counts with the bounds it counted them by.
Napi::Value GcDurationBounds(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array out = Napi::Array::New(env, kGcDurationBounds);
  for (size_t i = 0; i < kGcDurationBounds; i++) {
    if (out.Set(static_cast<uint32_t>(i), kGcDurationBoundsS[i]).IsNothing())
      return Napi::Value();
  }
  return out;
}

// A full, compacting collection without --expose-gc. LowMemoryNotification
// runs several full GCs until no more memory is freed, so weakly held and
// finalizable garbage is gone when it returns.
Napi::Value Gc(const Napi::CallbackInfo& info) {
  Instance::Get(info.Env())->isolate()->LowMemoryNotification();
  return info.Env().Undefined();
}

Napi::Value IsMonitoring(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(),
                            Instance::Get(info.Env())->monitoring());
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  Instance* instance = new Instance(env, isolate);
  env.SetInstanceData<Instance>(instance);

  if (!ExportFunctions(env,
                       exports,
                       {
                           {"start", Start},
                           {"stop", Stop},
                           {"configure", Configure},
                           {"setGcEvents", SetGcEvents},
                           {"setStatsWake", SetStatsWake},
                           {"heapStats", HeapStats},
                           {"metricsState", MetricsState},
                           {"timeline", GetTimeline},
                           {"gcDurations", GcDurations},
                           {"gcDurationBounds", GcDurationBounds},
                           {"gc", Gc},
                           {"isMonitoring", IsMonitoring},
                       })) {
    return exports;
  }
  // Node's main thread runs uv_default_loop(); a worker runs a loop of its
  // own. lib/thread.js reads this instead of loading worker_threads, which
  // brings streams and messaging (~2 MB) into a main thread without them.
  uv_loop_t* loop = nullptr;
  napi_value main_thread = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok ||
      napi_get_boolean(env, loop == uv_default_loop(), &main_thread) !=
          napi_ok ||
      napi_set_named_property(env, exports, "mainThread", main_thread) !=
          napi_ok) {
    return exports;
  }
  // Each stops at its first failure, and so does the chain (see
  // ExportFunctions: the environment is going away).
  if (InitErrors(env, exports) && InitOptionsTable(env, exports) &&
      InitCoreFunctions(env, exports) && InitSnapshotBindings(env, exports) &&
      InitFileBindings(env, exports) && InitAnalyze(env, exports) &&
      InitHeapCapture(env, exports)) {
    InitAllocationProfile(env, exports);
  }
  return exports;
}

}  // namespace leakguard

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  return leakguard::Init(env, exports);
}

NODE_API_MODULE(leakguard, InitModule)
