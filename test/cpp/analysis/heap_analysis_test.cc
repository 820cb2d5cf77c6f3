// Summary, diff, retainer paths and leak candidates on hand-written
// fixtures with known answers.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "core/analysis/heap_diff.h"
#include "core/analysis/heap_reports.h"
#include "core/analysis/heap_summary.h"
#include "core/analysis/leak_candidates.h"
#include "core/base/json_writer.h"
#include "core/heap/dominators.h"
#include "core/heap/node_classes.h"
#include "core/heap/retainer_paths.h"
#include "core/heap/snapshot_reader.h"
#include "snapshot_test_util.h"

namespace leakguard {
namespace {

using testing_util::FixturePath;

HeapGraph Load(const char* name) {
  Result<HeapGraph> r = ReadSnapshotFile(FixturePath(name));
  EXPECT_TRUE(r.ok()) << r.status().message();
  return std::move(r.value());
}

const ClassSummary* FindClass(const HeapSummary& s, const std::string& name) {
  for (const ClassSummary& c : s.classes) {
    if (c.name == name)
      return &c;
  }
  return nullptr;
}

TEST(NodeClasses, NamesLikeDevTools) {
  HeapGraph g = Load("leak_final.json");
  NodeClasses classes(g);
  EXPECT_EQ(classes.node_class_name(0), "(synthetic)");
  EXPECT_EQ(classes.node_class_name(3), "Map");
  EXPECT_EQ(classes.node_class_name(4), "(array)");
  EXPECT_EQ(classes.node_class_name(6), "(string)");
  EXPECT_EQ(classes.class_of(5), classes.class_of(7));
}

TEST(HeapSummary, CountsShallowAndRetainedPerClass) {
  HeapGraph g = Load("leak_final.json");
  NodeClasses classes(g);
  DominatorTree dom = ComputeDominators(&g);
  HeapSummary s = SummarizeHeap(g, classes, dom);
  EXPECT_EQ(s.node_count, 13u);
  EXPECT_EQ(s.total_size, 100u + 32 + 64 + 4 * 48 + 3 * 24 + 40);
  EXPECT_EQ(s.unreachable_count, 1u);  // WeakOnly
  const ClassSummary* req = FindClass(s, "LeakedRequest");
  ASSERT_NE(req, nullptr);
  EXPECT_EQ(req->count, 4u);
  EXPECT_EQ(req->self_size, 192u);
  EXPECT_EQ(req->retained_size, 192u + 72);
  const ClassSummary* map = FindClass(s, "Map");
  ASSERT_NE(map, nullptr);
  EXPECT_EQ(map->retained_size, 32u + 64 + 192 + 72);
  // The largest retainer comes first.
  EXPECT_EQ(s.classes[0].retained_size, s.reachable_size);
}

TEST(HeapSummary, SameClassNestingIsCountedOnce) {
  // root -> a (List) -> b (List) -> c (List): the class retains a's tree,
  // not a + b + c.
  HeapGraph g;
  g.SetV8Types();
  uint32_t list = g.InternString("List");
  uint32_t next = g.InternString("next");
  g.AddNode(9, g.InternString(""), 1, 0);
  g.AddEdge(1, 0, 1);
  for (uint32_t i = 1; i <= 3; i++) {
    g.AddNode(3, list, 2 * i + 1, 10);
    if (i < 3)
      g.AddEdge(2, next, i + 1);
  }
  ASSERT_TRUE(g.Finish().ok());
  NodeClasses classes(g);
  DominatorTree dom = ComputeDominators(&g);
  HeapSummary s = SummarizeHeap(g, classes, dom);
  const ClassSummary* c = FindClass(s, "List");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->count, 3u);
  EXPECT_EQ(c->retained_size, 30u);
}

TEST(HeapDiff, MatchesByIdInMemwatchShape) {
  HeapGraph before = Load("leak_baseline.json");
  HeapGraph after = Load("leak_final.json");
  NodeClasses bc(before);
  NodeClasses ac(after);
  HeapDiff d = DiffHeaps(before, bc, after, ac);
  EXPECT_EQ(d.before_nodes, 5u);
  EXPECT_EQ(d.after_nodes, 13u);
  EXPECT_EQ(d.allocated_nodes, 8u);  // 4 requests, 3 strings, WeakOnly
  EXPECT_EQ(d.freed_nodes, 0u);
  const DiffDetail* req = nullptr;
  for (const DiffDetail& x : d.details) {
    if (x.what == "LeakedRequest")
      req = &x;
  }
  ASSERT_NE(req, nullptr);
  EXPECT_EQ(req->added, 4u);
  EXPECT_EQ(req->removed, 0u);
  EXPECT_EQ(req->size_bytes, 192);
  EXPECT_EQ(d.details[0].what, "LeakedRequest");  // largest change first

  // Reverse: everything new is freed.
  HeapDiff r = DiffHeaps(after, ac, before, bc);
  EXPECT_EQ(r.freed_nodes, 8u);
  EXPECT_EQ(r.allocated_nodes, 0u);

  JsonWriter out;
  WriteDiffJson(d, 0, &out);
  const std::string& json = out.str();
  EXPECT_EQ(json.rfind("{\"before\":{\"nodes\":5,\"size_bytes\":64,"
                       "\"size\":\"64 bytes\"},\"after\":{\"nodes\":13,",
                       0),
            0u)
      << json;
  EXPECT_NE(json.find("\"change\":{\"size_bytes\":"), std::string::npos);
  EXPECT_NE(json.find("{\"what\":\"LeakedRequest\",\"size_bytes\":192,"
                      "\"size\":\"192 bytes\",\"+\":4,\"-\":0}"),
            std::string::npos)
      << json;
}

TEST(RetainerPaths, ShortestPathPrefersUserRoots) {
  HeapGraph g = Load("leak_final.json");
  NodeClasses classes(g);
  ShortestPaths paths(g);
  std::vector<PathHop> path = paths.PathTo(5);  // first LeakedRequest
  ASSERT_EQ(path.size(), 4u);
  EXPECT_EQ(path[0].node, 2u);  // global
  EXPECT_EQ(FormatPath(g, classes, path),
            "global \xE2\x86\x92 requests (Map) \xE2\x86\x92 table "
            "\xE2\x86\x92 LeakedRequest");
  EXPECT_EQ(EdgeLabel(g, path[3].edge), "[0]");
  EXPECT_TRUE(IsIndexEdge(g, path[3].edge));
  EXPECT_FALSE(paths.reachable(12));  // WeakOnly: only a weak edge
  EXPECT_TRUE(paths.PathTo(12).empty());
  EXPECT_EQ(paths.distance(6), 5u);
}

TEST(LeakCandidates, ThreeSnapshotMethod) {
  HeapGraph g = Load("leak_final.json");
  Result<std::vector<uint32_t>> baseline =
      ReadSnapshotIds(FixturePath("leak_baseline.json"));
  Result<std::vector<uint32_t>> target =
      ReadSnapshotIds(FixturePath("leak_target.json"));
  ASSERT_TRUE(baseline.ok() && target.ok());
  NodeClasses classes(g);
  DominatorTree dom = ComputeDominators(&g);
  FunctionSites sites(g, "");
  ShortestPaths paths(g, &sites);
  LeakOptions options;
  options.min_count = 1;
  options.min_retained_bytes = 0;
  LeakReport r = FindLeakCandidates(
      baseline.value(), target.value(), g, classes, dom, sites, paths, options);
  EXPECT_EQ(r.new_in_target, 8u);
  // Alive in final and new in target: 3 requests, 3 strings, WeakOnly
  // (unreachable, so not alive), the 4th request is not in target.
  EXPECT_EQ(r.still_alive, 6u);
  EXPECT_EQ(r.candidates, 3u);  // strings are inside their requests
  ASSERT_EQ(r.groups.size(), 1u);
  const LeakGroup& group = r.groups[0];
  EXPECT_EQ(group.constructor, "LeakedRequest");
  EXPECT_EQ(group.count, 3u);
  EXPECT_EQ(group.self_size, 144u);
  EXPECT_EQ(group.retained_size, 216u);
  EXPECT_EQ(group.path,
            "global \xE2\x86\x92 requests (Map) \xE2\x86\x92 table "
            "\xE2\x86\x92 LeakedRequest");
  ASSERT_EQ(group.hops.size(), 4u);
  EXPECT_EQ(group.hops[1].edge, "requests");
  EXPECT_EQ(group.hops[1].edge_type, "property");
  EXPECT_EQ(group.hops[1].node, "Map");
  EXPECT_EQ(group.hops[3].node, "LeakedRequest");

  // The noise threshold drops the group.
  options.min_count = 4;
  LeakReport quiet = FindLeakCandidates(
      baseline.value(), target.value(), g, classes, dom, sites, paths, options);
  EXPECT_EQ(quiet.groups_total, 1u);
  EXPECT_TRUE(quiet.groups.empty());
}

TEST(HeapReports, ProduceJsonAndNameTheFile) {
  LeakOptions options;
  options.min_count = 1;
  options.min_retained_bytes = 0;
  Result<std::string> a = AnalyzeReport(FixturePath("leak_baseline.json"),
                                        FixturePath("leak_target.json"),
                                        FixturePath("leak_final.json"),
                                        options);
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_NE(a.value().find("\"constructor\":\"LeakedRequest\",\"count\":3"),
            std::string::npos)
      << a.value();
  Result<std::string> s = SummaryReport(FixturePath("dominators.json"), 3);
  ASSERT_TRUE(s.ok());
  EXPECT_NE(s.value().find("\"reachable_size\":105"), std::string::npos);
  Result<std::string> d = DiffReport(
      FixturePath("leak_baseline.json"), FixturePath("leak_target.json"), 0);
  ASSERT_TRUE(d.ok());
  EXPECT_NE(d.value().find("\"allocated_nodes\":8"), std::string::npos);

  std::string bad = FixturePath("dominators.json") + ".missing";
  Result<std::string> e = AnalyzeReport(FixturePath("leak_baseline.json"),
                                        bad,
                                        FixturePath("leak_final.json"),
                                        options);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().message().rfind(bad + ": open ", 0), 0u)
      << e.status().message();
}

