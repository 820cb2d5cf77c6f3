// The file layer's bindings (writeFile, readFile, removeFile, pruneFiles,
// checkDirectory): lib/'s only way to write or read a file in a
// directory. files_binding.cc says what each checks.
#ifndef LEAKGUARD_ADDON_FILES_BINDING_H_
#define LEAKGUARD_ADDON_FILES_BINDING_H_

#include <node_api.h>

namespace leakguard {

// Adds the functions to `exports`; false if one could not be set (the
// environment is going away).
bool InitFileBindings(napi_env env, napi_value exports);

}  // namespace leakguard

#endif  // LEAKGUARD_ADDON_FILES_BINDING_H_
