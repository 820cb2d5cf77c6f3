// Bindings for the snapshot analyses, of files and of heaps captured in
// process (heap_capture.h).
//
// Threading: the JS thread validates the arguments and queues an
// AnalyzeWorker; Execute() runs the whole report (reading files, graphs,
// dominators) on a libuv threadpool thread and touches no JS value; OnOK and
// OnError settle the Promise back on the JS thread. The worker owns copies
// of its inputs (the file names, or the captures taken out of their
// handles), so nothing is shared while it runs. The report functions
// start at most one helper thread of their own and join it before returning.
//
// node-addon-api is built without C++ exceptions: every Maybe is checked and
// a failed check returns with the JS exception pending.
#include "addon/analysis/analyze.h"

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "addon/exports.h"
#include "addon/analysis/heap_capture.h"
#include "addon/promise_worker.h"
#include "addon/snapshot_registry.h"
#include "core/analysis/heap_reports.h"
#include "core/base/status.h"

namespace leakguard {

namespace {

enum class Report {
  kSummary,
  kDiff,
  kAnalyze,
  kDiffCaptures,     // HeapDiff#endAsync
  kAnalyzeCaptures,  // findLeaks
};

struct Request {
  Report report;
  std::vector<std::string> files;
  std::vector<std::unique_ptr<HeapCapture>> captures;
  size_t top = 0;
  LeakOptions leak;
};

class AnalyzeWorker : public PromiseWorker {
 public:
  AnalyzeWorker(Napi::Env env, Request request)
      : PromiseWorker(env, "leakguard.analyze"), request_(std::move(request)) {}

 protected:
  void Execute() override {
    // Reading and analysing snapshots takes memory the detector must not
    // count as the service's.
    OwnWorkTicket own_work;
    own_work.Begin();
    const std::vector<std::string>& f = request_.files;
    const std::vector<std::unique_ptr<HeapCapture>>& c = request_.captures;
    Result<std::string> r = Status(StatusCode::kInvalidArgument, "no report");
    switch (request_.report) {
      case Report::kSummary:
        r = SummaryReport(f[0], request_.top);
        break;
      case Report::kDiff:
        r = DiffReport(f[0], f[1], request_.top);
        break;
      case Report::kAnalyze:
        r = AnalyzeReport(f[0], f[1], f[2], request_.leak);
        break;
      case Report::kDiffCaptures:
        r = DiffJson(c[0]->graph, c[1]->graph, request_.top);
        break;
      case Report::kAnalyzeCaptures:
        r = AnalyzeJson(c[0]->ids,
                        c[1]->ids,
                        &c[2]->graph,
                        request_.leak,
                        AnalyzeFiles{c[0]->path, c[1]->path, c[2]->path});
        break;
    }
    // The copies go now, on this thread, not when the worker is deleted.
    request_.captures.clear();
    if (r.ok()) {
      json_ = std::move(r.value());
    } else {
      status_ = r.status();
      SetError(status_.message());
    }
  }

  void OnOK() override { Resolve(Napi::String::New(Env(), json_)); }

  // The one place a core Status becomes a JS error: the message is the
  // core's ("<file>: at byte N: <reason>"), `code` says which kind.
  void OnError(const Napi::Error& error) override {
    Napi::Env env = Env();
    Napi::Object e = error.Value();
    const char* code = "ERR_LEAKGUARD_SNAPSHOT";
    if (status_.code() == StatusCode::kIoError)
      code = "ERR_LEAKGUARD_IO";
    if (e.Set("code", Napi::String::New(env, code)).IsNothing() ||
        e.Set("reason", Napi::String::New(env, StatusCodeName(status_.code())))
            .IsNothing()) {
      // Setting a property on a fresh Error cannot fail unless the
      // environment is going away; reject with what we have.
    }
    Reject(e);
  }

