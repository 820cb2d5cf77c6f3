#include "core/heap_reports.h"

#include <thread>
#include <utility>

#include "core/dominators.h"
#include "core/heap_diff.h"
#include "core/heap_summary.h"
#include "core/json_writer.h"
#include "core/node_classes.h"
#include "core/retainer_paths.h"

namespace leakguard {

namespace {

constexpr uint64_t kReportVersion = 1;

Status NameFile(const std::string& path, const Status& s) {
  return Status(s.code(), path + ": " + s.message());
}

}  // namespace

Result<std::string> SummaryReport(const std::string& path, size_t top) {
  Result<HeapGraph> graph = ReadSnapshotFile(path);
  if (!graph.ok())
    return NameFile(path, graph.status());
  HeapGraph& g = graph.value();
  NodeClasses classes(g);
  DominatorTree dom = ComputeDominators(&g);
  HeapSummary summary = SummarizeHeap(g, classes, dom);
  JsonWriter out;
  out.BeginObject();
  out.Key("version").Uint(kReportVersion);
  out.Key("file").String(path);
  out.Key("summary");
  WriteSummaryJson(summary, top, &out);
  out.EndObject();
  return out.Take();
}

Result<std::string> DiffReport(const std::string& before,
                               const std::string& after,
                               size_t top) {
  // The two files are independent: read `before` on a helper thread.
  Result<HeapGraph> before_graph(Status(StatusCode::kIoError, "not read"));
  std::thread reader(
      [&before_graph, &before]() { before_graph = ReadSnapshotFile(before); });
  Result<HeapGraph> after_graph = ReadSnapshotFile(after);
  reader.join();
  if (!before_graph.ok())
    return NameFile(before, before_graph.status());
  if (!after_graph.ok())
    return NameFile(after, after_graph.status());
  NodeClasses before_classes(before_graph.value());
  NodeClasses after_classes(after_graph.value());
  HeapDiff diff = DiffHeaps(
      before_graph.value(), before_classes, after_graph.value(), after_classes);
  JsonWriter out;
  WriteDiffJson(diff, top, &out);
  return out.Take();
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
  std::thread reader([&]() {
    baseline_ids = ReadSnapshotIds(baseline);
    if (baseline_ids.ok())
      target_ids = ReadSnapshotIds(target);
  });
  Result<HeapGraph> graph = ReadSnapshotFile(final_snapshot);
  std::unique_ptr<NodeClasses> classes;
  std::unique_ptr<DominatorTree> dom;
  std::unique_ptr<ShortestPaths> paths;
  if (graph.ok()) {
    HeapGraph& g = graph.value();
    classes = std::make_unique<NodeClasses>(g);
    dom = std::make_unique<DominatorTree>(ComputeDominators(&g));
    paths = std::make_unique<ShortestPaths>(g);
  }
  reader.join();
  if (!baseline_ids.ok())
    return NameFile(baseline, baseline_ids.status());
  if (!target_ids.ok())
    return NameFile(target, target_ids.status());
  if (!graph.ok())
    return NameFile(final_snapshot, graph.status());
  LeakReport report = FindLeakCandidates(baseline_ids.value(),
                                         target_ids.value(),
                                         graph.value(),
                                         *classes,
                                         *dom,
                                         *paths,
                                         options);
  JsonWriter out;
  out.BeginObject();
  out.Key("version").Uint(kReportVersion);
  out.Key("files").BeginObject();
  out.Key("baseline").String(baseline);
  out.Key("target").String(target);
  out.Key("final").String(final_snapshot);
  out.EndObject();
  out.Key("report");
  WriteLeakReportJson(report, &out);
  out.EndObject();
  return out.Take();
}

}  // namespace leakguard
