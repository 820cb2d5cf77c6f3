// What an option table row (core/monitor/monitor_options.h,
// core/analysis/leak_candidates.h) can say about its value. The rows are
// X-macros; the binding exports them (src/addon/options/options_table.cc) and
// lib/options.js validates against them, so each range and default is
// written once.
#ifndef LEAKGUARD_CORE_BASE_OPTION_KINDS_H_
#define LEAKGUARD_CORE_BASE_OPTION_KINDS_H_

#include <cstdint>

namespace leakguard {

enum class OptionKind : uint8_t {
  kInteger,        // a whole number in [min, max]
  kNumber,         // any number in [min, max]
  kIntegerOrZero,  // 0 (off), or a whole number in [min, max]; the row's
                   // doc ends with "; 0: <what 0 means>"
};

// "integer", "number" or "integerOrZero": the kinds lib/options.js knows.
inline const char* OptionKindName(OptionKind kind) {
  switch (kind) {
    case OptionKind::kInteger:
      return "integer";
    case OptionKind::kNumber:
      return "number";
    case OptionKind::kIntegerOrZero:
      return "integerOrZero";
  }
  return "";
}

namespace option_limits {
constexpr double kDayMs = 24 * 60 * 60 * 1000.0;
constexpr double kMaxSafeInteger = 9007199254740991.0;  // 2^53 - 1
// The default column of an option whose default is its sensitivity's.
constexpr double kBySensitivity = -1;
}  // namespace option_limits

}  // namespace leakguard

#endif  // LEAKGUARD_CORE_BASE_OPTION_KINDS_H_
