// The snapshot functions of the binding and the conversions of snapshot
// requests and results between JS and SnapshotController's structs
// (snapshot_binding.cc).
#ifndef LEAKGUARD_ADDON_SNAPSHOT_SNAPSHOT_BINDING_H_
#define LEAKGUARD_ADDON_SNAPSHOT_SNAPSHOT_BINDING_H_

#include <napi.h>

#include "addon/napi/errors.h"
#include "addon/snapshot/snapshot.h"

namespace leakguard {

// Adds writeSnapshot, enableSnapshots, ... to the binding.
bool InitSnapshotBindings(Napi::Env env, Napi::Object exports);

// Reads a request's file and budget fields from what lib/snapshot/snapshots.js
// passes (dir, nameTemplate, reason, maxFiles, ignoreHeadroom, threadId,
// ...); false with a TypeError pending when one has the wrong type.
bool ReadSnapshotRequest(Napi::Env env,
                         Napi::Object object,
                         SnapshotRequest* request);

// One snapshot result as a plain JS object, success or failure (ok, code,
// message, syscall, path, ...); lib/snapshot/snapshots.js turns a failure into
// an Error. nullptr if it could not be built.
napi_value SnapshotResultToJs(napi_env env, const SnapshotResult& result);

// One `leakguard profile` request as a plain JS object: { dir, ok, request
// (its text) } or { dir, ok: false, message };
// lib/sampling/remote-profile.js reads it. nullptr if it could not be built.
napi_value ProfileRequestToJs(napi_env env, const ProfileRequest& request);

// A failed result as the error shell sees it (errors.h).
ErrorInfo ResultError(const SnapshotResult& result);

}  // namespace leakguard

#endif  // LEAKGUARD_ADDON_SNAPSHOT_SNAPSHOT_BINDING_H_