// The in-memory reports (what HeapDiff and findLeaks use) give the file
// reports' answers for the same graphs.
TEST(HeapReports, InMemoryReportsEqualFileReports) {
  const std::string baseline = FixturePath("leak_baseline.json");
  const std::string target = FixturePath("leak_target.json");
  const std::string final_snapshot = FixturePath("leak_final.json");
  LeakOptions options;
  options.min_count = 1;
  options.min_retained_bytes = 0;

  Result<std::string> from_files =
      AnalyzeReport(baseline, target, final_snapshot, options);
  ASSERT_TRUE(from_files.ok());
  Result<std::vector<uint32_t>> b = ReadSnapshotIds(baseline);
  Result<std::vector<uint32_t>> t = ReadSnapshotIds(target);
  ASSERT_TRUE(b.ok() && t.ok());
  HeapGraph g = Load("leak_final.json");
  EXPECT_EQ(AnalyzeJson(b.value(),
                        t.value(),
                        &g,
                        options,
                        AnalyzeFiles{baseline, target, final_snapshot}),
            from_files.value());
  // Snapshots never written to a file are null.
  HeapGraph g2 = Load("leak_final.json");
  std::string unnamed =
      AnalyzeJson(b.value(), t.value(), &g2, options, AnalyzeFiles{});
  EXPECT_EQ(unnamed.rfind("{\"version\":2,\"files\":{\"baseline\":null,"
                          "\"target\":null,\"final\":null},",
                          0),
            0u)
      << unnamed;

  Result<std::string> diff = DiffReport(baseline, final_snapshot, 0);
  ASSERT_TRUE(diff.ok());
  EXPECT_EQ(DiffJson(Load("leak_baseline.json"), Load("leak_final.json"), 0),
            diff.value());

  Result<std::string> summary = SummaryReport(final_snapshot, 0);
  ASSERT_TRUE(summary.ok());
  HeapGraph g3 = Load("leak_final.json");
  EXPECT_EQ(SummaryJson(&g3, 0, final_snapshot), summary.value());
}

