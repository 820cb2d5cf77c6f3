// The snapshot functions of the binding, and snapshot results as JS
// objects. Option policy (names, ranges, defaults, messages) lives in
// lib/options.js; here we read what lib/snapshot/snapshots.js passes and check
// only what memory safety needs. Errors become JS objects in one place:
// SnapshotResultToJs, whose fields lib/snapshot/snapshots.js turns into an
// Error.
#include "addon/snapshot/snapshot_binding.h"

#include <unistd.h>
#include <uv.h>

#include <string>

#include "addon/env/instance.h"
#include "addon/napi/errors.h"
#include "addon/napi/exports.h"
#include "addon/napi/raw_object.h"
#include "addon/snapshot/snapshot_controller.h"

namespace leakguard {

namespace {

class Reader {
 public:
  Reader(Napi::Env env, Napi::Object object) : env_(env), object_(object) {}

  bool Number(const char* key, double* out) {
    Napi::Value v;
    if (!ok_ || !object_.Get(key).UnwrapTo(&v))
      return ok_ = false;
    if (v.IsUndefined())
      return true;
    if (!v.IsNumber())
      return Fail(key, "a number");
    *out = v.As<Napi::Number>().DoubleValue();
    return true;
  }
  bool U64(const char* key, uint64_t* out) {
    double d = static_cast<double>(*out);
    if (!Number(key, &d))
      return false;
    *out = d > 0 ? static_cast<uint64_t>(d) : 0;
    return true;
  }
  bool Bool(const char* key, bool* out) {
    Napi::Value v;
    if (!ok_ || !object_.Get(key).UnwrapTo(&v))
      return ok_ = false;
    if (v.IsUndefined())
      return true;
    if (!v.IsBoolean())
      return Fail(key, "a boolean");
    *out = v.As<Napi::Boolean>().Value();
    return true;
  }
  bool String(const char* key, std::string* out) {
    Napi::Value v;
    if (!ok_ || !object_.Get(key).UnwrapTo(&v))
      return ok_ = false;
    if (v.IsUndefined())
      return true;
    if (!v.IsString())
      return Fail(key, "a string");
    *out = v.As<Napi::String>().Utf8Value();
    return true;
  }
  bool ok() const { return ok_; }

 private:
  bool Fail(const char* key, const char* what) {
    ok_ = false;
    return ThrowAssertion(env_, std::string(key) + " must be " + what);
  }

  Napi::Env env_;
  Napi::Object object_;
  bool ok_ = true;
};

bool ReadRequest(Reader* in, SnapshotRequest* r) {
  double max_files = 0;
  double thread_id = 0;
  in->U64("id", &r->id);
  in->String("dir", &r->dir);
  in->String("nameTemplate", &r->name_template);
  in->String("reason", &r->reason);
  in->U64("minFreeDiskBytes", &r->min_free_disk_bytes);
  in->Number("maxFiles", &max_files);
  in->Bool("ignoreHeadroom", &r->ignore_headroom);
  in->Number("threadId", &thread_id);
  in->U64("failAfterBytes", &r->fail_after_bytes);
  r->max_files = max_files > 0 ? static_cast<size_t>(max_files) : 0;
  r->thread_id = static_cast<int64_t>(thread_id);
  return in->ok();
}

bool ObjectArg(const Napi::CallbackInfo& info, Napi::Object* out) {
  if (info.Length() < 1 || !info[0].IsObject()) {
    return ThrowAssertion(info.Env(), "options object expected");
  }
  *out = info[0].As<Napi::Object>();
  return true;
}

SnapshotController* Controller(Napi::Env env) {
  return Instance::Get(env)->snapshots();
}

// snapshotInit(onResults, onProfileRequests): the functions that receive
// batches of snapshot results and of `leakguard profile` requests.
Napi::Value SnapshotInit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsFunction() || !info[1].IsFunction()) {
    ThrowAssertion(env, "onResults and onProfileRequests functions expected");
    return Napi::Value();
  }
  SnapshotController* c = Controller(env);
  if (c == nullptr) {
    // Only after teardown began, when nothing runs JS any more.
    ThrowAssertion(env, "snapshotInit after the environment was disposed");
    return Napi::Value();
  }
  const int err =
      c->Init(info[0].As<Napi::Function>(), info[1].As<Napi::Function>());
  if (err != 0)
    ThrowUvError(env, err, "uv_async_init");
  return env.Undefined();
}

