#include "addon/napi/errors.h"

#include <uv.h>

#include "addon/napi/raw_object.h"

namespace leakguard {

namespace {

enum class Row {
#define V(name, code, doc) name,
  LEAKGUARD_ERROR_CODES(V)
#undef V
};

const char* RowCode(Row row) {
  switch (row) {
#define V(name, code, doc) \
  case Row::name:          \
    return code;
    LEAKGUARD_ERROR_CODES(V)
#undef V
  }
  return "ERR_LEAKGUARD_INTERNAL";
}

Row StatusRow(StatusCode status) {
  switch (status) {
    case StatusCode::kOk:  // not a failure: whoever reports it has a bug
      return Row::Assertion;
    case StatusCode::kInvalidArgument:
      return Row::kInvalidArgument;
    case StatusCode::kIoError:
      return Row::kIoError;
    case StatusCode::kParseError:
      return Row::kParseError;
    case StatusCode::kOutOfRange:
      return Row::kOutOfRange;
    case StatusCode::kNoHeadroom:
      return Row::kNoHeadroom;
    case StatusCode::kUnsupported:
      return Row::kUnsupported;
  }
  return Row::Internal;
}

// libuv's error for `error` (errno values are positive, libuv's negative).
int UvError(int error) {
  return error > 0 ? -error : error;
}

napi_value String(napi_env env, const std::string& s) {
  napi_value value = nullptr;
  if (napi_create_string_utf8(env, s.data(), s.size(), &value) != napi_ok)
    return nullptr;
  return value;
}

bool SetString(napi_env env,
               napi_value object,
               const char* key,
               const std::string& s) {
  napi_value value = String(env, s);
  return value != nullptr &&
         napi_set_named_property(env, object, key, value) == napi_ok;
}

// An error of class `make` (napi_create_error, _type_error, ...).
napi_value Make(
    napi_env env,
    napi_status (*make)(napi_env, napi_value, napi_value, napi_value*),
    const std::string& code,
    const std::string& message) {
  napi_value js_code = String(env, code);
  napi_value js_message = String(env, message);
  napi_value error = nullptr;
  if (js_code == nullptr || js_message == nullptr ||
      make(env, js_code, js_message, &error) != napi_ok) {
    return nullptr;
  }
  return error;
}

bool Throw(napi_env env, napi_value error) {
  if (error != nullptr) {
    bool pending = false;
    if (napi_is_exception_pending(env, &pending) == napi_ok && !pending) {
      const napi_status status = napi_throw(env, error);
      // Fails only while the environment is torn down; nobody is left to
      // catch it then.
      (void)status;
    }
  }
  return false;
}

napi_value ErrorCodes(napi_env env, napi_callback_info) {
  RawArray rows(env);
#define V(name, code, doc)          \
  rows.Push(RawObject(env)          \
                .Str("name", #name) \
                .Str("code", code)  \
                .Str("doc", doc)    \
                .Done());
  LEAKGUARD_ERROR_CODES(V)
#undef V
  return rows.Done();
}

}  // namespace

const char* ErrorCodeFor(const ErrorInfo& info) {
  if (info.status == StatusCode::kIoError && info.error != 0)
    return uv_err_name(UvError(info.error));
  if (info.status == StatusCode::kNoHeadroom && info.no_disk)
    return RowCode(Row::NoDisk);
  if (info.refused)
    return RowCode(Row::Refused);
  return RowCode(StatusRow(info.status));
}

napi_value MakeError(napi_env env, const ErrorInfo& info) {
  napi_value error =
      Make(env, napi_create_error, ErrorCodeFor(info), info.message);
  if (error == nullptr ||
      !SetString(env, error, "reason", StatusCodeName(info.status))) {
    return nullptr;
  }
  if (info.error != 0) {
    napi_value errno_value = nullptr;
    if (!SetString(env, error, "syscall", info.syscall) ||
        (!info.path.empty() && !SetString(env, error, "path", info.path)) ||
        napi_create_int32(env, UvError(info.error), &errno_value) != napi_ok ||
        napi_set_named_property(env, error, "errno", errno_value) != napi_ok) {
      return nullptr;
    }
  }
  return error;
}

napi_value MakeStatusError(napi_env env,
                           const Status& status,
                           const std::string& prefix) {
  ErrorInfo info;
  info.status = status.code();
  info.message = prefix + status.message();
  return MakeError(env, info);
}

bool ThrowError(napi_env env, const ErrorInfo& info) {
  return Throw(env, MakeError(env, info));
}

bool ThrowUvError(napi_env env, int uv_error, const char* syscall) {
  ErrorInfo info;
  info.status = StatusCode::kIoError;
  info.error = uv_error;
  info.syscall = syscall;
  info.message = std::string(syscall) + " failed: " + uv_strerror(uv_error);
  return ThrowError(env, info);
}

bool ThrowAssertion(napi_env env, const std::string& message) {
  return Throw(env,
               Make(env,
                    napi_create_type_error,
                    RowCode(Row::Assertion),
                    "binding: " + message));
}

bool ThrowInternal(napi_env env, const std::string& message) {
  return Throw(env,
               Make(env,
                    napi_create_error,
                    RowCode(Row::Internal),
                    "leakguard: " + message));
}

bool ThrowRangeError(napi_env env, const Status& status) {
  return Throw(env,
               Make(env,
                    napi_create_range_error,
                    RowCode(StatusRow(status.code())),
                    "leakguard: " + status.message()));
}

bool InitErrors(napi_env env, napi_value exports) {
  napi_value fn = nullptr;
  return napi_create_function(
             env, "errorCodes", NAPI_AUTO_LENGTH, ErrorCodes, nullptr, &fn) ==
             napi_ok &&
         napi_set_named_property(env, exports, "errorCodes", fn) == napi_ok;
}

}  // namespace leakguard
