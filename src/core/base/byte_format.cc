#include "core/base/byte_format.h"

#include <cmath>
#include <cstdio>

namespace leakguard {

std::string FormatBytesMemwatch(int64_t bytes) {
  // memwatch's mw_util::niceSize, to the character: the value is rounded to
  // two decimals and printed the way `std::ostream << double` prints it
  // (%g with 6 significant digits, so "2 kb", "1.5 kb", "164.06 kb"), and
  // the unit changes only above 1024 (1024 is "1024 bytes").
  const double b = static_cast<double>(bytes);
  const double abs = std::fabs(b);
  char buf[48];
  if (abs > 1024.0 * 1024.0) {
    std::snprintf(buf,
                  sizeof(buf),
                  "%g mb",
                  std::round(b / (1024.0 * 1024.0 / 100)) / 100);
  } else if (abs > 1024.0) {
    std::snprintf(
        buf, sizeof(buf), "%g kb", std::round(b / (1024.0 / 100)) / 100);
  } else {
    std::snprintf(
        buf, sizeof(buf), "%lld bytes", static_cast<long long>(bytes));
  }
  return buf;
}

std::string FormatBytesIec(double bytes) {
  static const char* const kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  size_t unit = 0;
  double value = std::fabs(bytes);
  while (value >= 1024 && unit + 1 < sizeof(kUnits) / sizeof(kUnits[0])) {
    value /= 1024;
    unit++;
  }
  // Three significant digits: "1.23 MiB", "12.3 MiB", "123 MiB".
  const int decimals = unit == 0 || value >= 100 ? 0 : value >= 10 ? 1 : 2;
  char buf[48];
  std::snprintf(buf,
                sizeof(buf),
                "%s%.*f %s",
                bytes < 0 ? "-" : "",
                decimals,
                value,
                kUnits[unit]);
  return buf;
}

std::string FormatBytesSi(double bytes) {
  static const char* const kUnits[] = {"B", "KB", "MB", "GB", "TB"};
  size_t unit = 0;
  double value = bytes < 0 ? -bytes : bytes;
  while (value >= 1000 && unit + 1 < sizeof(kUnits) / sizeof(kUnits[0])) {
    value /= 1000;
    unit++;
  }
  const char* sign = bytes < 0 ? "-" : "";
  char buf[48];
  if (unit == 0 || value >= 100) {
    std::snprintf(buf, sizeof(buf), "%s%.0f %s", sign, value, kUnits[unit]);
  } else {
    std::snprintf(buf, sizeof(buf), "%s%.1f %s", sign, value, kUnits[unit]);
  }
  return buf;
}

}  // namespace leakguard
