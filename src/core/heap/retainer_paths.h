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
// Given the graph's FunctionSites, paths also prefer the program's own
// edges to Node's bookkeeping, as DevTools and memlab do: an edge into one
// of Node's own functions (a script named "node:..."), into the context of
// one, or into the `process` object costs one "detour", and so does a root
// category ((Handle scope), (Stack roots), (Strong roots)) holding one of
// the program's objects directly: it only says some function was using the
// object when the snapshot was taken, or that V8 caches it. Every node is
// reached with the fewest detours first, and among those by the shortest
// path (a search per detour count, each breadth-first). So a module-level
// Map reads `(GC roots) → ... → handle() at app.js:3:1 → context →
// requests (Map)` instead of `global → queueMicrotask() → context →
// process → mainModule (Module) → children (Array) → ...`; and where the
// only way in is through Node's timer lists or the microtask queue, that
// path is still found, just after all the others.
//
// leakguard's own functions, their contexts and its LeakGuard instances
// are the last resort: a path goes through them only when no other way
// in is left. leakguard holds the listeners a program gives it, and so the
// program's scopes, but a path through it says nothing about who keeps a
// leak (FunctionSites::IsOwnFunction).
//
// Immutable after construction; safe to share between threads.
#ifndef LEAKGUARD_CORE_RETAINER_PATHS_H_
#define LEAKGUARD_CORE_RETAINER_PATHS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/heap/functions.h"
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
  // Without `sites`, no edge is a detour.
  explicit ShortestPaths(const HeapGraph& graph,
                         const FunctionSites* sites = nullptr);

  // Parent edge of `node` on its shortest path, kNoNode for the root, its
  // direct children and unreachable nodes; parent_node likewise.
  uint32_t parent_edge(uint32_t node) const { return parent_edge_[node]; }
  uint32_t parent_node(uint32_t node) const { return parent_node_[node]; }
  bool reachable(uint32_t node) const { return distance_[node] != kNoNode; }
  uint32_t distance(uint32_t node) const { return distance_[node]; }
  // Detours (see above) on the path to `node`.
  uint32_t detours(uint32_t node) const { return detours_[node]; }

  // The path from a child of the root down to `node` (empty if unreachable).
  std::vector<PathHop> PathTo(uint32_t node) const;

 private:
  std::vector<uint32_t> parent_edge_;
  std::vector<uint32_t> parent_node_;
  std::vector<uint32_t> distance_;
  std::vector<uint8_t> detours_;  // saturates at 255
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
// its name ("(GC roots)"). With `sites`, a program's function says where
// it was created ("handle() at app.js:12:3"; Node's own stay "name()").
std::string HopLabel(const HeapGraph& graph,
                     const NodeClasses& classes,
                     const PathHop& hop,
                     const FunctionSites* sites = nullptr);
// Hop labels joined by " → ".
std::string FormatPath(const HeapGraph& graph,
                       const NodeClasses& classes,
                       const std::vector<PathHop>& path,
                       const FunctionSites* sites = nullptr);

}  // namespace leakguard

#endif  // LEAKGUARD_CORE_RETAINER_PATHS_H_
