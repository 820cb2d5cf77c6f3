#include "core/analysis/heap_reports.h"

#include <algorithm>
#include <memory>
#include <thread>
#include <utility>

#include "core/analysis/heap_diff.h"
#include "core/analysis/heap_summary.h"
#include "core/base/json_writer.h"
#include "core/capture/memory_budget.h"
#include "core/heap/dominators.h"
#include "core/heap/node_classes.h"
#include "core/heap/retainer_paths.h"

namespace leakguard {

namespace {

constexpr uint64_t kReportVersion = 1;
// Version 2 of the analyze report: groups of functions are named by their
// creation site and carry `location`; groups carry `retains`, `holder` and
// `keys`; hops of a program's functions carry `location`.
constexpr uint64_t kAnalyzeVersion = 2;

Status NameFile(const std::string& path, const Status& s) {
  return Status(s.code(), path + ": " + s.message());
}

// What each read of a report may take (SnapshotReadOptions): the memory
// this process may still allocate (the container's headroom, else half the
// machine), half of it kept for the analysis that follows the read, split
// between the readers that run at once. A file that needs more fails with
// kNoHeadroom naming the limit, instead of aborting the process.
SnapshotReadOptions ReadBudget(uint64_t readers) {
  uint64_t budget = DefaultReadBudget();
  Result<MemoryHeadroom> headroom = ReadMemoryHeadroom();
  if (headroom.ok() && headroom.value().available > 0)
    budget = std::min(budget, headroom.value().available);
  SnapshotReadOptions options;
  options.max_memory_bytes =
      std::max<uint64_t>(budget / (2 * readers), uint64_t{64} << 20);
  return options;
}

void PathOrNull(JsonWriter* out, const std::string& path) {
  if (path.empty()) {
    out->Null();
  } else {
    out->String(path);
  }
}

// What the leak report needs from the final snapshot alone; built while
// the ids of the other two are still being read.
struct FinalAnalysis {
  FinalAnalysis(HeapGraph* g, const LeakOptions& options)
      : classes(*g),
        dom(ComputeDominators(g)),
        sites(*g, options.script_root, options.own_scripts),
        paths(*g, &sites) {}
  NodeClasses classes;
  DominatorTree dom;
  FunctionSites sites;
  ShortestPaths paths;
};

std::string WriteAnalyzeJson(const std::vector<uint32_t>& baseline_ids,
                             const std::vector<uint32_t>& target_ids,
                             const HeapGraph& final_graph,
                             const FinalAnalysis& analysis,
                             const LeakOptions& options,
                             const AnalyzeFiles& files) {
  LeakReport report = FindLeakCandidates(baseline_ids,
                                         target_ids,
                                         final_graph,
                                         analysis.classes,
                                         analysis.dom,
                                         analysis.sites,
                                         analysis.paths,
                                         options);
  JsonWriter out;
  out.BeginObject();
  out.Key("version").Uint(kAnalyzeVersion);
  out.Key("files").BeginObject();
  PathOrNull(&out.Key("baseline"), files.baseline);
  PathOrNull(&out.Key("target"), files.target);
  PathOrNull(&out.Key("final"), files.final_snapshot);
  out.EndObject();
  out.Key("report");
  WriteLeakReportJson(report, &out);
  out.EndObject();
  return out.Take();
}

}  // namespace

std::string SummaryJson(HeapGraph* g, size_t top, const std::string& file) {
  NodeClasses classes(*g);
  DominatorTree dom = ComputeDominators(g);
  HeapSummary summary = SummarizeHeap(*g, classes, dom);
  JsonWriter out;
  out.BeginObject();
  out.Key("version").Uint(kReportVersion);
  PathOrNull(&out.Key("file"), file);
  out.Key("summary");
  WriteSummaryJson(summary, top, &out);
  out.EndObject();
  return out.Take();
}

Result<std::string> SummaryReport(const std::string& path, size_t top) {
  Result<HeapGraph> graph = ReadSnapshotFile(path, ReadBudget(1));
  if (!graph.ok())
    return NameFile(path, graph.status());
  return SummaryJson(&graph.value(), top, path);
}

std::string DiffJson(const HeapGraph& before,
                     const HeapGraph& after,
                     size_t top) {
  NodeClasses before_classes(before);
  NodeClasses after_classes(after);
  HeapDiff diff = DiffHeaps(before, before_classes, after, after_classes);
  JsonWriter out;
  WriteDiffJson(diff, top, &out);
  return out.Take();
}

Result<std::string> DiffReport(const std::string& before,
                               const std::string& after,
                               size_t top) {
  // The two files are independent: read `before` on a helper thread.
  Result<HeapGraph> before_graph(Status(StatusCode::kIoError, "not read"));
  const SnapshotReadOptions budget = ReadBudget(2);
  std::thread reader([&before_graph, &before, &budget]() {
    before_graph = ReadSnapshotFile(before, budget);
  });
  Result<HeapGraph> after_graph = ReadSnapshotFile(after, budget);
  reader.join();
  if (!before_graph.ok())
    return NameFile(before, before_graph.status());
  if (!after_graph.ok())
    return NameFile(after, after_graph.status());
  return DiffJson(before_graph.value(), after_graph.value(), top);
}

std::string AnalyzeJson(const std::vector<uint32_t>& baseline_ids,
                        const std::vector<uint32_t>& target_ids,
                        HeapGraph* final_graph,
                        const LeakOptions& options,
                        const AnalyzeFiles& files) {
  FinalAnalysis analysis(final_graph, options);
  return WriteAnalyzeJson(
      baseline_ids, target_ids, *final_graph, analysis, options, files);
}

Result<std::string> AnalyzeReport(const std::string& baseline,
                                  const std::string& target,
                                  const std::string& final_snapshot,
                                  const LeakOptions& options) {
  // Baseline and target only contribute their node ids; a helper thread
  // reads them while this one parses the final snapshot and builds its
  // dominator tree and paths.
  using Ids = Result<std::vector<uint32_t>>;
  Ids baseline_ids(Status(StatusCode::kIoError, "not read"));
  Ids target_ids(Status(StatusCode::kIoError, "not read"));
  const SnapshotReadOptions budget = ReadBudget(2);
  std::thread reader([&]() {
    baseline_ids = ReadSnapshotIds(baseline, budget);
    if (baseline_ids.ok())
      target_ids = ReadSnapshotIds(target, budget);
  });
  Result<HeapGraph> graph = ReadSnapshotFile(final_snapshot, budget);
  std::unique_ptr<FinalAnalysis> analysis;
  if (graph.ok())
    analysis = std::make_unique<FinalAnalysis>(&graph.value(), options);
  reader.join();
  if (!baseline_ids.ok())
    return NameFile(baseline, baseline_ids.status());
  if (!target_ids.ok())
    return NameFile(target, target_ids.status());
  if (!graph.ok())
    return NameFile(final_snapshot, graph.status());
  return WriteAnalyzeJson(baseline_ids.value(),
                          target_ids.value(),
                          graph.value(),
                          *analysis,
                          options,
                          AnalyzeFiles{baseline, target, final_snapshot});
}

}  // namespace leakguard