// writeSnapshot(request): takes the snapshot now; the result (success or
// failure) arrives through onResults with request.id.
Napi::Value WriteSnapshot(const Napi::CallbackInfo& info) {
  Napi::Object o;
  if (!ObjectArg(info, &o))
    return Napi::Value();
  Reader in(info.Env(), o);
  SnapshotRequest request;
  request.trigger = SnapshotTrigger::kApi;
  if (!ReadRequest(&in, &request))
    return Napi::Value();
  if (SnapshotController* c = Controller(info.Env()))
    c->WriteNow(request);
  return info.Env().Undefined();
}

Napi::Value EnableSnapshots(const Napi::CallbackInfo& info) {
  Napi::Object o;
  if (!ObjectArg(info, &o))
    return Napi::Value();
  Reader in(info.Env(), o);
  SnapshotConfig config;
  double signal = 0;
  if (!ReadRequest(&in, &config.base) || !in.Number("signal", &signal) ||
      !in.U64("cooldownMs", &config.cooldown_ms) ||
      !in.U64("heapUsedBytes", &config.heap_used_bytes) ||
      !in.Number("heapUsedPercent", &config.heap_used_percent) ||
      !in.U64("rssBytes", &config.rss_bytes) ||
      !in.Bool("nearHeapLimit", &config.near_heap_limit)) {
    return Napi::Value();
  }
  config.signal = signal > 0 && signal < 65 ? static_cast<int>(signal) : 0;
  Instance* instance = Instance::Get(info.Env());
  SnapshotController* c = instance->snapshots();
  if (c == nullptr)
    return info.Env().Undefined();  // the environment is being torn down
  c->Configure(config);
  // The monitor thread watches the signal; tell it to look again.
  if (instance->monitor() != nullptr)
    instance->monitor()->SetSnapshotController(instance->snapshots());
  return info.Env().Undefined();
}

Napi::Value DisableSnapshots(const Napi::CallbackInfo& info) {
  Instance* instance = Instance::Get(info.Env());
  SnapshotController* c = instance->snapshots();
  if (c == nullptr)
    return info.Env().Undefined();
  c->Disable();
  if (instance->monitor() != nullptr)
    instance->monitor()->SetSnapshotController(instance->snapshots());
  return info.Env().Undefined();
}

// requestSnapshot('leak'): an automatic trigger from JS, subject to the
// cooldown like the others.
Napi::Value RequestSnapshot(const Napi::CallbackInfo& info) {
  if (SnapshotController* c = Controller(info.Env()))
    c->RequestFromJs(SnapshotTrigger::kLeak);
  return info.Env().Undefined();
}

Napi::Value MetricsToJs(Napi::Env env, SnapshotController* c);

Napi::Value SnapshotStats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SnapshotController* c = Controller(env);
  const SnapshotController::Stats s =
      c != nullptr ? c->stats() : SnapshotController::Stats();
  Napi::Object o = Napi::Object::New(env);
  struct {
    const char* key;
    double value;
  } numbers[] = {
      {"taken", static_cast<double>(s.taken)},
      {"failed", static_cast<double>(s.failed)},
      {"skipped", static_cast<double>(s.skipped)},
      {"signals", static_cast<double>(s.signals)},
      {"profileRequests", static_cast<double>(s.profile_requests)},
      {"profileRequestsRefused", static_cast<double>(s.profile_refused)},
      {"signalWatchers", static_cast<double>(s.signal_watchers)},
  };
  for (const auto& n : numbers) {
    if (o.Set(n.key, Napi::Number::New(env, n.value)).IsNothing())
      return Napi::Value();
  }
  if (o.Set("enabled", Napi::Boolean::New(env, s.enabled)).IsNothing() ||
      o.Set("nearHeapLimitArmed",
            Napi::Boolean::New(env, s.near_heap_limit_armed))
          .IsNothing()) {
    return Napi::Value();
  }
  if (o.Set("metrics", MetricsToJs(env, c)).IsNothing())
    return Napi::Value();
  return o;
}

