// Bindings for in-process heap captures (see heap_capture.h).
//
// node-addon-api is built without C++ exceptions: every Maybe is checked
// and a failed check returns with the JS exception pending. Snapshot
// failures are not thrown here: they come back as SnapshotResultToJs
// objects ({ ok: false, code, message, ... }), which lib/snapshot/snapshots.js
// turns into Errors in one place, as for writeSnapshot().
#include "addon/analysis/heap_capture.h"

#include <string>
#include <utility>

#include "addon/analysis/v8_heap_graph.h"
#include "addon/env/instance.h"
#include "addon/napi/errors.h"
#include "addon/napi/exports.h"
#include "addon/napi/promise_worker.h"
#include "addon/snapshot/snapshot_binding.h"
#include "addon/snapshot/snapshot_controller.h"
#include "core/analysis/heap_reports.h"
#include "core/heap/snapshot_reader.h"

namespace leakguard {

namespace {

// Marks our Externals, so that no other External is ever taken for a
// capture. Constant data, not state.
constexpr napi_type_tag kCaptureTag = {0x6c65616b67756172ull,
                                       0x6865617063617074ull};

// What the External points at. The capture moves out when an analysis
// takes it; the holder itself lives until the External is collected.
struct CaptureHolder {
  std::unique_ptr<HeapCapture> capture;
};

const char* KindName(HeapCapture::Kind kind) {
  switch (kind) {
    case HeapCapture::Kind::kIds:
      return "ids";
    case HeapCapture::Kind::kClasses:
      return "classes";
    case HeapCapture::Kind::kFull:
      return "full";
  }
  return "?";
}

bool ParseKind(const std::string& name, HeapCapture::Kind* kind) {
  for (HeapCapture::Kind k : {HeapCapture::Kind::kIds,
                              HeapCapture::Kind::kClasses,
                              HeapCapture::Kind::kFull}) {
    if (name == KindName(k)) {
      *kind = k;
      return true;
    }
  }
  return false;
}

void ThrowType(Napi::Env env, const std::string& message) {
  ThrowAssertion(env, message);
}

// The holder behind a handle, or nullptr (no exception) if `value` is not
// one of ours.
CaptureHolder* HolderOf(Napi::Value value) {
  if (!value.IsExternal())
    return nullptr;
  Napi::External<CaptureHolder> external =
      value.As<Napi::External<CaptureHolder>>();
  if (!external.CheckTypeTag(&kCaptureTag))
    return nullptr;
  return external.Data();
}

CaptureHolder* HolderArg(const Napi::CallbackInfo& info, size_t i) {
  CaptureHolder* holder = i < info.Length() ? HolderOf(info[i]) : nullptr;
  if (holder == nullptr && !info.Env().IsExceptionPending())
    ThrowType(info.Env(), "a heap capture handle expected");
  return holder;
}

bool SetNumber(Napi::Object o, const char* key, double value) {
  return !o.Set(key, Napi::Number::New(o.Env(), value)).IsNothing();
}

// Takes the snapshot and copies `kind` out of it. The job's result says
// whether it worked; on success the capture holds the copy (and the job,
// when a file is being written).
std::unique_ptr<HeapCapture> Capture(Napi::Env env,
                                     HeapCapture::Kind kind,
                                     const SnapshotRequest& request,
                                     SnapshotJob* job) {
  Instance* instance = Instance::Get(env);
  v8::Isolate* isolate = instance->isolate();
  auto capture = std::make_unique<HeapCapture>();
  capture->kind = kind;
  Status copied;
  SnapshotVisitor visit = [&](const v8::HeapSnapshot& snapshot) {
    if (kind == HeapCapture::Kind::kIds) {
      capture->ids = CopyHeapIds(snapshot);
      return;
    }
    Result<HeapGraph> graph =
        CopyHeapGraph(isolate,
                      snapshot,
                      kind == HeapCapture::Kind::kFull ? HeapCopy::kFull
                                                       : HeapCopy::kClasses);
    if (graph.ok()) {
      capture->graph = std::move(graph.value());
    } else {
      copied = graph.status();
    }
  };
  SnapshotController* controller = instance->snapshots();
  if (controller == nullptr) {
    job->result.request = request;
    job->result.code = StatusCode::kUnsupported;
    job->result.message = "the environment is shutting down";
  } else {
    controller->CaptureForAnalysis(request, visit, job);
  }
  if (job->result.ok() && !copied.ok()) {
    job->result.code = copied.code();
    job->result.message = copied.message();
  }
  // Without a file (or after a failure) there is nothing to publish:
  // finishing now releases the memory reservation and any temporary file.
  if (!job->result.ok() || !request.to_file)
    FinishSnapshot(job);
  return capture;
}

// captureHeap(kind, request) -> result object; on success it carries
// `handle` (the capture) and `copyMs` besides writeSnapshot's fields
// (pauseMs, captureMs, nodes, edges, heapUsed, path when dir was given).
// request: lib/snapshot/snapshots.js's fields; `dir` set means "write a file
// too", named by nameTemplate (published later by finishCapture).
Napi::Value CaptureHeap(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  HeapCapture::Kind kind;
  if (info.Length() < 2 || !info[0].IsString() ||
      !ParseKind(info[0].As<Napi::String>().Utf8Value(), &kind) ||
      !info[1].IsObject()) {
    ThrowType(env, "captureHeap(kind: 'ids'|'classes'|'full', request)");
    return Napi::Value();
  }
  SnapshotRequest request;
  request.trigger = SnapshotTrigger::kAnalysis;
  if (!ReadSnapshotRequest(env, info[1].As<Napi::Object>(), &request))
    return Napi::Value();
  request.to_file = !request.dir.empty();

  auto job = std::make_unique<SnapshotJob>();
  std::unique_ptr<HeapCapture> capture = Capture(env, kind, request, job.get());
  napi_value raw = SnapshotResultToJs(env, job->result);
  if (raw == nullptr) {
    if (!env.IsExceptionPending()) {
      ThrowInternal(env, "could not build the capture result");
    }
    return Napi::Value();
  }
  Napi::Object out(env, raw);
  if (!job->result.ok())
    return out;
  if (!SetNumber(out, "copyMs", job->result.visit_ms))
    return Napi::Value();
  capture->path = job->result.path;
  if (request.to_file)
    capture->file = std::move(job);

  CaptureHolder* holder = new CaptureHolder{std::move(capture)};
  Napi::External<CaptureHolder> handle = Napi::External<CaptureHolder>::New(
      env, holder, [](Napi::Env, CaptureHolder* h) { delete h; });
  if (handle.IsEmpty()) {
    delete holder;  // the External owns it only once it exists
    return Napi::Value();
  }
  handle.TypeTag(&kCaptureTag);
  if (env.IsExceptionPending() || out.Set("handle", handle).IsNothing())
    return Napi::Value();
  return out;
}

// Publishes a capture's file on a libuv threadpool thread (fsync, link)
// and resolves with its result object.
class FinishWorker : public PromiseWorker {
 public:
  FinishWorker(Napi::Env env, std::unique_ptr<SnapshotJob> job)
      : PromiseWorker(env, "leakguard.finishCapture"), job_(std::move(job)) {}

