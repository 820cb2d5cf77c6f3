// Hands one batch from native code to a JS callback: the events of the
// monitor thread (Instance::DeliverEvents) and the snapshot results
// (SnapshotController::Deliver) both go through DeliverBatch.
//
// Runs from a uv callback on the environment's thread. Raw N-API with every
// status checked: while a worker terminates every call that could run JS
// fails, and node-addon-api would make such a failure fatal. A batch that
// cannot be delivered then is dropped with the worker.
#ifndef LEAKGUARD_ADDON_DELIVER_H_
#define LEAKGUARD_ADDON_DELIVER_H_

#include <node_api.h>

#include <cstddef>

namespace leakguard {

// Calls the function behind `fn` with one array of `count` values, made by
// `make(i)` (nullptr when one cannot be made: nothing is called), through
// napi_make_callback with `context`.
template <typename Make>
void DeliverBatch(napi_env env,
                  napi_ref fn,
                  napi_async_context context,
                  size_t count,
                  Make make) {
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok)
    return;
  napi_value array = nullptr;
  bool ok = napi_create_array_with_length(env, count, &array) == napi_ok;
  for (size_t i = 0; ok && i < count; i++) {
    napi_value v = make(i);
    ok = v != nullptr &&
         napi_set_element(env, array, static_cast<uint32_t>(i), v) == napi_ok;
  }
  if (ok) {
    napi_value global = nullptr;
    napi_value function = nullptr;
    napi_value result = nullptr;
    if (napi_get_global(env, &global) == napi_ok &&
        napi_get_reference_value(env, fn, &function) == napi_ok &&
        function != nullptr) {
      napi_make_callback(env, context, global, function, 1, &array, &result);
    }
  }
  // A listener that threw gets Node's usual uncaught-exception handling, as
  // with any EventEmitter; it must not be swallowed nor left pending.
  // Re-raising a worker's termination is harmless: it only unwinds it.
  bool pending = false;
  if (napi_is_exception_pending(env, &pending) == napi_ok && pending) {
    napi_value error;
    if (napi_get_and_clear_last_exception(env, &error) == napi_ok)
      napi_fatal_exception(env, error);
  }
  napi_close_handle_scope(env, scope);
}

}  // namespace leakguard

#endif  // LEAKGUARD_ADDON_DELIVER_H_