// snapshotStats().metrics: { outcomes: { <trigger>: { written, headroom,
// disk, cooldown, failed } }, pauseSeconds: { bounds, buckets, sum, count },
// lastBytes }. Zeros before enableSnapshots() or writeSnapshot().
Napi::Value MetricsToJs(Napi::Env env, SnapshotController* c) {
  const SnapshotController::Metrics m =
      c != nullptr ? c->metrics() : SnapshotController::Metrics();
  Napi::Object outcomes = Napi::Object::New(env);
  const SnapshotTrigger triggers[] = {SnapshotTrigger::kApi,
                                      SnapshotTrigger::kSignal,
                                      SnapshotTrigger::kThreshold,
                                      SnapshotTrigger::kNearHeapLimit,
                                      SnapshotTrigger::kLeak};
  for (SnapshotTrigger t : triggers) {
    const SnapshotController::Outcomes& x = m.outcomes[static_cast<int>(t)];
    Napi::Object one = Napi::Object::New(env);
    if (one.Set("written", static_cast<double>(x.written)).IsNothing() ||
        one.Set("headroom", static_cast<double>(x.headroom)).IsNothing() ||
        one.Set("disk", static_cast<double>(x.disk)).IsNothing() ||
        one.Set("cooldown", static_cast<double>(x.cooldown)).IsNothing() ||
        one.Set("failed", static_cast<double>(x.failed)).IsNothing() ||
        outcomes.Set(SnapshotTriggerName(t), one).IsNothing()) {
      return Napi::Value();
    }
  }
  const int nb = SnapshotController::kPauseBounds;
  Napi::Array bounds = Napi::Array::New(env, nb);
  Napi::Array buckets = Napi::Array::New(env, nb + 1);
  for (int i = 0; i <= nb; i++) {
    if ((i < nb && bounds
                       .Set(static_cast<uint32_t>(i),
                            SnapshotController::kPauseBoundsS[i])
                       .IsNothing()) ||
        buckets
            .Set(static_cast<uint32_t>(i),
                 static_cast<double>(m.pause_buckets[i]))
            .IsNothing()) {
      return Napi::Value();
    }
  }
  Napi::Object pause = Napi::Object::New(env);
  Napi::Object out = Napi::Object::New(env);
  if (pause.Set("bounds", bounds).IsNothing() ||
      pause.Set("buckets", buckets).IsNothing() ||
      pause.Set("sum", m.pause_sum_s).IsNothing() ||
      pause.Set("count", static_cast<double>(m.pause_count)).IsNothing() ||
      out.Set("outcomes", outcomes).IsNothing() ||
      out.Set("pauseSeconds", pause).IsNothing() ||
      out.Set("lastBytes", static_cast<double>(m.last_bytes)).IsNothing()) {
    return Napi::Value();
  }
  return out;
}

// validateNameTemplate(t): '' when valid, else why not (src/core decides,
// so JS and C++ cannot disagree).
Napi::Value ValidateTemplate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString())
    return Napi::String::New(env, "snapshot name template must be a string");
  const Status s = ValidateNameTemplate(info[0].As<Napi::String>().Utf8Value());
  return Napi::String::New(env, s.ok() ? "" : s.message());
}

}  // namespace

bool ReadSnapshotRequest(Napi::Env env,
                         Napi::Object object,
                         SnapshotRequest* request) {
  Reader in(env, object);
  return ReadRequest(&in, request);
}

ErrorInfo ResultError(const SnapshotResult& r) {
  ErrorInfo e;
  e.status = r.code;
  e.message = r.message;
  e.error = r.io.error;
  e.syscall = r.io.syscall;
  e.path = r.io.path;
  e.no_disk = r.no_disk;
  e.refused = r.refused != nullptr;
  return e;
}

napi_value ProfileRequestToJs(napi_env env, const ProfileRequest& r) {
  RawObject o(env);
  o.Str("dir", r.dir).Bool("ok", r.ok());
  if (r.ok())
    o.Str("request", r.text);
  else
    o.Str("message", r.message);
  return o.Done();
}