 protected:
  void Execute() override { FinishSnapshot(job_.get()); }

  void OnOK() override {
    napi_value result = SnapshotResultToJs(Env(), job_->result);
    if (result != nullptr) {
      Resolve(result);
      return;
    }
    // Building a plain object fails only in a dying environment; try to
    // say so, through the C API (see PromiseWorker).
    napi_value message = nullptr;
    napi_value error = nullptr;
    static constexpr char kText[] = "binding: could not build the result";
    if (napi_create_string_utf8(Env(), kText, sizeof(kText) - 1, &message) ==
            napi_ok &&
        napi_create_error(Env(), nullptr, message, &error) == napi_ok) {
      Reject(error);
    }
  }

 private:
  std::unique_ptr<SnapshotJob> job_;
};

// finishCapture(handle) -> Promise<result object>
Napi::Value FinishCapture(const Napi::CallbackInfo& info) {
  CaptureHolder* holder = HolderArg(info, 0);
  if (holder == nullptr)
    return Napi::Value();
  if (!holder->capture || !holder->capture->file) {
    ThrowType(info.Env(), "this heap capture has no file to finish");
    return Napi::Value();
  }
  // The worker deletes itself after OnOK (AsyncWorker's default).
  return PromiseWorker::QueueForPromise(
      new FinishWorker(info.Env(), std::move(holder->capture->file)));
}

// releaseCapture(handle): frees the copy now instead of at the next GC (an
// unpublished file is removed).
Napi::Value ReleaseCapture(const Napi::CallbackInfo& info) {
  CaptureHolder* holder = HolderArg(info, 0);
  if (holder == nullptr)
    return Napi::Value();
  holder->capture.reset();
  return info.Env().Undefined();
}

// diffCaptures(before, after, top) -> memwatch's HeapDiff as JSON text,
// computed on this thread (HeapDiff#end). Spends both handles.
Napi::Value DiffCaptures(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::unique_ptr<HeapCapture> before =
      TakeCapture(env, info[0], HeapCapture::Kind::kClasses);
  if (!before)
    return Napi::Value();
  std::unique_ptr<HeapCapture> after =
      TakeCapture(env, info[1], HeapCapture::Kind::kClasses);
  if (!after)
    return Napi::Value();
  const double top =
      info[2].IsNumber() ? info[2].As<Napi::Number>().DoubleValue() : 0;
  const std::string json = DiffJson(
      before->graph, after->graph, top > 0 ? static_cast<size_t>(top) : 0);
  return Napi::String::New(env, json);
}

// heapCopyCheck(dir) -> { path, difference, summary, ... }. A test hook:
// one V8 snapshot, copied in full and written to a file in `dir`; the file
// is read back and compared with the copy ("" when they are the same
// graph). `summary` is the copy's summary report (JSON text).
Napi::Value HeapCopyCheck(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) {
    ThrowType(env, "heapCopyCheck(dir)");
    return Napi::Value();
  }
  SnapshotRequest request;
  request.trigger = SnapshotTrigger::kAnalysis;
  request.reason = "copy-check";
  request.dir = info[0].As<Napi::String>().Utf8Value();
  request.ignore_headroom = true;
  SnapshotJob job;
  std::unique_ptr<HeapCapture> capture =
      Capture(env, HeapCapture::Kind::kFull, request, &job);
  if (job.result.ok())
    FinishSnapshot(&job);
  if (!job.result.ok()) {
    ErrorInfo error = ResultError(job.result);
    error.message = "heapCopyCheck: " + error.message;
    ThrowError(env, error);
    return Napi::Value();
  }
  Result<HeapGraph> read = ReadSnapshotFile(job.result.path);
  const std::string difference =
      read.ok() ? FirstDifference(capture->graph, read.value())
                : "reading the file failed: " + read.status().message();
  const std::string summary = SummaryJson(&capture->graph, 0, "");
  Napi::Object out = Napi::Object::New(env);
  if (out.Set("path", job.result.path).IsNothing() ||
      out.Set("difference", difference).IsNothing() ||
      out.Set("summary", summary).IsNothing() ||
      !SetNumber(out, "nodes", static_cast<double>(job.result.nodes)) ||
      !SetNumber(out, "edges", static_cast<double>(job.result.edges)) ||
      !SetNumber(out, "captureMs", job.result.capture_ms) ||
      !SetNumber(out, "copyMs", job.result.visit_ms)) {
    return Napi::Value();
  }
  return out;
}

}  // namespace

std::unique_ptr<HeapCapture> TakeCapture(Napi::Env env,
                                         Napi::Value handle,
                                         HeapCapture::Kind kind) {
  CaptureHolder* holder = HolderOf(handle);
  if (env.IsExceptionPending())
    return nullptr;
  if (holder == nullptr) {
    ThrowType(env, "a heap capture handle expected");
    return nullptr;
  }
  if (!holder->capture) {
    ThrowType(env, "this heap capture was already used or released");
    return nullptr;
  }
  if (holder->capture->kind != kind) {
    ThrowType(env,
              std::string("a heap capture of kind '") + KindName(kind) +
                  "' expected, got '" + KindName(holder->capture->kind) + "'");
    return nullptr;
  }
  return std::move(holder->capture);
}

bool InitHeapCapture(Napi::Env env, Napi::Object exports) {
  return ExportFunctions(env,
                         exports,
                         {
                             {"captureHeap", CaptureHeap},
                             {"finishCapture", FinishCapture},
                             {"releaseCapture", ReleaseCapture},
                             {"diffCaptures", DiffCaptures},
                             {"heapCopyCheck", HeapCopyCheck},
                         });
}

}  // namespace leakguard
