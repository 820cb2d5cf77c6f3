// Status codes shared by src/core. The core never throws (it is built with
// -fno-exceptions): a call that can fail returns a Status or a Result<T>, and
// src/addon turns it into a JavaScript error in one place.
#ifndef LEAKGUARD_CORE_STATUS_H_
#define LEAKGUARD_CORE_STATUS_H_

#include <cstdint>
#include <string>
#include <utility>

namespace leakguard {

enum class StatusCode : uint8_t {
  kOk = 0,           // Success.
  kInvalidArgument,  // A caller passed a value outside the accepted range.
  kIoError,          // A system call failed; the message names it and the path.
  kParseError,       // Input text is not what the format requires.
  kOutOfRange,       // An index or size in the input points outside its array.
  kNoHeadroom,       // Not enough memory or disk to do the work safely.
  kUnsupported,      // The input uses a feature this version cannot read.
};

// Returns a short, stable name for `code` (e.g. "parse error").
const char* StatusCodeName(StatusCode code);

class Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message)
      : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// A value or the Status saying why there is none.
template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit on purpose
  Result(Status status) : status_(std::move(status)) {}  // NOLINT

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  T& value() { return value_; }
  const T& value() const { return value_; }

 private:
  T value_{};
  Status status_;
};

}  // namespace leakguard

#endif  // LEAKGUARD_CORE_STATUS_H_
