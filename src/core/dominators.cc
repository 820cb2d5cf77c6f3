#include "core/dominators.h"

#include <utility>

namespace leakguard {

namespace {

constexpr uint32_t kUnset = 0xFFFFFFFFu;

// Iterative DFS from the root over followed edges. Returns the reachable
// nodes in postorder and fills po_number (kUnset for unreachable nodes).
std::vector<uint32_t> Postorder(const HeapGraph& g,
                                const EdgeFilter& filter,
                                std::vector<uint32_t>* po_number) {
  const uint32_t nodes = g.node_count();
  std::vector<uint32_t> postorder;
  std::vector<uint8_t> visited(nodes, 0);
  // Each frame is (node, next edge to look at).
  std::vector<std::pair<uint32_t, uint32_t>> stack;
  stack.emplace_back(0, g.first_edge(0));
  visited[0] = 1;
  while (!stack.empty()) {
    auto& top = stack.back();
    const uint32_t n = top.first;
    const uint32_t end = g.edge_end(n);
    uint32_t e = top.second;
    while (e < end) {
      const uint32_t t = g.edge_target(e);
      if (!visited[t] && filter.Follows(n, g.edge_type(e)))
        break;
      e++;
    }
    if (e < end) {
      top.second = e + 1;
      const uint32_t t = g.edge_target(e);
      visited[t] = 1;
      stack.emplace_back(t, g.first_edge(t));  // invalidates `top`
    } else {
      (*po_number)[n] = static_cast<uint32_t>(postorder.size());
      postorder.push_back(n);
      stack.pop_back();
    }
  }
  return postorder;
}

}  // namespace

DominatorTree ComputeDominators(HeapGraph* graph) {
  DominatorTree tree;
  const HeapGraph& g = *graph;
  const uint32_t nodes = g.node_count();
  if (nodes == 0)
    return tree;
  graph->BuildRetainers();
  EdgeFilter filter(g);

  std::vector<uint32_t> po_number(nodes, kUnset);
  std::vector<uint32_t> postorder = Postorder(g, filter, &po_number);
  const uint32_t reached = static_cast<uint32_t>(postorder.size());
  const uint32_t root_po = reached - 1;

  // doms[] is indexed by postorder number, as in the paper: intersect()
  // walks towards the root by following ever larger numbers.
  std::vector<uint32_t> doms(reached, kUnset);
  doms[root_po] = root_po;
  bool changed = true;
  while (changed) {
    changed = false;
    for (uint32_t i = root_po; i-- > 0;) {  // reverse postorder, root excluded
      const uint32_t n = postorder[i];
      uint32_t new_idom = kUnset;
      for (uint32_t r = g.retainer_begin(n); r < g.retainer_end(n); r++) {
        const uint32_t p = g.retainer_node(r);
        const uint32_t p_po = po_number[p];
        if (p_po == kUnset || doms[p_po] == kUnset)
          continue;
        if (!filter.Follows(p, g.edge_type(g.retainer_edge(r))))
          continue;
        if (new_idom == kUnset) {
          new_idom = p_po;
          continue;
        }
        uint32_t a = p_po;
        uint32_t b = new_idom;
        while (a != b) {
          while (a < b)
            a = doms[a];
          while (b < a)
            b = doms[b];
        }
        new_idom = a;
      }
      if (new_idom != kUnset && doms[i] != new_idom) {
        doms[i] = new_idom;
        changed = true;
      }
    }
  }

  tree.idom.assign(nodes, kNoNode);
  tree.order.resize(reached);
  for (uint32_t i = 0; i < reached; i++) {
    tree.order[i] = postorder[root_po - i];
    if (i != root_po)
      tree.idom[postorder[i]] = postorder[doms[i]];
  }
  // Bottom-up: every node adds its retained size to its dominator's.
  tree.retained.resize(nodes);
  for (uint32_t n = 0; n < nodes; n++)
    tree.retained[n] = g.self_size(n);
  for (uint32_t i = 0; i < root_po; i++) {
    const uint32_t n = postorder[i];
    tree.retained[tree.idom[n]] += tree.retained[n];
  }
  return tree;
}

}  // namespace leakguard
