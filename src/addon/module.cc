// Module init: creates the environment's Instance and exports the binding
// functions that lib/binding.js forwards to. Every function here validates
// only what it must to stay memory-safe; option policy (names, ranges,
// defaults, messages) lives in lib/options.js.
#include <napi.h>
#include <uv.h>
#include <v8.h>

#include <string>

#include "addon/analysis/analyze.h"
#include "addon/exports.h"
#include "addon/analysis/heap_capture.h"
#include "addon/instance.h"

namespace leakguard {

namespace {

// Errors become JS here: a libuv code becomes an Error naming the syscall.
void ThrowUvError(Napi::Env env, int err, const char* syscall) {
  std::string message = std::string(syscall) + " failed: " + uv_strerror(err);
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("code", Napi::String::New(env, uv_err_name(err)));
  error.Set("syscall", Napi::String::New(env, syscall));
  error.ThrowAsJavaScriptException();
}

// Reads a number property; `*present` says whether it was given at all.
bool ReadNumber(Napi::Env env,
                Napi::Object o,
                const char* key,
                double* out,
                bool* present) {
  Napi::Value v;
  if (!o.Get(key).UnwrapTo(&v))
    return false;
  *present = !v.IsUndefined();
  if (!*present)
    return true;
  if (!v.IsNumber()) {
    Napi::TypeError::New(env,
                         std::string("binding: ") + key + " must be a number")
        .ThrowAsJavaScriptException();
    return false;
  }
  *out = v.As<Napi::Number>().DoubleValue();
  return true;
}

// The detector's options: the sensitivity's preset, then each option given.
// lib/options.js checked names and ranges; the core checks again and its
// message becomes a RangeError.
bool ReadDetectorOptions(Napi::Env env, Napi::Object o, DetectorOptions* out) {
  Napi::Value sensitivity;
  if (!o.Get("sensitivity").UnwrapTo(&sensitivity))
    return false;
  Sensitivity level = Sensitivity::kMedium;
  if (sensitivity.IsString()) {
    const std::string name = sensitivity.As<Napi::String>().Utf8Value();
    if (name == "low")
      level = Sensitivity::kLow;
    else if (name == "high")
      level = Sensitivity::kHigh;
  }
  DetectorOptions d = DetectorOptions::Preset(level);
  struct Field {
    const char* key;
    double* target;
  };
  double min_growth = static_cast<double>(d.min_growth_bytes);
  const Field fields[] = {
      {"minGrowthBytes", &min_growth},
      {"minRelativeGrowth", &d.min_relative_growth},
      {"windowMs", &d.window_ms},
      {"warmupMs", &d.warmup_ms},
      {"minLeakIntervalMs", &d.min_leak_interval_ms},
      {"probeIntervalMs", &d.probe_interval_ms},
  };
  for (const Field& f : fields) {
    bool present = false;
    if (!ReadNumber(env, o, f.key, f.target, &present))
      return false;
  }
  d.min_growth_bytes = min_growth > 0 ? static_cast<uint64_t>(min_growth) : 0;
  // A short window cannot need a longer span than it holds: the sensitivity's
  // span shrinks to half the window.
  if (d.min_span_ms > d.window_ms / 2)
    d.min_span_ms = d.window_ms / 2;
  Status status = ValidateDetectorOptions(d);
  if (!status.ok()) {
    Napi::RangeError::New(env, "leakguard: " + status.message())
        .ThrowAsJavaScriptException();
    return false;
  }
  *out = d;
  return true;
}

bool ReadConfig(const Napi::CallbackInfo& info, StartConfig* config) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) {
    Napi::TypeError::New(env, "binding: config object expected")
        .ThrowAsJavaScriptException();
    return false;
  }
  Napi::Object o = info[0].As<Napi::Object>();
  // Sizes and intervals: lib/options.js checked their ranges.
  auto read = [&](const char* key, uint64_t* out) {
    double d = 0;
    bool present = false;
    if (!ReadNumber(env, o, key, &d, &present))
      return false;
    if (!present) {
      Napi::TypeError::New(env, std::string("binding: ") + key + " missing")
          .ThrowAsJavaScriptException();
      return false;
    }
    *out = d > 0 ? static_cast<uint64_t>(d) : 1;
    return true;
  };
  uint64_t ring = 0, queue = 0, sample = 0;
  if (!read("ringCapacity", &ring) || !read("maxQueuedEvents", &queue) ||
      !read("sampleIntervalMs", &sample)) {
    return false;
  }
  config->ring_capacity = static_cast<size_t>(ring);
  config->max_queued_events = static_cast<size_t>(queue);
  config->monitor.sample_interval_ms = sample;
  return ReadDetectorOptions(env, o, &config->monitor.detector);
}

Napi::Value Start(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  StartConfig config;
  if (!ReadConfig(info, &config))
    return Napi::Value();
  if (info.Length() < 2 || !info[1].IsFunction()) {
    Napi::TypeError::New(env, "binding: onEvents function expected")
        .ThrowAsJavaScriptException();
    return Napi::Value();
  }
  const int err =
      Instance::Get(env)->StartMonitoring(config, info[1].As<Napi::Function>());
  if (err != 0)
    ThrowUvError(env, err, "uv_thread_create");
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

Napi::Value SetGcEvents(const Napi::CallbackInfo& info) {
  Instance::Get(info.Env())
      ->SetGcEvents(info.Length() > 0 && info[0].IsBoolean() &&
                    info[0].As<Napi::Boolean>().Value());
  return info.Env().Undefined();
}

Napi::Value HeapStats(const Napi::CallbackInfo& info) {
  return HeapStatsToJs(info.Env(), Instance::Get(info.Env()));
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
                           {"heapStats", HeapStats},
                           {"gc", Gc},
                           {"isMonitoring", IsMonitoring},
                       })) {
    return exports;
  }
  // Each stops at its first failure, and so does the chain (see
  // ExportFunctions: the environment is going away).
  if (InitSnapshotBindings(env, exports) && InitAnalyze(env, exports))
    InitHeapCapture(env, exports);
  return exports;
}

}  // namespace leakguard

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  return leakguard::Init(env, exports);
}

NODE_API_MODULE(leakguard, InitModule)
