// One way to add the binding's functions to its exports object, shared by
// module.cc and each feature's Init*Bindings: a table of names and
// callbacks, set in order, stopping at the first failure.
#ifndef LEAKGUARD_ADDON_EXPORTS_H_
#define LEAKGUARD_ADDON_EXPORTS_H_

#include <napi.h>

#include <initializer_list>

namespace leakguard {

struct ExportEntry {
  const char* name;
  Napi::Function::Callback fn;
};

// False if a function could not be made or set. That happens when the
// environment is being torn down while the addon loads (a worker
// terminated inside its require()): setting a property then fails because
// JS can no longer run, and node-addon-api's Object::Set would turn that
// failure into a throw that cannot be thrown either, which aborts the
// whole process. So the property is set through the C API, and the caller
// just returns; nobody is left to use the exports.
// Making the function goes through the C API too (napi_create_function
// fails the same way); its data is the callback, which this trampoline
// calls.
inline napi_value CallExported(napi_env env, napi_callback_info raw) {
  Napi::CallbackInfo info(env, raw);
  auto fn = reinterpret_cast<Napi::Function::Callback>(info.Data());
  return fn(info);
}

inline bool ExportFunctions(Napi::Env env,
                            Napi::Object exports,
                            std::initializer_list<ExportEntry> entries) {
  for (const ExportEntry& e : entries) {
    napi_value fn = nullptr;
    if (napi_create_function(env,
                             e.name,
                             NAPI_AUTO_LENGTH,
                             CallExported,
                             reinterpret_cast<void*>(e.fn),
                             &fn) != napi_ok ||
        napi_set_named_property(env, exports, e.name, fn) != napi_ok) {
      return false;
    }
  }
  return true;
}

}  // namespace leakguard

#endif  // LEAKGUARD_ADDON_EXPORTS_H_
