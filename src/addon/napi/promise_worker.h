// PromiseWorker: an AsyncWorker whose result settles a Promise, safely even
// when the environment is being torn down.
//
// Node runs a threadpool job's completion even while a worker thread's
// environment is freed (FreeEnvironment -> RunCleanup -> CleanupHandles ->
// uv_run), when JavaScript can no longer run. napi_resolve_deferred then
// fails, and node-addon-api's Promise::Deferred turns that failure into a
// JS exception that cannot be thrown either, which is fatal without C++
// exceptions ("Error::ThrowAsJavaScriptException napi_throw", the whole
// process aborts). So the promise is settled through the C API here, and a
// failure to settle is dropped: it happens only when nobody is left to
// observe the promise, and V8 frees it with the isolate.
//
// Runs on the environment's JS thread (construction, OnOK/OnError);
// Execute runs on a threadpool thread and touches no JS value. The worker
// deletes itself after its completion (AsyncWorker's default).
#ifndef LEAKGUARD_ADDON_PROMISE_WORKER_H_
#define LEAKGUARD_ADDON_PROMISE_WORKER_H_

#include <napi.h>

#include "addon/napi/errors.h"

namespace leakguard {

class PromiseWorker : public Napi::AsyncWorker {
 public:
  // Queues `worker` and returns its promise, for the binding function that
  // made it to return (within that call: the promise's napi_value lives in
  // the call's handle scope). If the promise could not be made, the worker
  // is deleted and an error thrown, through the C API for the same reason
  // as above.
  static Napi::Value QueueForPromise(PromiseWorker* worker) {
    Napi::Env env = worker->Env();
    if (worker->promise_ == nullptr) {
      delete worker;
      ThrowInternal(env, "could not create a promise");
      return Napi::Value();
    }
    napi_value promise = worker->promise_;
    worker->Queue();
    return Napi::Value(env, promise);
  }

 protected:
  PromiseWorker(Napi::Env env, const char* resource_name)
      : Napi::AsyncWorker(env, resource_name) {
    if (napi_create_promise(env, &deferred_, &promise_) != napi_ok) {
      deferred_ = nullptr;
      promise_ = nullptr;
    }
  }

  // Settle once; later calls and calls after a failed creation do nothing.
  void Resolve(napi_value value) { Settle(value, true); }
  void Reject(napi_value error) { Settle(error, false); }

 private:
  void Settle(napi_value value, bool resolve) {
    if (deferred_ == nullptr || value == nullptr)
      return;
    napi_deferred deferred = deferred_;
    deferred_ = nullptr;
    // Fails only while the environment is torn down (see above).
    const napi_status status =
        resolve ? napi_resolve_deferred(Env(), deferred, value)
                : napi_reject_deferred(Env(), deferred, value);
    (void)status;
  }

  napi_deferred deferred_ = nullptr;
  napi_value promise_ = nullptr;
};

}  // namespace leakguard

#endif  // LEAKGUARD_ADDON_PROMISE_WORKER_H_
