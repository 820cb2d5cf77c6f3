// The one shell that turns a failure into a JavaScript error. Every binding
// builds its errors here, so one core Status becomes one `code`
// everywhere, with Node's `syscall`, `path` and `errno` when a system call
// failed.
//
// LEAKGUARD_ERROR_CODES lists every code the addon can produce; lib/errors.js
// lists the JavaScript ones, and test/js/errors.test.js checks that
// docs/errors.md names each code of both lists (and that no other
// ERR_ literal appears in src/addon or lib/).
//
// Errors are made through the C API (raw_object.h): they are built in uv
// callbacks and in threadpool completions that may run while a worker's
// environment is torn down, where node-addon-api's throwing paths abort.
#ifndef LEAKGUARD_ADDON_ERRORS_H_
#define LEAKGUARD_ADDON_ERRORS_H_

#include <node_api.h>

#include <string>

#include "core/base/status.h"

namespace leakguard {

// V(name, code, doc): the codes of the addon. A Status maps to the row
// named after its StatusCode; the others are named by what made them.
#define LEAKGUARD_ERROR_CODES(V)                                            \
  V(kInvalidArgument,                                                       \
    "ERR_INVALID_ARG_VALUE",                                                \
    "a value the call cannot accept (a snapshot name template, a path)")    \
  V(kIoError,                                                               \
    "ERR_LEAKGUARD_IO",                                                     \
    "reading or writing a file failed; when the system call and its errno " \
    "are known the code is the errno's name (ENOENT, ENOSPC, EACCES, ...) " \
    "and the error has syscall, path and errno")                            \
  V(kParseError,                                                            \
    "ERR_LEAKGUARD_SNAPSHOT",                                               \
    "a snapshot file is not what the format requires")                      \
  V(kOutOfRange,                                                            \
    "ERR_LEAKGUARD_SNAPSHOT",                                               \
    "an index or size in a snapshot file points outside its array")         \
  V(kUnsupported,                                                           \
    "ERR_LEAKGUARD_SNAPSHOT",                                               \
    "a snapshot file uses a feature this version cannot read")              \
  V(kNoHeadroom,                                                            \
    "ERR_LEAKGUARD_NO_HEADROOM",                                            \
    "the memory budget refused a snapshot or an analysis")                  \
  V(NoDisk,                                                                 \
    "ERR_LEAKGUARD_NO_DISK",                                                \
    "a snapshot was refused: the disk has less free space than "            \
    "minFreeDiskBytes")                                                     \
  V(Refused,                                                                \
    "ERR_LEAKGUARD_SNAPSHOT_REFUSED",                                       \
    "the snapshot signal was refused: the previous snapshot started less "  \
    "than cooldownMs ago, or one is being taken (the error's refused and "  \
    "retryMs say which, and when)")                                         \
  V(Internal,                                                               \
    "ERR_LEAKGUARD_INTERNAL",                                               \
    "the addon could not make a value it needs (the environment is going "  \
    "away)")                                                                \
  V(Assertion,                                                              \
    "ERR_INTERNAL_ASSERTION",                                               \
    "lib/ called the binding with arguments it must never pass (a bug)")

// A libuv call's outcome: 0, or its error and the call's name.
struct UvResult {
  int error = 0;
  const char* syscall = "";
  bool ok() const { return error == 0; }
};

// A failure to report. `error` is an errno (positive) or a libuv error
// (negative); 0 when no system call failed.
struct ErrorInfo {
  StatusCode status = StatusCode::kIoError;
  std::string message;
  int error = 0;
  std::string syscall;
  std::string path;
  bool no_disk = false;  // kNoHeadroom because of minFreeDiskBytes
  bool refused = false;  // the snapshot gate refused a signal
};

// The code of a failure: the errno's name when a system call failed,
// otherwise the row of its status.
const char* ErrorCodeFor(const ErrorInfo& info);

// An Error with message, code, reason (StatusCodeName) and, when a system
// call failed, syscall, path and errno (negative, as Node's are). nullptr
// if it could not be made.
napi_value MakeError(napi_env env, const ErrorInfo& info);
// A Status as an Error whose message starts with `prefix` (may be empty).
napi_value MakeStatusError(napi_env env,
                           const Status& status,
                           const std::string& prefix);

// Throw; each returns false, for `return Throw...(...)` in readers.
bool ThrowError(napi_env env, const ErrorInfo& info);
// "<syscall> failed: <strerror>", code the error's name.
bool ThrowUvError(napi_env env, int uv_error, const char* syscall);
// A TypeError "binding: <message>", code ERR_INTERNAL_ASSERTION: lib/
// passed what it never should (no-op if an exception is pending).
bool ThrowAssertion(napi_env env, const std::string& message);
// An Error "leakguard: <message>", code ERR_LEAKGUARD_INTERNAL.
bool ThrowInternal(napi_env env, const std::string& message);
// A RangeError "leakguard: <message>" with the status's code.
bool ThrowRangeError(napi_env env, const Status& status);

// Adds errorCodes() (the table above, for the docs test) to `exports`.
bool InitErrors(napi_env env, napi_value exports);

}  // namespace leakguard

#endif  // LEAKGUARD_ADDON_ERRORS_H_
