#include "core/heap/dominators.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/heap/snapshot_reader.h"
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

TEST(Dominators, DeepChainSharingOneNodeIsFast) {
  // What a million-deep list looks like in V8: every node also points at
  // the one hidden class ("map") all of them share. The iterative
  // algorithm walked the chain for each of its million retainers.
  const uint32_t n = 1000000;
  const uint32_t shared = n;  // the map, after the chain
  HeapGraph g;
  g.SetV8Types();
  uint32_t name = g.InternString("Node");
  uint32_t next = g.InternString("next");
  uint32_t map = g.InternString("map");
  const uint8_t kInternal = static_cast<uint8_t>(g.FindEdgeType("internal"));
  for (uint32_t i = 0; i < n; i++) {
    g.AddNode(3, name, i * 2 + 1, 2);
    if (i + 1 < n)
      g.AddEdge(2, next, i + 1);
    g.AddEdge(kInternal, map, shared);
  }
  g.AddNode(
      static_cast<uint8_t>(g.FindNodeType("object shape")), map, n * 2 + 1, 40);
  ASSERT_TRUE(g.Finish().ok());
  DominatorTree d = ComputeDominators(&g);
  EXPECT_EQ(d.idom[shared], 0u);
  EXPECT_EQ(d.idom[n - 1], n - 2);
  EXPECT_EQ(d.retained[0], 2u * n + 40);
  EXPECT_EQ(d.retained[1], 2u * (n - 1));
  EXPECT_EQ(d.order.size(), n + 1u);
}

// Dominators by definition, for small graphs: the iterative data-flow
// solution over bit sets, Dom(n) = {n} + the intersection of Dom(p) over
// n's followed retainers.
std::vector<uint32_t> ReferenceIdoms(HeapGraph* g) {
  g->BuildRetainers();
  EdgeFilter filter(*g);
  const uint32_t nodes = g->node_count();
  const uint64_t all = nodes == 64 ? ~uint64_t{0} : (uint64_t{1} << nodes) - 1;
  // Reachability first: unreachable retainers do not count.
  std::vector<bool> reached(nodes, false);
  std::vector<uint32_t> todo = {0};
  reached[0] = true;
  while (!todo.empty()) {
    uint32_t n = todo.back();
    todo.pop_back();
    for (uint32_t e = g->first_edge(n); e < g->edge_end(n); e++) {
      uint32_t t = g->edge_target(e);
      if (!reached[t] && filter.Follows(n, g->edge_type(e))) {
        reached[t] = true;
        todo.push_back(t);
      }
    }
  }
  std::vector<uint64_t> dom(nodes, all);
  dom[0] = 1;
  bool changed = true;
  while (changed) {
    changed = false;
    for (uint32_t n = 1; n < nodes; n++) {
      if (!reached[n])
        continue;
      uint64_t meet = all;
      for (uint32_t r = g->retainer_begin(n); r < g->retainer_end(n); r++) {
        uint32_t p = g->retainer_node(r);
        if (reached[p] &&
            filter.Follows(p, g->edge_type(g->retainer_edge(r)))) {
          meet &= dom[p];
        }
      }
      uint64_t next = meet | (uint64_t{1} << n);
      if (next != dom[n]) {
        dom[n] = next;
        changed = true;
      }
    }
  }
  // The immediate dominator is the strict dominator with the most
  // dominators of its own.
  std::vector<uint32_t> idom(nodes, kNoNode);
  for (uint32_t n = 1; n < nodes; n++) {
    if (!reached[n])
      continue;
    int best = -1;
    for (uint32_t d = 0; d < nodes; d++) {
      if (d == n || !(dom[n] >> d & 1))
        continue;
      int size = __builtin_popcountll(dom[d]);
      if (size > best) {
        best = size;
        idom[n] = d;
      }
    }
  }
  return idom;
}

TEST(Dominators, RandomGraphsMatchTheDefinition) {
  uint64_t seed = 0x9E3779B97F4A7C15ull;
  auto next = [&seed](uint32_t bound) {
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    return static_cast<uint32_t>(seed % bound);
  };
  const char* types[] = {"property",
                         "element",
                         "internal",
                         "weak",
                         "shortcut",
                         "context",
                         "hidden"};
  for (int round = 0; round < 300; round++) {
    const uint32_t nodes = 2 + next(40);
    std::vector<uint64_t> sizes(nodes);
    for (uint64_t& size : sizes)
      size = 1 + next(100);
    std::vector<E> edges;
    const uint32_t edge_count = next(nodes * 3);
    for (uint32_t i = 0; i < edge_count; i++)
      edges.push_back({next(nodes), next(nodes), types[next(7)]});
    HeapGraph g = Build(sizes, edges);
    DominatorTree d = ComputeDominators(&g);
    std::vector<uint32_t> want = ReferenceIdoms(&g);
    ASSERT_EQ(d.idom, want) << "round " << round;
    // Retained sizes: each node's own size plus its dominator subtree's.
    for (uint32_t n = 0; n < nodes; n++) {
      if (!d.reachable(n))
        continue;
      uint64_t sum = 0;
      for (uint32_t m = 0; m < nodes; m++) {
        uint32_t x = m;
        while (x != kNoNode && x != n)
          x = d.reachable(x) ? d.idom[x] : kNoNode;
        if (x == n)
          sum += sizes[m];
      }
      ASSERT_EQ(d.retained[n], sum) << "round " << round << " node " << n;
    }
    // `order` lists every reachable node once, dominators first.
    std::vector<bool> seen(nodes, false);
    for (uint32_t n : d.order) {
      ASSERT_FALSE(seen[n]);
      ASSERT_TRUE(n == 0 || seen[d.idom[n]]) << "round " << round;
      seen[n] = true;
    }
  }
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
