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

// False with a JS exception pending if a property could not be set.
inline bool ExportFunctions(Napi::Env env,
                            Napi::Object exports,
                            std::initializer_list<ExportEntry> entries) {
  for (const ExportEntry& e : entries) {
    if (exports.Set(e.name, Napi::Function::New(env, e.fn, e.name))
            .IsNothing()) {
      return false;
    }
  }
  return true;
}

}  // namespace leakguard

#endif  // LEAKGUARD_ADDON_EXPORTS_H_
