// Shortest retainer paths from the GC roots, and how to print them.
//
// A breadth-first search from the root gives every reachable node a parent
// edge on one of its shortest paths. The search first spreads from the
// global objects the root links to by shortcut edges ("user roots") and only
// then from the other root children ((GC roots), C++ roots, ...), as Chrome
// DevTools does: a path through `global` and the program's own variables
// reads better than one through (Handle scope) or (Strong roots), even when
// both have the same length. Edges are followed as for dominators (no weak
// edges, shortcuts from the root only).
//
// Immutable after construction; safe to share between threads.
#ifndef LEAKGUARD_CORE_RETAINER_PATHS_H_
#define LEAKGUARD_CORE_RETAINER_PATHS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/heap/heap_graph.h"
#include "core/heap/node_classes.h"

namespace leakguard {

// One step of a path: the edge taken (kNoNode for the first node) and the
// node reached.
struct PathHop {
  uint32_t edge = kNoNode;
  uint32_t node = kNoNode;
};

class ShortestPaths {
 public:
  explicit ShortestPaths(const HeapGraph& graph);

  // Parent edge of `node` on its shortest path, kNoNode for the root, its
  // direct children and unreachable nodes; parent_node likewise.
  uint32_t parent_edge(uint32_t node) const { return parent_edge_[node]; }
  uint32_t parent_node(uint32_t node) const { return parent_node_[node]; }
  bool reachable(uint32_t node) const { return distance_[node] != kNoNode; }
  uint32_t distance(uint32_t node) const { return distance_[node]; }

  // The path from a child of the root down to `node` (empty if unreachable).
  std::vector<PathHop> PathTo(uint32_t node) const;

 private:
  std::vector<uint32_t> parent_edge_;
  std::vector<uint32_t> parent_node_;
  std::vector<uint32_t> distance_;
};

// True for element and hidden edges and for internal edges named by a
// number (V8 names a Map's hash table slots that way).
bool IsIndexEdge(const HeapGraph& graph, uint32_t edge);

// How a path is printed. An edge label is the property or variable name,
// `[i]` for elements, the internal field name (`table`, `context`, ...).
std::string EdgeLabel(const HeapGraph& graph, uint32_t edge);
// "requests (Map)": the edge label, with the reached node's class in
// parentheses when it is a program's object (not V8's arrays, code or
// "system / ..." objects); a slot of an array or hash table prints as the
// class alone ("LeakedRequest"), a closure as "name()", a root category by
// its name ("(GC roots)").
std::string HopLabel(const HeapGraph& graph,
                     const NodeClasses& classes,
                     const PathHop& hop);
// Hop labels joined by " → ".
std::string FormatPath(const HeapGraph& graph,
                       const NodeClasses& classes,
                       const std::vector<PathHop>& path);

}  // namespace leakguard

#endif  // LEAKGUARD_CORE_RETAINER_PATHS_H_
