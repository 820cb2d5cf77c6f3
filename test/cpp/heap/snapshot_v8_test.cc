// The meta decoder on a real V8 snapshot, written by the `node` on PATH at
// test time (real snapshots are never committed). Skipped without node.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "core/analysis/heap_summary.h"
#include "core/heap/dominators.h"
#include "core/heap/node_classes.h"
#include "core/heap/retainer_paths.h"
#include "core/heap/snapshot_reader.h"

namespace leakguard {
namespace {

class V8Snapshot : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("node --version > /dev/null 2>&1") != 0) {
      GTEST_SKIP() << "node is not on PATH";
    }
    char dir[] = "/tmp/leakguard-v8-test-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    dir_ = dir;
    path_ = dir_ + "/real.heapsnapshot";
    // A marker class held by a global, so the test knows one path.
    std::string cmd =
        "node -e \"class LeakguardMarker {}; "
        "globalThis.leakguardMarkers = [new LeakguardMarker(), "
        "new LeakguardMarker()]; "
        "require('v8').writeHeapSnapshot('" +
        path_ + "')\"";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
  }
  void TearDown() override {
    if (!dir_.empty()) {
      unlink(path_.c_str());
      rmdir(dir_.c_str());
    }
  }
  std::string dir_;
  std::string path_;
};

TEST_F(V8Snapshot, DecodesMetaAndGraph) {
  Result<HeapGraph> r = ReadSnapshotFile(path_);
  ASSERT_TRUE(r.ok()) << r.status().message();
  HeapGraph& g = r.value();
  EXPECT_GT(g.node_count(), 1000u);
  // Type lists: the edge list is not the node list.
  EXPECT_NE(g.FindNodeType("object"), kNoType);
  EXPECT_NE(g.FindNodeType("closure"), kNoType);
  EXPECT_NE(g.FindNodeType("synthetic"), kNoType);
  EXPECT_NE(g.FindEdgeType("weak"), kNoType);
  EXPECT_NE(g.FindEdgeType("shortcut"), kNoType);
  EXPECT_EQ(g.FindEdgeType("closure"), kNoType);
  EXPECT_EQ(g.FindNodeType("shortcut"), kNoType);
  // The root is synthetic and links to (GC roots) and the global object.
  EXPECT_EQ(g.node_type_names()[g.node_type(0)], "synthetic");
  bool gc_roots = false;
  bool global = false;
  for (uint32_t e = g.first_edge(0); e < g.edge_end(0); e++) {
    std::string_view name = g.node_name_string(g.edge_target(e));
    std::string_view type = g.edge_type_names()[g.edge_type(e)];
    if (name == "(GC roots)" && type == "element")
      gc_roots = true;
    if (type == "shortcut")
      global = true;
  }
  EXPECT_TRUE(gc_roots);
  EXPECT_TRUE(global);

  NodeClasses classes(g);
  DominatorTree dom = ComputeDominators(&g);
  HeapSummary s = SummarizeHeap(g, classes, dom);
  uint64_t markers = 0;
  for (const ClassSummary& c : s.classes) {
    if (c.name == "LeakguardMarker")
      markers = c.count;
  }
  EXPECT_EQ(markers, 2u);
  EXPECT_GT(s.reachable_size, s.total_size / 2);

  // The markers' shortest path goes through the global's property.
  ShortestPaths paths(g);
  bool found = false;
  for (uint32_t n = 0; n < g.node_count() && !found; n++) {
    if (classes.node_class_name(n) != "LeakguardMarker")
      continue;
    std::string path = FormatPath(g, classes, paths.PathTo(n));
    EXPECT_NE(path.find("leakguardMarkers (Array)"), std::string::npos) << path;
    found = true;
  }
  EXPECT_TRUE(found);

  // Small chunks parse to the same graph (every token crosses a boundary
  // somewhere in a file this size).
  SnapshotReadOptions small;
  small.chunk_bytes = 4096;
  Result<HeapGraph> again = ReadSnapshotFile(path_, small);
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(again.value().node_count(), g.node_count());
  EXPECT_EQ(again.value().edge_count(), g.edge_count());
  EXPECT_EQ(again.value().string_count(), g.string_count());
  for (uint32_t i = 0; i < g.string_count(); i++) {
    ASSERT_EQ(again.value().string(i), g.string(i));
  }
  Result<std::vector<uint32_t>> ids = ReadSnapshotIds(path_);
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(ids.value().size(), g.node_count());
}

}  // namespace
}  // namespace leakguard
