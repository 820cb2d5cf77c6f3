#include "core/heap/dominators.h"

#include <utility>

namespace leakguard {

namespace {

constexpr uint32_t kUnset = 0xFFFFFFFFu;

// The depth-first search from the root over followed edges that both
// Lengauer-Tarjan and the retained sizes need.
struct Dfs {
  std::vector<uint32_t> number;  // node -> preorder number (kUnset: unreached)
  std::vector<uint32_t> vertex;  // preorder number -> node
  std::vector<uint32_t> parent;  // preorder number -> its parent's number
  std::vector<uint32_t> postorder;  // nodes, children before parents
};

Dfs Search(const HeapGraph& g, const EdgeFilter& filter) {
  const uint32_t nodes = g.node_count();
  Dfs dfs;
  dfs.number.assign(nodes, kUnset);
  // Each frame is (node, next edge to look at).
  std::vector<std::pair<uint32_t, uint32_t>> stack;
  stack.emplace_back(0, g.first_edge(0));
  dfs.number[0] = 0;
  dfs.vertex.push_back(0);
  dfs.parent.push_back(kUnset);
  while (!stack.empty()) {
    auto& top = stack.back();
    const uint32_t n = top.first;
    const uint32_t end = g.edge_end(n);
    uint32_t e = top.second;
    while (e < end) {
      const uint32_t t = g.edge_target(e);
      if (dfs.number[t] == kUnset && filter.Follows(n, g.edge_type(e)))
        break;
      e++;
    }
    if (e < end) {
      top.second = e + 1;
      const uint32_t t = g.edge_target(e);
      dfs.number[t] = static_cast<uint32_t>(dfs.vertex.size());
      dfs.vertex.push_back(t);
      dfs.parent.push_back(dfs.number[n]);
      stack.emplace_back(t, g.first_edge(t));  // invalidates `top`
    } else {
      dfs.postorder.push_back(n);
      stack.pop_back();
    }
  }
  return dfs;
}

// The forest of Lengauer-Tarjan's LINK and EVAL, over preorder numbers.
class Forest {
 public:
  Forest(const std::vector<uint32_t>& semi, uint32_t size)
      : semi_(semi), ancestor_(size, kUnset), label_(size) {
    for (uint32_t v = 0; v < size; v++)
      label_[v] = v;
  }

  void Link(uint32_t parent, uint32_t v) { ancestor_[v] = parent; }

  // The vertex of smallest semidominator on the forest path above `v`
  // (`v` itself when it is a tree root).
  uint32_t Eval(uint32_t v) {
    if (ancestor_[v] == kUnset)
      return v;
    Compress(v);
    return label_[v];
  }

 private:
  // The textbook's recursive COMPRESS with a stack: walk up to the last
  // vertex below a root's child, then shorten the path from the top down,
  // carrying the best label along.
  void Compress(uint32_t v) {
    path_.clear();
    for (uint32_t x = v; ancestor_[ancestor_[x]] != kUnset; x = ancestor_[x])
      path_.push_back(x);
    while (!path_.empty()) {
      const uint32_t x = path_.back();
      path_.pop_back();
      const uint32_t a = ancestor_[x];
      if (semi_[label_[a]] < semi_[label_[x]])
        label_[x] = label_[a];
      ancestor_[x] = ancestor_[a];
    }
  }

  const std::vector<uint32_t>& semi_;
  std::vector<uint32_t> ancestor_;
  std::vector<uint32_t> label_;
  std::vector<uint32_t> path_;
};

}  // namespace

DominatorTree ComputeDominators(HeapGraph* graph) {
  DominatorTree tree;
  const HeapGraph& g = *graph;
  const uint32_t nodes = g.node_count();
  if (nodes == 0)
    return tree;
  graph->BuildRetainers();
  EdgeFilter filter(g);
  Dfs dfs = Search(g, filter);
  const uint32_t reached = static_cast<uint32_t>(dfs.vertex.size());

  // Everything below is indexed by preorder number.
  std::vector<uint32_t> semi(reached);
  std::vector<uint32_t> idom(reached, 0);
  for (uint32_t v = 0; v < reached; v++)
    semi[v] = v;
  // bucket[v]: the vertices whose semidominator is v, as linked lists.
  std::vector<uint32_t> bucket_head(reached, kUnset);
  std::vector<uint32_t> bucket_next(reached, kUnset);
  Forest forest(semi, reached);
  for (uint32_t w = reached; w-- > 1;) {
    const uint32_t n = dfs.vertex[w];
    for (uint32_t r = g.retainer_begin(n); r < g.retainer_end(n); r++) {
      const uint32_t p = g.retainer_node(r);
      const uint32_t v = dfs.number[p];
      if (v == kUnset || !filter.Follows(p, g.edge_type(g.retainer_edge(r))))
        continue;
      const uint32_t u = forest.Eval(v);
      if (semi[u] < semi[w])
        semi[w] = semi[u];
    }
    bucket_next[w] = bucket_head[semi[w]];
    bucket_head[semi[w]] = w;
    const uint32_t parent = dfs.parent[w];
    forest.Link(parent, w);
    for (uint32_t v = bucket_head[parent]; v != kUnset; v = bucket_next[v]) {
      const uint32_t u = forest.Eval(v);
      idom[v] = semi[u] < semi[v] ? u : parent;
    }
    bucket_head[parent] = kUnset;
  }
  for (uint32_t w = 1; w < reached; w++) {
    if (idom[w] != semi[w])
      idom[w] = idom[idom[w]];
  }

  tree.idom.assign(nodes, kNoNode);
  for (uint32_t w = 1; w < reached; w++)
    tree.idom[dfs.vertex[w]] = dfs.vertex[idom[w]];
  // Reverse postorder: a node's dominator, an ancestor in the DFS tree,
  // always finishes after it.
  tree.order.assign(dfs.postorder.rbegin(), dfs.postorder.rend());
  // Bottom-up: every node adds its retained size to its dominator's.
  tree.retained.resize(nodes);
  for (uint32_t n = 0; n < nodes; n++)
    tree.retained[n] = g.self_size(n);
  for (uint32_t n : dfs.postorder) {
    if (n != 0)
      tree.retained[tree.idom[n]] += tree.retained[n];
  }
  return tree;
}

}  // namespace leakguard
