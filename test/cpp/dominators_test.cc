#include "core/dominators.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/snapshot_reader.h"
#include "snapshot_test_util.h"

namespace leakguard {
namespace {

struct E {
  uint32_t from;
  uint32_t to;
  const char* type;
};

// Node i is an object of self size sizes[i]; node 0 is the synthetic root.
HeapGraph Build(const std::vector<uint64_t>& sizes, std::vector<E> edges) {
  HeapGraph g;
  g.SetV8Types();
  uint32_t name = g.InternString("X");
  uint32_t prop = g.InternString("p");
  for (uint32_t n = 0; n < sizes.size(); n++) {
    g.AddNode(
        static_cast<uint8_t>(g.FindNodeType(n == 0 ? "synthetic" : "object")),
        name,
        2 * n + 1,
        sizes[n]);
    for (const E& e : edges) {
      if (e.from == n) {
        g.AddEdge(static_cast<uint8_t>(g.FindEdgeType(e.type)), prop, e.to);
      }
    }
  }
  EXPECT_TRUE(g.Finish().ok());
  return g;
}

TEST(Dominators, KnownTreeFromFixture) {
  Result<HeapGraph> r =
      ReadSnapshotFile(testing_util::FixturePath("dominators.json"));
  ASSERT_TRUE(r.ok()) << r.status().message();
  HeapGraph& g = r.value();
  DominatorTree d = ComputeDominators(&g);
  // 0 root, 1 (GC roots), 2 A, 3 B, 4 C, 5 D, 6 E (weak only), 7 F
  // (unreachable, points at A), 8 G (cycle with C).
  EXPECT_EQ(d.idom[0], kNoNode);
  EXPECT_EQ(d.idom[1], 0u);
  EXPECT_EQ(d.idom[2], 1u);
  EXPECT_EQ(d.idom[3], 2u);
  EXPECT_EQ(d.idom[4], 2u);
  EXPECT_EQ(d.idom[5], 2u);  // reached through B and C: A dominates
  EXPECT_EQ(d.idom[6], kNoNode);
  EXPECT_EQ(d.idom[7], kNoNode);
  EXPECT_EQ(d.idom[8], 4u);
  EXPECT_FALSE(d.reachable(6));
  EXPECT_FALSE(d.reachable(7));
  EXPECT_EQ(d.retained[8], 5u);
  EXPECT_EQ(d.retained[4], 35u);
  EXPECT_EQ(d.retained[3], 20u);
  EXPECT_EQ(d.retained[5], 40u);
  EXPECT_EQ(d.retained[2], 105u);
  EXPECT_EQ(d.retained[0], 105u);
  EXPECT_EQ(d.retained[6], 50u);  // unreachable: just itself
  EXPECT_EQ(d.retained[7], 60u);
  EXPECT_EQ(d.order.size(), 7u);
  EXPECT_EQ(d.order[0], 0u);
}

TEST(Dominators, WeakEdgesDoNotRetain) {
  // 1 holds 2 strongly and 3 weakly; 3 is also held strongly by 2.
  HeapGraph g = Build({0, 10, 20, 30},
                      {{0, 1, "element"},
                       {1, 2, "property"},
                       {1, 3, "weak"},
                       {2, 3, "property"}});
  DominatorTree d = ComputeDominators(&g);
  EXPECT_EQ(d.idom[3], 2u);
  EXPECT_EQ(d.retained[2], 50u);
  EXPECT_EQ(d.retained[1], 60u);
}

TEST(Dominators, ShortcutsCountOnlyFromTheRoot) {
  // Root -> 1 (shortcut, a global), 1 -> 2, and 3 -> 2 by a shortcut that
  // does not make 3 a retainer of 2.
  HeapGraph g = Build({0, 10, 20, 30},
                      {{0, 1, "shortcut"},
                       {0, 3, "element"},
                       {1, 2, "property"},
                       {3, 2, "shortcut"}});
  DominatorTree d = ComputeDominators(&g);
  EXPECT_EQ(d.idom[1], 0u);
  EXPECT_EQ(d.idom[2], 1u);
  EXPECT_EQ(d.retained[1], 30u);
  EXPECT_EQ(d.retained[3], 30u);
}

TEST(Dominators, CyclesAndSharedChildren) {
  // Root -> 1 and 2; both -> 3; 3 -> 4 -> 5 -> 3 (a cycle); 5 -> 5.
  HeapGraph g = Build({0, 1, 2, 4, 8, 16},
                      {{0, 1, "element"},
                       {0, 2, "element"},
                       {1, 3, "property"},
                       {2, 3, "property"},
                       {3, 4, "property"},
                       {4, 5, "property"},
                       {5, 3, "property"},
                       {5, 5, "property"}});
  DominatorTree d = ComputeDominators(&g);
  EXPECT_EQ(d.idom[3], 0u);
  EXPECT_EQ(d.idom[4], 3u);
  EXPECT_EQ(d.idom[5], 4u);
  EXPECT_EQ(d.retained[3], 28u);
  EXPECT_EQ(d.retained[1], 1u);
  EXPECT_EQ(d.retained[0], 31u);
}

TEST(Dominators, UnreachableCycleHasNoDominator) {
  HeapGraph g = Build({0, 1, 2, 3},
                      {{0, 1, "element"},
                       {2, 3, "property"},
                       {3, 2, "property"},
                       {3, 1, "property"}});
  DominatorTree d = ComputeDominators(&g);
  EXPECT_EQ(d.idom[1], 0u);
  EXPECT_EQ(d.idom[2], kNoNode);
  EXPECT_EQ(d.idom[3], kNoNode);
  EXPECT_EQ(d.retained[0], 1u);
  EXPECT_EQ(d.retained[2], 2u);
}

TEST(Dominators, DeepChainNeedsNoRecursion) {
  // A million-long linked list would overflow a recursive DFS.
  const uint32_t n = 1000000;
  HeapGraph g;
  g.SetV8Types();
  uint32_t name = g.InternString("Node");
  uint32_t next = g.InternString("next");
  for (uint32_t i = 0; i < n; i++) {
    g.AddNode(3, name, i * 2 + 1, 1);
    if (i + 1 < n)
      g.AddEdge(2, next, i + 1);
  }
  ASSERT_TRUE(g.Finish().ok());
  DominatorTree d = ComputeDominators(&g);
  EXPECT_EQ(d.idom[n - 1], n - 2);
  EXPECT_EQ(d.retained[0], n);
  EXPECT_EQ(d.retained[n / 2], n - n / 2);
}

TEST(Dominators, EmptyGraph) {
  HeapGraph g;
  g.SetV8Types();
  ASSERT_TRUE(g.Finish().ok());
  DominatorTree d = ComputeDominators(&g);
  EXPECT_TRUE(d.order.empty());
}

}  // namespace
}  // namespace leakguard
