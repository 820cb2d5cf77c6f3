#include "core/heap/retainer_paths.h"

#include <algorithm>

#include "core/heap/dominators.h"

namespace leakguard {

namespace {

// What an edge into a node costs: nothing, one detour (Node's own
// functions, their contexts, `process`; the slots of root categories are
// decided per edge, below), or the last resort: leakguard's own functions,
// their contexts and its LeakGuard instances. leakguard holds the
// listeners a program gives it, and through them the program's scopes, but
// a path through it says nothing about who keeps the leak, and reads as if
// leakguard did.
enum Cost : uint8_t { kFree = 0, kDetour = 1, kLastResort = 2 };

std::vector<uint8_t> NodeCosts(const HeapGraph& g, const FunctionSites& sites) {
  const uint32_t nodes = g.node_count();
  std::vector<uint8_t> cost(nodes, kFree);
  const int object_type = g.FindNodeType("object");
  // The strings "process" and "LeakGuard", found once (a builder may hold
  // one more than once), so the pass over the nodes compares indices, not
  // text.
  std::vector<uint32_t> process_names;
  std::vector<uint32_t> guard_names;
  for (uint32_t i = 0; i < g.string_count(); i++) {
    if (g.string(i) == "process")
      process_names.push_back(i);
    else if (g.string(i) == "LeakGuard")
      guard_names.push_back(i);
  }
  auto is = [](const std::vector<uint32_t>& names, uint32_t name) {
    return std::find(names.begin(), names.end(), name) != names.end();
  };
  for (uint32_t n = 0; n < nodes; n++) {
    if (object_type >= 0 && g.node_type(n) == object_type) {
      if (is(process_names, g.node_name(n)))
        cost[n] = kDetour;
      else if (is(guard_names, g.node_name(n)))
        cost[n] = kLastResort;
      continue;
    }
    if (!sites.IsClosure(n))
      continue;
    uint8_t c = kFree;
    if (sites.IsNodeFunction(n))
      c = kDetour;
    else if (sites.IsOwnFunction(n))
      c = kLastResort;
    if (c == kFree)
      continue;
    cost[n] = std::max(cost[n], c);
    const uint32_t context = sites.ContextOf(n);
    if (context != kNoNode)
      cost[context] = std::max(cost[context], c);
  }
  return cost;
}

}  // namespace

ShortestPaths::ShortestPaths(const HeapGraph& g, const FunctionSites* sites) {
  const uint32_t nodes = g.node_count();
  parent_edge_.assign(nodes, kNoNode);
  parent_node_.assign(nodes, kNoNode);
  distance_.assign(nodes, kNoNode);
  detours_.assign(nodes, 0);
  if (nodes == 0)
    return;
  EdgeFilter filter(g);
  std::vector<uint8_t> cost;
  if (sites != nullptr)
    cost = NodeCosts(g, *sites);
  // A root category ((Handle scope), (Stack roots), (Strong roots), ...)
  // holding one of the program's objects directly is a detour too: a
  // handle or stack slot says what some function was using when the
  // snapshot was taken, V8's own roots say what V8 caches, neither who
  // keeps the object; the variable or property that also holds it reads
  // better.
  const int synthetic_type = g.FindNodeType("synthetic");
  const int object_type = g.FindNodeType("object");
  const bool detours = !cost.empty();
  // `category`: `from` is a root category, decided once per node.
  auto cost_of = [&](bool category, uint32_t t) -> uint8_t {
    if (cost[t] != kFree)
      return cost[t];
    return category && g.node_type(t) == object_type &&
                   g.node_name_string(t).rfind("system / ", 0) != 0
               ? kDetour
               : kFree;
  };
  std::vector<uint32_t> queue;
  queue.reserve(nodes);
  // Edges into detour nodes met at the current level, taken at the next:
  // the first edge met per node only (`waiting`), so the lists never hold
  // more than one entry per node. Edges into last-resort nodes wait in
  // `last` until no other edge is left.
  std::vector<uint32_t> later;
  std::vector<uint32_t> next_later;
  std::vector<uint32_t> last;
  std::vector<uint8_t> waiting(detours ? nodes : 0, kFree);
  auto defer = [&](uint32_t e, uint32_t from, uint32_t t, uint8_t c) {
    // A node's cost is the same on every edge into it (its own, or a
    // detour for a slot of a root category when it has none).
    if (waiting[t] != kFree)
      return;
    waiting[t] = c;
    std::vector<uint32_t>& list = c == kLastResort ? last : next_later;
    list.push_back(e);
    list.push_back(from);
  };
  distance_[0] = 0;
  uint8_t level = 0;
  auto spread = [&](size_t head) {
    while (head < queue.size()) {
      const uint32_t n = queue[head++];
      const uint32_t d = distance_[n] + 1;
      const bool category = detours && g.node_type(n) == synthetic_type;
      for (uint32_t e = g.first_edge(n); e < g.edge_end(n); e++) {
        const uint32_t t = g.edge_target(e);
        if (distance_[t] != kNoNode || !filter.Follows(n, g.edge_type(e))) {
          continue;
        }
        if (detours) {
          const uint8_t c = cost_of(category, t);
          if (c != kFree) {
            defer(e, n, t, c);
            continue;
          }
        }
        distance_[t] = d;
        detours_[t] = level;
        parent_edge_[t] = e;
        parent_node_[t] = n;
        queue.push_back(t);
      }
    }
  };
  // Pass 0 seeds the user roots (shortcut children of the root), pass 1 the
  // rest; each pass runs the queue dry, so user roots claim what they reach.
  for (int pass = 0; pass < 2; pass++) {
    size_t head = queue.size();
    for (uint32_t e = g.first_edge(0); e < g.edge_end(0); e++) {
      const int type = g.edge_type(e);
      const bool user_root = type == filter.shortcut_type;
      if (user_root != (pass == 0) || !filter.Follows(0, type))
        continue;
      const uint32_t t = g.edge_target(e);
      if (distance_[t] != kNoNode)
        continue;
      if (detours) {
        const uint8_t c = cost_of(false, t);
        if (c != kFree) {
          defer(e, 0, t, c);
          continue;
        }
      }
      distance_[t] = 1;
      queue.push_back(t);
    }
    spread(head);
  }
  // One more detour per round, in the order the edges were met; the last
  // resort when nothing else is left, and then whatever it leads to.
  while (!next_later.empty() || !last.empty()) {
    if (next_later.empty())
      next_later.swap(last);
    later.swap(next_later);
    next_later.clear();
    if (level < 255)
      level++;
    size_t head = queue.size();
    for (size_t i = 0; i < later.size(); i += 2) {
      const uint32_t e = later[i];
      const uint32_t n = later[i + 1];
      const uint32_t t = g.edge_target(e);
      waiting[t] = kFree;
      if (distance_[t] != kNoNode)
        continue;
      distance_[t] = distance_[n] + 1;
      detours_[t] = level;
      if (n != 0) {
        parent_edge_[t] = e;
        parent_node_[t] = n;
      }
      queue.push_back(t);
    }
    spread(head);
  }
}

std::vector<PathHop> ShortestPaths::PathTo(uint32_t node) const {
  std::vector<PathHop> path;
  if (node == 0 || !reachable(node))
    return path;
  for (uint32_t n = node; n != kNoNode; n = parent_node_[n]) {
    path.push_back(PathHop{parent_edge_[n], n});
  }
  std::reverse(path.begin(), path.end());
  return path;
}

bool IsIndexName(std::string_view name) {
  if (name.empty() || name.size() > 10)
    return false;
  for (char c : name) {
    if (c < '0' || c > '9')
      return false;
  }
  return true;
}

bool IsIndexEdge(const HeapGraph& g, uint32_t e) {
  return !g.edge_has_name(e) || IsIndexName(g.string(g.edge_name_or_index(e)));
}

namespace {

// "[" + text + "]", appended in place: g++ 12 under C++20 warns
// (-Wrestrict, a false positive in libstdc++'s operator+(const char*,
// string&&), GCC bug 105329) on the shorter spelling.
std::string Bracketed(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '[';
  out += text;
  out += ']';
  return out;
}

}  // namespace

std::string EdgeLabel(const HeapGraph& g, uint32_t e) {
  if (!g.edge_has_name(e)) {
    return Bracketed(std::to_string(g.edge_name_or_index(e)));
  }
  std::string_view name = g.string(g.edge_name_or_index(e));
  if (name.empty())
    return "<unnamed>";
  // V8 names hash table slots (a Map's entries, a Context's slots) by their
  // number, as internal edges.
  if (IsIndexName(name))
    return Bracketed(name);
  return std::string(name);
}

namespace {

// Whether a node's class tells the reader something: objects and closures
// do, V8's arrays, hidden nodes and code do not.
bool ShowsClass(const HeapGraph& g, const NodeClasses& classes, uint32_t n) {
  std::string_view type = g.node_type_names()[g.node_type(n)];
  if (type == "array" || type == "hidden" || type == "code" ||
      type == "object shape") {
    return false;
  }
  return classes.node_class_name(n).rfind("system / ", 0) != 0;
}

}  // namespace

std::string HopLabel(const HeapGraph& g,
                     const NodeClasses& classes,
                     const PathHop& hop,
                     const FunctionSites* sites) {
  const uint32_t n = hop.node;
  std::string_view type = g.node_type_names()[g.node_type(n)];
  std::string_view name = g.node_name_string(n);
  const std::string& klass = classes.node_class_name(n);
  // Roots and root categories: "(GC roots)", "(Stack roots)", "global".
  if (hop.edge == kNoNode || type == "synthetic") {
    if (!name.empty())
      return std::string(name);
    return klass;
  }
  // What the node is: its class, or "name()" for a function.
  std::string what = klass;
  if (type == "closure") {
    what = name.empty() ? "anonymous function" : std::string(name) + "()";
    if (sites != nullptr && !sites->IsInternal(n))
      what = sites->Label(n);
  }
  // Slots of arrays and hash tables: the index says little, the class all.
  if (IsIndexEdge(g, hop.edge))
    return what;
  std::string label = EdgeLabel(g, hop.edge);
  if (!ShowsClass(g, classes, n) || label == what)
    return label;
  // A function held under its own name: "handle()", not "handle (handle())".
  if (type == "closure" && label == name)
    return what;
  return label + " (" + what + ")";
}

std::string FormatPath(const HeapGraph& g,
                       const NodeClasses& classes,
                       const std::vector<PathHop>& path,
                       const FunctionSites* sites) {
  std::string out;
  for (const PathHop& hop : path) {
    if (!out.empty())
      out += " \xE2\x86\x92 ";  // U+2192 RIGHTWARDS ARROW
    out += HopLabel(g, classes, hop, sites);
  }
  return out;
}

}  // namespace leakguard
