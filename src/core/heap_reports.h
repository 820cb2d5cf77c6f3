// The three reports behind `leakguard summary|diff|analyze` and the addon's
// summary()/diff()/analyze(): read the files, run the analyses, return the
// JSON text. One place, so the CLI and the JavaScript API cannot drift.
//
// Threading: each call runs on the calling thread (the addon calls it from a
// worker, never the main thread) and may start one helper std::thread to
// read a second file while it parses the first; it joins it before
// returning. Errors name the file: "<path>: at byte N: <reason>".
#ifndef LEAKGUARD_CORE_HEAP_REPORTS_H_
#define LEAKGUARD_CORE_HEAP_REPORTS_H_

#include <cstddef>
#include <string>

#include "core/leak_candidates.h"
#include "core/snapshot_reader.h"
#include "core/status.h"

namespace leakguard {

// {"version":1,"file":…,"nodes":…,…,"classes":[…]} (heap_summary.h);
// `top` limits the classes listed (0: all).
Result<std::string> SummaryReport(const std::string& path, size_t top);

// memwatch's HeapDiff shape (heap_diff.h); `top` limits details (0: all).
Result<std::string> DiffReport(const std::string& before,
                               const std::string& after,
                               size_t top);

// {"version":1,"files":{baseline,target,final},…} (leak_candidates.h).
Result<std::string> AnalyzeReport(const std::string& baseline,
                                  const std::string& target,
                                  const std::string& final_snapshot,
                                  const LeakOptions& options);

}  // namespace leakguard

#endif  // LEAKGUARD_CORE_HEAP_REPORTS_H_
