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

#include "addon/analysis/heap_capture.h"
#include "addon/env/process_registry.h"
#include "addon/napi/errors.h"
#include "addon/napi/exports.h"
#include "addon/napi/promise_worker.h"
#include "addon/options/options_table.h"
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

  // The core's message ("<file>: at byte N: <reason>") with the status's
  // code, from the error shell (errors.h).
  void OnError(const Napi::Error&) override {
    Reject(MakeStatusError(Env(), status_, ""));
  }

 private:
  Request request_;
  std::string json_;
  Status status_;
};

// Reads the report's options: the leak report's rows
// (core/analysis/leak_candidates.h) for analyze and findLeaks, `top` for
// the others. lib/ validated them and filled the defaults, so all are
// present.
bool ReadOptions(const Napi::CallbackInfo& info, Request* request) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[1].IsObject()) {
    return ThrowAssertion(env, "options object expected");
  }
  Napi::Object o = info[1].As<Napi::Object>();
  if (request->report == Report::kAnalyze ||
      request->report == Report::kAnalyzeCaptures) {
    return ReadLeakOptions(env, o, &request->leak);
  }
  Napi::Value v;
  if (!o.Get("top").UnwrapTo(&v))
    return false;
  const double top = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
  if (!(top >= 0) || !std::isfinite(top)) {
    return ThrowAssertion(env, "top must be a non-negative number");
  }
  request->top = static_cast<size_t>(top);
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
    ThrowAssertion(env,
                   "an array of " + std::to_string(kinds.size()) +
                       " heap capture handles expected");
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
    ThrowAssertion(
        env,
        "an array of " + std::to_string(file_count) + " file paths expected");
    return Napi::Value();
  }
  Napi::Array files = info[0].As<Napi::Array>();
  for (uint32_t i = 0; i < file_count; i++) {
    Napi::Value v;
    if (!files.Get(i).UnwrapTo(&v))
      return Napi::Value();
    if (!v.IsString()) {
      ThrowAssertion(env, "file paths must be strings");
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
