// Dominator tree and retained sizes of a heap graph.
//
// Node d dominates node n when every path from the root (node 0) to n passes
// through d; n's retained size is the sum of the self sizes of the nodes it
// dominates, itself included: what a GC would free if n went away.
//
// Which edges count: weak edges never keep anything alive, so they are not
// followed; shortcut edges are followed only from the root (V8 uses them to
// link the root to global objects, elsewhere they duplicate a real path).
// This is the rule Chrome DevTools uses, so retained sizes agree with it.
// Nodes that no followed path reaches are "unreachable": no dominator,
// retained size equal to their self size, and absent from `order`.
//
// Algorithm: Lengauer and Tarjan, "A Fast Algorithm for Finding Dominators
// in a Flowgraph" (1979), the simple version (path compression without
// balanced linking, O(E log N)), over an iterative DFS, with an explicit
// stack for the path compression too. No recursion, so deep chains (a
// million-entry linked list) are fine. Cooper, Harvey and Kennedy's
// iterative algorithm, which this replaced, takes time proportional to the
// depth of the tree for every retainer of a shared node: a million-deep
// list whose nodes all point at one hidden class took hours.
#ifndef LEAKGUARD_CORE_DOMINATORS_H_
#define LEAKGUARD_CORE_DOMINATORS_H_

#include <cstdint>
#include <vector>

#include "core/heap/heap_graph.h"

namespace leakguard {

// The edge filter shared by the dominator tree, the shortest retainer paths
// and the leak candidates. `weak_type` and `shortcut_type` may be kNoType.
struct EdgeFilter {
  explicit EdgeFilter(const HeapGraph& graph)
      : weak_type(graph.FindEdgeType("weak")),
        shortcut_type(graph.FindEdgeType("shortcut")) {}
  bool Follows(uint32_t from, int edge_type) const {
    if (edge_type == weak_type)
      return false;
    return edge_type != shortcut_type || from == 0;
  }
  int weak_type;
  int shortcut_type;
};

struct DominatorTree {
  // Immediate dominator per node; kNoNode for the root and unreachable nodes.
  std::vector<uint32_t> idom;
  // Retained size per node.
  std::vector<uint64_t> retained;
  // Reachable nodes in reverse postorder (the root first). A node's
  // dominator always comes before it, so a forward pass over `order` is a
  // top-down walk of the dominator tree and a backward pass a bottom-up one.
  std::vector<uint32_t> order;

  bool reachable(uint32_t n) const { return n == 0 || idom[n] != kNoNode; }
};

// Builds the graph's retainer index if needed. An empty graph gives an empty
// tree.
DominatorTree ComputeDominators(HeapGraph* graph);

}  // namespace leakguard

#endif  // LEAKGUARD_CORE_DOMINATORS_H_
