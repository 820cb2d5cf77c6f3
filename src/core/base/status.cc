#include "core/base/status.h"

namespace leakguard {

const char* StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "ok";
    case StatusCode::kInvalidArgument:
      return "invalid argument";
    case StatusCode::kIoError:
      return "I/O error";
    case StatusCode::kParseError:
      return "parse error";
    case StatusCode::kOutOfRange:
      return "out of range";
    case StatusCode::kNoHeadroom:
      return "no headroom";
    case StatusCode::kUnsupported:
      return "unsupported";
  }
  return "unknown";
}

}  // namespace leakguard