TEST(SnapshotReader, SortUniqueIds) {
  std::vector<uint32_t> ids = {9, 1, 5, 1, 3, 9};
  SortUniqueIds(&ids);
  EXPECT_EQ(ids, (std::vector<uint32_t>{1, 3, 5, 9}));
}

// The radix sort against std::sort: ascending runs (V8's traversal order),
// the whole 32-bit range, duplicates, ids that share digits.
TEST(SnapshotReader, SortUniqueIdsMatchesStdSort) {
  std::mt19937 rng(7);
  for (int round = 0; round < 20; round++) {
    std::vector<uint32_t> ids;
    const uint32_t mask = round % 4 == 0   ? 0xffffffffu
                          : round % 4 == 1 ? 0x003fffffu
                          : round % 4 == 2 ? 0xffc007ffu
                                           : 0x000007ffu;
    while (ids.size() < 50000) {
      uint32_t start = rng() & mask;
      const uint32_t run = rng() % 300;
      for (uint32_t i = 0; i < run; i++)
        ids.push_back((start + 2 * i) & mask);
    }
    std::vector<uint32_t> expected = ids;
    std::sort(expected.begin(), expected.end());
    expected.erase(std::unique(expected.begin(), expected.end()),
                   expected.end());
    SortUniqueIds(&ids);
    ASSERT_EQ(ids, expected) << "round " << round;
  }
}

TEST(JsonWriter, EscapesAndSeparates) {
  JsonWriter w;
  w.BeginObject();
  w.Key("a").String("q\"\\\n\x01 \xC3\xA9 \xFF");
  w.Key("b").BeginArray().Uint(1).Int(-2).Bool(true).Null().EndArray();
  w.Key("c").BeginObject().EndObject();
  w.Key("d").Double(0.5);
  w.EndObject();
  EXPECT_EQ(w.str(),
            "{\"a\":\"q\\\"\\\\\\n\\u0001 \xC3\xA9 \xEF\xBF\xBD\","
            "\"b\":[1,-2,true,null],\"c\":{},\"d\":0.5}");
}

}  // namespace
}  // namespace leakguard
