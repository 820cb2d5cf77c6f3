#include "core/analysis/heap_summary.h"

#include <algorithm>

namespace leakguard {

HeapSummary SummarizeHeap(const HeapGraph& g,
                          const NodeClasses& classes,
                          const DominatorTree& dom) {
  HeapSummary summary;
  const uint32_t nodes = g.node_count();
  summary.node_count = nodes;
  summary.edge_count = g.edge_count();
  summary.classes.resize(classes.class_count());
  for (uint32_t c = 0; c < classes.class_count(); c++) {
    summary.classes[c].name = classes.name(c);
  }
  for (uint32_t n = 0; n < nodes; n++) {
    ClassSummary& s = summary.classes[classes.class_of(n)];
    s.count++;
    s.self_size += g.self_size(n);
    summary.total_size += g.self_size(n);
    if (!dom.reachable(n))
      summary.unreachable_count++;
  }
  if (nodes > 0)
    summary.reachable_size = dom.retained[0];

  // Walk the dominator tree depth-first, keeping per class how many of the
  // nodes on the current root-to-node chain belong to it; a node adds its
  // retained size only when no ancestor shares its class. Children lists
  // come from a counting sort of idom; the walk uses an explicit stack.
  std::vector<uint32_t> child_first(static_cast<size_t>(nodes) + 1, 0);
  for (uint32_t n : dom.order) {
    if (n != 0)
      child_first[dom.idom[n] + 1]++;
  }
  for (uint32_t n = 0; n < nodes; n++)
    child_first[n + 1] += child_first[n];
  std::vector<uint32_t> children(child_first[nodes]);
  {
    std::vector<uint32_t> fill(child_first.begin(), child_first.end() - 1);
    for (uint32_t n : dom.order) {
      if (n != 0)
        children[fill[dom.idom[n]]++] = n;
    }
  }
  std::vector<uint32_t> on_chain(classes.class_count(), 0);
  std::vector<std::pair<uint32_t, uint32_t>> stack;  // node, next child slot
  if (nodes > 0) {
    stack.emplace_back(0, child_first[0]);
    on_chain[classes.class_of(0)]++;
    summary.classes[classes.class_of(0)].retained_size += dom.retained[0];
  }
  while (!stack.empty()) {
    auto& top = stack.back();
    const uint32_t n = top.first;
    if (top.second < child_first[n + 1]) {
      const uint32_t child = children[top.second++];
      const uint32_t c = classes.class_of(child);
      if (on_chain[c]++ == 0) {
        summary.classes[c].retained_size += dom.retained[child];
      }
      stack.emplace_back(child, child_first[child]);  // invalidates `top`
    } else {
      on_chain[classes.class_of(n)]--;
      stack.pop_back();
    }
  }
  // Unreachable nodes retain only themselves.
  for (uint32_t n = 0; n < nodes; n++) {
    if (!dom.reachable(n)) {
      summary.classes[classes.class_of(n)].retained_size += g.self_size(n);
    }
  }

  std::sort(summary.classes.begin(),
            summary.classes.end(),
            [](const ClassSummary& a, const ClassSummary& b) {
              if (a.retained_size != b.retained_size) {
                return a.retained_size > b.retained_size;
              }
              if (a.self_size != b.self_size)
                return a.self_size > b.self_size;
              return a.name < b.name;
            });
  return summary;
}

void WriteSummaryJson(const HeapSummary& s, size_t top, JsonWriter* out) {
  out->BeginObject();
  out->Key("nodes").Uint(s.node_count);
  out->Key("edges").Uint(s.edge_count);
  out->Key("total_size").Uint(s.total_size);
  out->Key("reachable_size").Uint(s.reachable_size);
  out->Key("unreachable_nodes").Uint(s.unreachable_count);
  out->Key("classes").BeginArray();
  size_t limit = top == 0 ? s.classes.size() : std::min(top, s.classes.size());
  for (size_t i = 0; i < limit; i++) {
    const ClassSummary& c = s.classes[i];
    out->BeginObject();
    out->Key("name").String(c.name);
    out->Key("count").Uint(c.count);
    out->Key("self_size").Uint(c.self_size);
    out->Key("retained_size").Uint(c.retained_size);
    out->EndObject();
  }
  out->EndArray();
  out->EndObject();
}

}  // namespace leakguard
