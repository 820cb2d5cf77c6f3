// Module init: creates the environment's Instance and exports the binding
// functions that lib/binding.js forwards to. Option names, ranges and
// defaults are the option tables' (options_table.h); lib/options.js
// validates against them and fills the defaults, and the reading here
// asserts that what arrived is complete and in range.
#include <napi.h>
#include <uv.h>
#include <v8.h>

#include <string>

#include "addon/analysis/allocation_profile.h"
#include "addon/analysis/analyze.h"
#include "addon/analysis/heap_capture.h"
#include "addon/errors.h"
#include "addon/exports.h"
#include "addon/instance.h"
#include "addon/options_table.h"
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
  if (InitErrors(env, exports) && InitOptionsTable(env, exports) &&
      InitCoreFunctions(env, exports) &&
      InitSnapshotBindings(env, exports) &&
      InitAnalyze(env, exports) && InitHeapCapture(env, exports)) {
    InitAllocationProfile(env, exports);
  }
  return exports;
}

}  // namespace leakguard

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  return leakguard::Init(env, exports);
}

NODE_API_MODULE(leakguard, InitModule)
