// The three reports behind `leakguard summary|diff|analyze` and the addon's
// summary()/diff()/analyze(), HeapDiff and findLeaks(): run the analyses and
// return the JSON text. One place, so the CLI, the file-based API and the
// in-process API cannot drift.
//
// Two entry points per report: the *Report functions read .heapsnapshot
// files; the *Json functions take graphs already in memory (the addon copies
// them straight from V8, see src/addon/v8_heap_graph.h). A *Report function
// is "read the files, then the *Json function", so both give the same
// answers for the same heap.
//
// Threading: each call runs on the calling thread (the addon calls the file
// readers and AnalyzeJson from a worker, never the main thread) and may
// start one helper std::thread to read a second file while it parses the
// first; it joins it before returning. Errors name the file:
// "<path>: at byte N: <reason>".
#ifndef LEAKGUARD_CORE_HEAP_REPORTS_H_
#define LEAKGUARD_CORE_HEAP_REPORTS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/analysis/leak_candidates.h"
#include "core/base/status.h"
#include "core/heap/heap_graph.h"
#include "core/heap/snapshot_reader.h"

namespace leakguard {

// {"version":1,"file":…,"summary":{…}} (heap_summary.h); `top` limits the
// classes listed (0: all).
Result<std::string> SummaryReport(const std::string& path, size_t top);
// The same for a graph in memory; `file` is what "file" says ("" writes
// null). Builds the graph's retainer index.
std::string SummaryJson(HeapGraph* graph, size_t top, const std::string& file);

// memwatch's HeapDiff shape (heap_diff.h); `top` limits details (0: all).
Result<std::string> DiffReport(const std::string& before,
                               const std::string& after,
                               size_t top);
// The same for graphs in memory. Only nodes are read (types, names, ids,
// self sizes), so graphs copied without edges are enough.
std::string DiffJson(const HeapGraph& before,
                     const HeapGraph& after,
                     size_t top);

// {"version":1,"files":{baseline,target,final},"report":{…}}
// (leak_candidates.h).
Result<std::string> AnalyzeReport(const std::string& baseline,
                                  const std::string& target,
                                  const std::string& final_snapshot,
                                  const LeakOptions& options);

// What "files" says in an analyze report: the paths, "" for a snapshot
// that was never written to a file (null in the JSON).
struct AnalyzeFiles {
  std::string baseline;
  std::string target;
  std::string final_snapshot;
};

// The same report for snapshots in memory: the node ids of the baseline
// and the target (sorted and unique, as ReadSnapshotIds and SortUniqueIds
// give them) and the whole final graph, whose derived indices it builds.
std::string AnalyzeJson(const std::vector<uint32_t>& baseline_ids,
                        const std::vector<uint32_t>& target_ids,
                        HeapGraph* final_graph,
                        const LeakOptions& options,
                        const AnalyzeFiles& files);

}  // namespace leakguard

#endif  // LEAKGUARD_CORE_HEAP_REPORTS_H_
