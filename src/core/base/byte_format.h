// Every way leakguard writes a byte count for people, each named for its
// convention and never chosen by overload. The JSON formats keep their
// numbers in bytes; these are for the strings beside them.
//
//   FormatBytesMemwatch   "12 bytes", "2 kb", "1.5 kb", "-3.25 mb": memwatch's
//                         HeapDiff `size` strings, to the character
//                         (1024-based, lower-case units)
//   FormatBytesIec        "512 B", "1.23 MiB", "640 KiB": sizes of memory
//                         and files, three significant digits (budgets, CLI
//                         tables, assertion messages)
//   FormatBytesSi         "950 B", "1.2 MB", "-84 KB": growth and rates in
//                         the detector's reason sentences (1000-based)
//
// lib/ calls the same functions through the binding (formatBytes()).
#ifndef LEAKGUARD_CORE_BASE_BYTE_FORMAT_H_
#define LEAKGUARD_CORE_BASE_BYTE_FORMAT_H_

#include <cstdint>
#include <string>

namespace leakguard {

std::string FormatBytesMemwatch(int64_t bytes);
std::string FormatBytesIec(double bytes);
std::string FormatBytesSi(double bytes);

}  // namespace leakguard

#endif  // LEAKGUARD_CORE_BASE_BYTE_FORMAT_H_