napi_value SnapshotResultToJs(napi_env env, const SnapshotResult& r) {
  RawObject o(env);
  o.Num("id", static_cast<double>(r.request.id))
      .Bool("ok", r.ok())
      .Str("trigger", SnapshotTriggerName(r.request.trigger))
      .Str("reason", r.request.reason)
      .Str("dir", r.request.dir)
      .Num("time", static_cast<double>(r.unix_ms))
      .Num("heapUsed", static_cast<double>(r.heap_used))
      .Num("estimatedBytes", static_cast<double>(r.estimated_bytes))
      .Num("headroomBytes", static_cast<double>(r.headroom_bytes))
      .Num("skipped", static_cast<double>(r.skipped))
      .Num("totalMs", r.total_ms);
  if (r.ok()) {
    o.Str("path", r.path)
        .Num("bytes", static_cast<double>(r.bytes))
        .Num("nodes", static_cast<double>(r.nodes))
        .Num("edges", static_cast<double>(r.edges))
        .Num("pauseMs", r.pause_ms)
        .Num("captureMs", r.capture_ms)
        .Strings("removed", r.removed);
    if (!r.retention.ok()) {
      ErrorInfo e;
      e.status = r.retention.code();
      e.message = r.retention.message();
      e.error = r.retention_io.error;
      e.syscall = r.retention_io.syscall;
      e.path = r.retention_io.path;
      o.Value("retentionError", MakeError(env, e));
    }
  } else {
    o.Str("code", ErrorCodeFor(ResultError(r))).Str("message", r.message);
    if (r.refused != nullptr) {
      o.Str("refused", r.refused)
          .Num("retryMs", static_cast<double>(r.retry_ms));
    }
    if (r.io.error != 0) {
      o.Str("syscall", r.io.syscall)
          .Str("path", r.io.path)
          .Num("errno", -r.io.error);
    }
  }
  return o.Done();
}

// estimateSnapshotPauseMs(heapUsed): the pause a capture of that heap
// would cost, from the cost model every capture feeds.
Napi::Value EstimatePause(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) {
    ThrowAssertion(env, "estimateSnapshotPauseMs(heapUsed) expected");
    return Napi::Value();
  }
  const double heap_used = info[0].As<Napi::Number>().DoubleValue();
  SnapshotController* c = Controller(env);
  const CaptureCostModel model = c != nullptr ? c->cost() : CaptureCostModel();
  return Napi::Number::New(
      env,
      model.EstimatePauseMs(heap_used > 0 ? static_cast<uint64_t>(heap_used)
                                          : 0));
}

// checkSnapshotDirectory(dir): '' when snapshots may be written there (the
// directory is created 0700 if missing), else why not; for
// enableSnapshots() to refuse at the call. Each write checks again, on the
// descriptor it writes through (OpenSnapshotDirectory).
Napi::Value CheckDirectory(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) {
    ThrowAssertion(env, "checkSnapshotDirectory(dir) expected");
    return Napi::Value();
  }
  int fd = -1;
  IoError io;
  const Status s =
      OpenSnapshotDirectory(info[0].As<Napi::String>().Utf8Value(), &fd, &io);
  if (fd >= 0)
    close(fd);
  return Napi::String::New(env, s.ok() ? "" : s.message());
}

// flushSnapshots(): blocks until every queued file is published (the
// main thread's 'exit': nothing runs after it to finish them).
Napi::Value FlushSnapshots(const Napi::CallbackInfo& info) {
  SnapshotController* c = Controller(info.Env());
  if (c != nullptr)
    c->Flush();
  return info.Env().Undefined();
}

bool InitSnapshotBindings(Napi::Env env, Napi::Object exports) {
  return ExportFunctions(env,
                         exports,
                         {
                             {"snapshotInit", SnapshotInit},
                             {"writeSnapshot", WriteSnapshot},
                             {"enableSnapshots", EnableSnapshots},
                             {"disableSnapshots", DisableSnapshots},
                             {"requestSnapshot", RequestSnapshot},
                             {"snapshotStats", SnapshotStats},
                             {"flushSnapshots", FlushSnapshots},
                             {"checkSnapshotDirectory", CheckDirectory},
                             {"validateNameTemplate", ValidateTemplate},
                             {"estimateSnapshotPauseMs", EstimatePause},
                         });
}

}  // namespace leakguard
