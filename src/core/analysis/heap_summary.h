// Summary of one snapshot by class: how many objects, their shallow (self)
// size, and their retained size.
//
// A class's retained size counts each object once: an object dominated by
// another object of the same class (a list node inside a list node) is
// already inside that one's retained size, so it adds nothing. This is the
// rule of Chrome DevTools' Summary view.
#ifndef LEAKGUARD_CORE_HEAP_SUMMARY_H_
#define LEAKGUARD_CORE_HEAP_SUMMARY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/base/json_writer.h"
#include "core/heap/dominators.h"
#include "core/heap/heap_graph.h"
#include "core/heap/node_classes.h"

namespace leakguard {

struct ClassSummary {
  std::string name;
  uint64_t count = 0;
  uint64_t self_size = 0;
  uint64_t retained_size = 0;
};

struct HeapSummary {
  uint64_t node_count = 0;
  uint64_t edge_count = 0;
  uint64_t total_size = 0;      // sum of self sizes of all nodes
  uint64_t reachable_size = 0;  // retained size of the root
  uint64_t unreachable_count = 0;
  // Sorted by retained size, then self size, then name.
  std::vector<ClassSummary> classes;
};

HeapSummary SummarizeHeap(const HeapGraph& graph,
                          const NodeClasses& classes,
                          const DominatorTree& dominators);

// {"nodes":…,"edges":…,"total_size":…,"reachable_size":…,
//  "unreachable_nodes":…,"classes":[{"name","count","self_size",
//  "retained_size"}]}; `top` limits the classes (0: all).
void WriteSummaryJson(const HeapSummary& summary, size_t top, JsonWriter* out);

}  // namespace leakguard

#endif  // LEAKGUARD_CORE_HEAP_SUMMARY_H_