 private:
  Request request_;
  std::string json_;
  Status status_;
};

// Reads an optional non-negative integer option; false with a TypeError
// pending when it has the wrong type.
bool ReadCount(Napi::Env env,
               Napi::Object options,
               const char* key,
               uint64_t* out) {
  Napi::Value v;
  if (!options.Get(key).UnwrapTo(&v))
    return false;
  if (v.IsUndefined())
    return true;
  double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
  if (!(d >= 0) || !std::isfinite(d)) {
    Napi::TypeError::New(
        env, std::string("binding: ") + key + " must be a non-negative number")
        .ThrowAsJavaScriptException();
    return false;
  }
  *out = static_cast<uint64_t>(d);
  return true;
}

// Reads options.top, minCount and minRetainedBytes into the request.
bool ReadOptions(const Napi::CallbackInfo& info, Request* request) {
  if (info.Length() < 2 || !info[1].IsObject())
    return true;
  Napi::Env env = info.Env();
  Napi::Object o = info[1].As<Napi::Object>();
  constexpr uint64_t kUnset = ~uint64_t{0};
  uint64_t top = kUnset;
  if (!ReadCount(env, o, "top", &top) ||
      !ReadCount(env, o, "minCount", &request->leak.min_count) ||
      !ReadCount(
          env, o, "minRetainedBytes", &request->leak.min_retained_bytes)) {
    return false;
  }
  if (top != kUnset) {
    request->top = static_cast<size_t>(top);
    request->leak.top = static_cast<size_t>(top);
  }
  return true;
}

Napi::Value Queue(Napi::Env env, Request request) {
  // The worker deletes itself after OnOK/OnError (AsyncWorker's default).
  return PromiseWorker::QueueForPromise(
      new AnalyzeWorker(env, std::move(request)));
}

// (handles: External[], options?: object) -> Promise<string>. The captures
// are taken out of their handles now, so they are spent even if the
// report fails.
Napi::Value RunCaptures(const Napi::CallbackInfo& info,
                        Report report,
                        std::vector<HeapCapture::Kind> kinds) {
  Napi::Env env = info.Env();
  Request request;
  request.report = report;
  if (info.Length() < 1 || !info[0].IsArray() ||
      info[0].As<Napi::Array>().Length() != kinds.size()) {
    Napi::TypeError::New(env,
                         "binding: an array of " +
                             std::to_string(kinds.size()) +
                             " heap capture handles expected")
        .ThrowAsJavaScriptException();
    return Napi::Value();
  }
  if (!ReadOptions(info, &request))
    return Napi::Value();
  Napi::Array handles = info[0].As<Napi::Array>();
  for (uint32_t i = 0; i < kinds.size(); i++) {
    Napi::Value v;
    if (!handles.Get(i).UnwrapTo(&v))
      return Napi::Value();
    std::unique_ptr<HeapCapture> capture = TakeCapture(env, v, kinds[i]);
    if (!capture)
      return Napi::Value();
    request.captures.push_back(std::move(capture));
  }
  return Queue(env, std::move(request));
}

// (files: string[], options?: object) -> Promise<string>
Napi::Value Run(const Napi::CallbackInfo& info,
                Report report,
                size_t file_count) {
  Napi::Env env = info.Env();
  Request request;
  request.report = report;
  if (info.Length() < 1 || !info[0].IsArray() ||
      info[0].As<Napi::Array>().Length() != file_count) {
    Napi::TypeError::New(env,
                         "binding: an array of " + std::to_string(file_count) +
                             " file paths expected")
        .ThrowAsJavaScriptException();
    return Napi::Value();
  }
  Napi::Array files = info[0].As<Napi::Array>();
  for (uint32_t i = 0; i < file_count; i++) {
    Napi::Value v;
    if (!files.Get(i).UnwrapTo(&v))
      return Napi::Value();
    if (!v.IsString()) {
      Napi::TypeError::New(env, "binding: file paths must be strings")
          .ThrowAsJavaScriptException();
      return Napi::Value();
    }
    request.files.push_back(v.As<Napi::String>().Utf8Value());
  }
  if (!ReadOptions(info, &request))
    return Napi::Value();
  return Queue(env, std::move(request));
}

Napi::Value Summary(const Napi::CallbackInfo& info) {
  return Run(info, Report::kSummary, 1);
}
Napi::Value Diff(const Napi::CallbackInfo& info) {
  return Run(info, Report::kDiff, 2);
}
Napi::Value Analyze(const Napi::CallbackInfo& info) {
  return Run(info, Report::kAnalyze, 3);
}
Napi::Value DiffCapturesAsync(const Napi::CallbackInfo& info) {
  return RunCaptures(
      info,
      Report::kDiffCaptures,
      {HeapCapture::Kind::kClasses, HeapCapture::Kind::kClasses});
}
Napi::Value AnalyzeCaptures(const Napi::CallbackInfo& info) {
  return RunCaptures(info,
                     Report::kAnalyzeCaptures,
                     {HeapCapture::Kind::kIds,
                      HeapCapture::Kind::kIds,
                      HeapCapture::Kind::kFull});
}

}  // namespace

bool InitAnalyze(Napi::Env env, Napi::Object exports) {
  return ExportFunctions(env,
                         exports,
                         {
                             {"summary", Summary},
                             {"diff", Diff},
                             {"analyze", Analyze},
                             {"diffCapturesAsync", DiffCapturesAsync},
                             {"analyzeCaptures", AnalyzeCaptures},
                         });
}

}  // namespace leakguard
