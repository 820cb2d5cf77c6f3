#include "core/analysis/leak_candidates.h"

#include <algorithm>
#include <unordered_map>

namespace leakguard {

namespace {

// Membership test for "new in target" ids: a bitmap when ids are dense
// enough (V8's are: about two per allocated object), else binary search.
class IdSet {
 public:
  explicit IdSet(std::vector<uint32_t> ids) : ids_(std::move(ids)) {
    constexpr uint64_t kMaxBitmapIds = uint64_t{1} << 30;  // 128 MB at most
    if (!ids_.empty() && ids_.back() < kMaxBitmapIds &&
        ids_.back() / 64 < ids_.size() * 4) {
      bits_.assign(ids_.back() / 64 + 1, 0);
      for (uint32_t id : ids_)
        bits_[id >> 6] |= uint64_t{1} << (id & 63);
    }
  }
  bool Contains(uint32_t id) const {
    if (!bits_.empty()) {
      return (id >> 6) < bits_.size() && (bits_[id >> 6] >> (id & 63) & 1) != 0;
    }
    return std::binary_search(ids_.begin(), ids_.end(), id);
  }
  size_t size() const { return ids_.size(); }

 private:
  std::vector<uint32_t> ids_;
  std::vector<uint64_t> bits_;
};

// A path shape is a chain (parent shape, edge type, edge key, class).
struct ShapeKey {
  uint32_t parent;
  uint32_t edge_key;
  uint32_t klass;
  uint8_t edge_type;
  bool operator==(const ShapeKey& o) const {
    return parent == o.parent && edge_key == o.edge_key && klass == o.klass &&
           edge_type == o.edge_type;
  }
};

struct ShapeKeyHash {
  size_t operator()(const ShapeKey& k) const {
    uint64_t h = (uint64_t{k.parent} << 32) ^ k.edge_key;
    h ^= (uint64_t{k.klass} << 8 | k.edge_type) * 0x9E3779B97F4A7C15ull;
    h ^= h >> 29;
    return static_cast<size_t>(h * 0xBF58476D1CE4E5B9ull);
  }
};

class PathShapes {
 public:
  PathShapes(const HeapGraph& g,
             const NodeClasses& classes,
             const ShortestPaths& paths)
      : g_(g),
        classes_(classes),
        paths_(paths),
        shape_of_(g.node_count(), kNoNode),
        property_type_(g.FindEdgeType("property")),
        internal_type_(g.FindEdgeType("internal")),
        string_type_(g.FindNodeType("string")) {}

  // Whether the edge into `node` on its path is a key of a cache: an
  // element or slot index, or a property of a dictionary-mode object.
  bool IsKeyEdge(uint32_t node) {
    const uint32_t e = paths_.parent_edge(node);
    if (e == kNoNode)
      return false;
    if (IsIndexEdge(g_, e))
      return true;
    return g_.edge_type(e) == property_type_ &&
           IsDictionary(paths_.parent_node(node));
  }

  // Shape id of the path to `node`, memoised for every node on the way.
  uint32_t Of(uint32_t node) {
    chain_.clear();
    uint32_t n = node;
    while (n != kNoNode && shape_of_[n] == kNoNode) {
      chain_.push_back(n);
      n = paths_.parent_node(n);
    }
    uint32_t shape = n == kNoNode ? kRootShape : shape_of_[n];
    for (size_t i = chain_.size(); i-- > 0;) {
      const uint32_t m = chain_[i];
      const uint32_t e = paths_.parent_edge(m);
      ShapeKey key{shape, kNoNode, classes_.class_of(m), 0xFF};
      if (e != kNoNode) {
        key.edge_type = g_.edge_type(e);
        // Keys are not part of the shape: entry 7 and entry 4000 of one Map
        // leak the same way, and so do cache["/a?x=1"] and cache["/b"].
        key.edge_key = IsKeyEdge(m) ? kNoNode : g_.edge_name_or_index(e);
      }
      auto it = ids_.emplace(key, static_cast<uint32_t>(ids_.size())).first;
      shape = it->second;
      shape_of_[m] = shape;
    }
    return shape;
  }

 private:
  // A dictionary-mode object's property store (its internal "properties"
  // edge) is a hash table holding the keys as well as the values; a fast
  // object's holds values only (its keys are in its map). So the object is
  // a dictionary when a string its store holds is the name of one of its
  // properties. Looks at the store's first 16 slots; memoised.
  bool IsDictionary(uint32_t object) {
    if (object == kNoNode || property_type_ < 0 || string_type_ < 0)
      return false;
    auto memo = dictionary_.find(object);
    if (memo != dictionary_.end())
      return memo->second;
    uint32_t store = kNoNode;
    for (uint32_t e = g_.first_edge(object); e < g_.edge_end(object); e++) {
      if (g_.edge_type(e) == internal_type_ &&
          g_.string(g_.edge_name_or_index(e)) == "properties") {
        store = g_.edge_target(e);
        break;
      }
    }
    bool dictionary = false;
    if (store != kNoNode) {
      uint32_t looked = 0;
      for (uint32_t e = g_.first_edge(store);
           e < g_.edge_end(store) && looked < 16 && !dictionary;
           e++) {
        const uint32_t t = g_.edge_target(e);
        if (g_.node_type(t) != string_type_)
          continue;
        looked++;
        const uint32_t key = g_.node_name(t);
        for (uint32_t p = g_.first_edge(object); p < g_.edge_end(object); p++) {
          if (g_.edge_type(p) == property_type_ &&
              g_.edge_name_or_index(p) == key) {
            dictionary = true;
            break;
          }
        }
      }
    }
    dictionary_.emplace(object, dictionary);
    return dictionary;
  }

  static constexpr uint32_t kRootShape = 0xFFFFFFFEu;
  const HeapGraph& g_;
  const NodeClasses& classes_;
  const ShortestPaths& paths_;
  std::vector<uint32_t> shape_of_;
  std::vector<uint32_t> chain_;
  std::unordered_map<ShapeKey, uint32_t, ShapeKeyHash> ids_;
  std::unordered_map<uint32_t, bool> dictionary_;
  int property_type_;
  int internal_type_;
  int string_type_;
};

std::vector<uint32_t> SetDifference(const std::vector<uint32_t>& a,
                                    const std::vector<uint32_t>& b) {
  std::vector<uint32_t> out;
  out.reserve(a.size());
  std::set_difference(
      a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

struct Group {
  uint32_t kind;  // a class, or class_count + a function site (Kinds)
  uint64_t count = 0;
  uint64_t self_size = 0;
  uint64_t retained_size = 0;
  uint32_t example = kNoNode;     // the member retaining the most
  std::vector<std::string> keys;  // example keys, at most kExampleKeys
  uint8_t key_walks = 0;          // members whose path was searched for one
};

constexpr size_t kExampleKeys = 3;
// A bit of FindLeakCandidates' per-node flags: in a reported member's
// dominator subtree (Compositions).
constexpr uint8_t kOwned = 4;
constexpr size_t kCompositionEntries = 8;

// What a group is counted as: its class, except that functions count by
// creation site (SharedFunctionInfo). Site kinds are numbered after the
// classes, densely, on first use.
class Kinds {
 public:
  Kinds(const NodeClasses& classes, const FunctionSites& sites)
      : classes_(classes), sites_(sites) {}
  uint32_t Of(uint32_t node) {
    if (!sites_.IsClosure(node))
      return classes_.class_of(node);
    const uint32_t shared = sites_.SharedOf(node);
    if (shared == kNoNode)
      return classes_.class_of(node);
    auto it = site_.emplace(shared, static_cast<uint32_t>(examples_.size()));
    if (it.second)
      examples_.push_back(node);
    return classes_.class_count() + it.first->second;
  }
  uint32_t count() const {
    return classes_.class_count() + static_cast<uint32_t>(examples_.size());
  }
  bool is_site(uint32_t kind) const { return kind >= classes_.class_count(); }
  // A closure of a site kind (for its label and location).
  uint32_t example(uint32_t kind) const {
    return examples_[kind - classes_.class_count()];
  }
  std::string Name(uint32_t kind) const {
    return is_site(kind) ? sites_.Label(example(kind)) : classes_.name(kind);
  }

 private:
  const NodeClasses& classes_;
  const FunctionSites& sites_;
  std::unordered_map<uint32_t, uint32_t> site_;
  std::vector<uint32_t> examples_;
};

LeakLocation ToLeakLocation(const FunctionLocation& where) {
  LeakLocation out;
  out.script = where.script;
  out.line = where.line;
  out.column = where.column;
  return out;
}

bool IsIdentifier(std::string_view s) {
  if (s.empty() || s.size() > 100)
    return false;
  for (size_t i = 0; i < s.size(); i++) {
    const char c = s[i];
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        c == '_' || c == '$';
    if (!letter && !(i > 0 && c >= '0' && c <= '9'))
      return false;
  }
  return true;
}

// `name` as a JS string literal in single quotes, cut to 60 bytes.
std::string Quoted(std::string_view name) {
  std::string out = "'";
  for (char c : name.substr(0, 60)) {
    if (c == '\\' || c == '\'')
      out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      out += ' ';
      continue;
    }
    out += c;
  }
  if (name.size() > 60)
    out += "...";
  out += '\'';
  return out;
}

// What the reported groups' objects dominate, per kind: every counted node
// (a type and class a program allocates, as for candidates) strictly below
// a member in the dominator tree. A node nested in one of its own kind
// adds to the count but not again to the retained size, so the sizes of
// one kind never overlap. Walks only the members' subtrees: their nodes
// are collected top-down over `dom.order` (a node belongs to its
// dominator's member), then each subtree is walked depth-first over the
// collected (dominator, node) pairs sorted by dominator.
std::vector<std::vector<LeakComposition>> Compositions(
    const HeapGraph& g,
    const NodeClasses& classes,
    const DominatorTree& dom,
    Kinds& kinds,
    const std::vector<bool>& counted_type,
    const std::vector<bool>& system_class,
    const std::vector<uint32_t>& members,
    const std::vector<uint32_t>& member_group,
    const std::vector<size_t>& kept,
    size_t group_count,
    std::vector<uint8_t>* flags) {
  std::vector<std::vector<LeakComposition>> out(kept.size());
  if (kept.empty())
    return out;
  constexpr uint32_t kNotReported = kNoNode;
  std::vector<uint32_t> rank(group_count, kNotReported);
  for (size_t r = 0; r < kept.size(); r++)
    rank[kept[r]] = static_cast<uint32_t>(r);
  // Which nodes lie in a reported member's subtree: one bit per node, in
  // the candidates' own flags (no array of the graph's size is added).
  for (size_t i = 0; i < members.size(); i++) {
    if (rank[member_group[i]] != kNotReported)
      (*flags)[members[i]] |= kOwned;
  }
  std::vector<std::pair<uint32_t, uint32_t>> below;  // (idom, node)
  for (uint32_t n : dom.order) {
    if (n == 0 || ((*flags)[n] & kOwned) != 0)
      continue;
    const uint32_t d = dom.idom[n];
    if (((*flags)[d] & kOwned) != 0) {
      (*flags)[n] |= kOwned;
      below.emplace_back(d, n);
    }
  }
  std::sort(below.begin(), below.end());
  auto children = [&below](uint32_t n) {
    auto lo = std::lower_bound(
        below.begin(), below.end(), std::make_pair(n, uint32_t{0}));
    auto hi = std::lower_bound(
        below.begin(), below.end(), std::make_pair(n + 1, uint32_t{0}));
    return std::make_pair(lo, hi);
  };
  // Per kind, per group: totals; `open[k]` counts kind k on the DFS stack.
  std::vector<std::unordered_map<uint32_t, LeakComposition>> totals(
      kept.size());
  std::vector<uint32_t> open;
  struct Frame {
    uint32_t node;
    uint32_t kind;  // kNoNode when not counted
    bool entered;
  };
  std::vector<Frame> stack;
  for (size_t i = 0; i < members.size(); i++) {
    const uint32_t r = rank[member_group[i]];
    if (r == kNotReported)
      continue;
    auto& total = totals[r];
    stack.clear();
    auto [lo, hi] = children(members[i]);
    for (auto it = lo; it != hi; ++it)
      stack.push_back(Frame{it->second, kNoNode, false});
    while (!stack.empty()) {
      Frame& f = stack.back();
      if (f.entered) {
        if (f.kind != kNoNode)
          open[f.kind]--;
        stack.pop_back();
        continue;
      }
      f.entered = true;
      const uint32_t n = f.node;
      if (counted_type[g.node_type(n)] && !system_class[classes.class_of(n)]) {
        const uint32_t kind = kinds.Of(n);
        if (open.size() <= kind)
          open.resize(kind + 1, 0);
        LeakComposition& c = total[kind];
        c.count++;
        c.self_size += g.self_size(n);
        if (open[kind] == 0)
          c.retained_size += dom.retained[n];
        open[kind]++;
        f.kind = kind;
      }
      auto [clo, chi] = children(n);
      for (auto it = clo; it != chi; ++it)
        stack.push_back(Frame{it->second, kNoNode, false});
    }
  }
  for (size_t r = 0; r < kept.size(); r++) {
    std::vector<LeakComposition>& list = out[r];
    for (auto& [kind, c] : totals[r]) {
      c.what = kinds.Name(kind);
      list.push_back(std::move(c));
    }
    std::sort(list.begin(),
              list.end(),
              [](const LeakComposition& a, const LeakComposition& b) {
                if (a.retained_size != b.retained_size)
                  return a.retained_size > b.retained_size;
                if (a.count != b.count)
                  return a.count > b.count;
                return a.what < b.what;
              });
    if (list.size() > kCompositionEntries)
      list.resize(kCompositionEntries);
  }
  return out;
}

// Whether a hop's node is one of the program's objects a reader can name:
// an object or native object, not V8's arrays, code or "system / ...".
bool IsProgramObject(const HeapGraph& g,
                     const NodeClasses& classes,
                     uint32_t n) {
  std::string_view type = g.node_type_names()[g.node_type(n)];
  if (type != "object" && type != "native")
    return false;
  return classes.node_class_name(n).rfind("system / ", 0) != 0;
}

// The global object: a user root (a target of the snapshot root's shortcut
// edges), or named like one ("global", and "global (global*)" in Node 26,
// whose paths may reach it from its native context instead).
bool IsGlobalObject(const HeapGraph& g,
                    const NodeClasses& classes,
                    uint32_t n) {
  const std::string& name = classes.node_class_name(n);
  if (name == "global" || name.rfind("global (", 0) == 0)
    return true;
  const int shortcut = g.FindEdgeType("shortcut");
  if (shortcut < 0 || g.node_count() == 0)
    return false;
  for (uint32_t e = g.first_edge(0); e < g.edge_end(0); e++) {
    if (g.edge_type(e) == shortcut && g.edge_target(e) == n)
      return true;
  }
  return false;
}

// The function whose scope holds the variable at path[at] (a context),
// when the path reached that context from one of the program's closures,
// directly or through the contexts it nests in ("previous").
void FindScope(const HeapGraph& g,
               const FunctionSites& sites,
               const std::vector<PathHop>& path,
               size_t at,
               LeakHolder* out) {
  if (path[at].edge == kNoNode)
    return;
  const std::string_view klass = g.node_name_string(path[at].node);
  if (klass != "system / Context")
    return;
  while (at > 0) {
    const uint32_t n = path[at - 1].node;
    if (sites.IsClosure(n)) {
      if (sites.IsInternal(n) || sites.IsOwnFunction(n))
        return;
      out->has_scope = true;
      out->scope = sites.Label(n);
      out->scope_location = ToLeakLocation(sites.Locate(n));
      return;
    }
    if (g.node_name_string(n) != "system / Context")
      return;
    at--;
  }
}

// The holder: the last program object on the path before its end (the
// group's member), and the expression that reaches it: edge names back to
// the nearest variable (the edge from a context, a closure or a root),
// "serviceBus._events['config-reload']".
bool FindHolder(const HeapGraph& g,
                const NodeClasses& classes,
                const FunctionSites& sites,
                const std::vector<PathHop>& path,
                LeakHolder* out) {
  if (path.size() < 3)
    return false;
  size_t at = path.size() - 1;
  while (at-- > 1) {
    if (IsProgramObject(g, classes, path[at].node))
      break;
  }
  if (at == 0)
    return false;
  std::vector<std::string> parts;
  for (size_t i = at; i >= 1; i--) {
    const uint32_t e = path[i].edge;
    if (e == kNoNode)
      break;
    // Stop at a variable: what holds this hop is not an object a reader
    // could write a property access on, or is the global object (whose
    // properties are global variables).
    const bool outermost = i == 1 ||
                           !IsProgramObject(g, classes, path[i - 1].node) ||
                           IsGlobalObject(g, classes, path[i - 1].node);
    const bool index = !g.edge_has_name(e) || IsIndexEdge(g, e);
    const bool from_root_category =
        g.node_type_names()[g.node_type(path[i - 1].node)] == "synthetic";
    if (outermost && (index || from_root_category)) {
      // No variable names it (a handle, a slot of V8's roots): its class
      // does.
      parts.push_back(classes.node_class_name(path[i].node));
    } else if (index) {
      parts.push_back(EdgeLabel(g, e));
    } else {
      // Appended piece by piece: g++ 12 under C++20 warns (-Wrestrict,
      // GCC bug 105329) on `"[" + std::string&&`.
      std::string_view name = g.string(g.edge_name_or_index(e));
      std::string part;
      if (IsIdentifier(name)) {
        part += '.';
        part += name;
      } else {
        part += '[';
        part += Quoted(name);
        part += ']';
      }
      parts.push_back(std::move(part));
    }
    if (outermost) {
      FindScope(g, sites, path, i - 1, out);
      break;
    }
  }
  std::string expression;
  for (size_t i = parts.size(); i-- > 0;)
    expression += parts[i];
  if (!expression.empty() && expression[0] == '.')
    expression.erase(0, 1);
  out->expression = expression;
  out->node = classes.node_class_name(path[at].node);
  out->id = g.node_id(path[at].node);
  return !expression.empty();
}

}  // namespace

LeakReport FindLeakCandidates(const std::vector<uint32_t>& baseline_ids,
                              const std::vector<uint32_t>& target_ids,
                              const HeapGraph& g,
                              const NodeClasses& classes,
                              const DominatorTree& dom,
                              const FunctionSites& sites,
                              const ShortestPaths& paths,
                              const LeakOptions& options) {
  LeakReport report;
  report.options = options;
  report.baseline_nodes = baseline_ids.size();
  report.target_nodes = target_ids.size();
  const uint32_t nodes = g.node_count();
  report.final_nodes = nodes;
  IdSet fresh(SetDifference(target_ids, baseline_ids));
  report.new_in_target = fresh.size();
  if (nodes == 0)
    return report;

  // Which node types a program allocates itself (see the header).
  const std::vector<std::string>& type_names = g.node_type_names();
  std::vector<bool> counted_type(type_names.size(), true);
  for (size_t t = 0; t < type_names.size(); t++) {
    const std::string& name = type_names[t];
    if (name == "hidden" || name == "array" || name == "code" ||
        name == "synthetic" || name == "object shape") {
      counted_type[t] = false;
    }
  }
  std::vector<bool> system_class(classes.class_count(), false);
  for (uint32_t c = 0; c < classes.class_count(); c++) {
    system_class[c] = classes.name(c).rfind("system / ", 0) == 0;
  }

  // Top-down over the dominator tree: a candidate is covered when one of
  // its dominators is a candidate.
  constexpr uint8_t kCandidate = 1;
  constexpr uint8_t kCovered = 2;  // some strict dominator is a candidate
  std::vector<uint8_t> flags(nodes, 0);
  std::vector<uint32_t> top_level;
  for (uint32_t n : dom.order) {
    if (n != 0) {
      const uint32_t d = dom.idom[n];
      if ((flags[d] & (kCandidate | kCovered)) != 0)
        flags[n] |= kCovered;
    }
    if (!fresh.Contains(g.node_id(n)))
      continue;
    report.still_alive++;
    if (!counted_type[g.node_type(n)] || system_class[classes.class_of(n)]) {
      continue;
    }
    flags[n] |= kCandidate;
    if ((flags[n] & kCovered) == 0)
      top_level.push_back(n);
  }
  report.candidates = top_level.size();

  PathShapes shapes(g, classes, paths);
  Kinds kinds(classes, sites);
  std::unordered_map<uint64_t, size_t> group_index;
  std::vector<Group> groups;
  std::vector<uint32_t> members;       // top-level candidates on a path
  std::vector<uint32_t> member_group;  // their group
  for (uint32_t n : top_level) {
    if (!paths.reachable(n))
      continue;
    const uint32_t kind = kinds.Of(n);
    const uint64_t key = uint64_t{kind} << 32 | shapes.Of(n);
    auto it = group_index.emplace(key, groups.size()).first;
    if (it->second == groups.size()) {
      groups.emplace_back();
      groups.back().kind = kind;
    }
    Group& group = groups[it->second];
    members.push_back(n);
    member_group.push_back(static_cast<uint32_t>(it->second));
    group.count++;
    group.self_size += g.self_size(n);
    group.retained_size += dom.retained[n];
    if (group.example == kNoNode ||
        dom.retained[n] > dom.retained[group.example]) {
      group.example = n;
    }
    // A few of the keys a dictionary wildcard stood for: the one nearest
    // the member on its path.
    if (group.keys.size() < kExampleKeys && group.key_walks < 8) {
      group.key_walks++;
      for (uint32_t m = n; m != kNoNode; m = paths.parent_node(m)) {
        if (!shapes.IsKeyEdge(m))
          continue;
        const uint32_t e = paths.parent_edge(m);
        if (!g.edge_has_name(e) || IsIndexEdge(g, e))
          break;  // an index says nothing a reader needs
        std::string k(g.string(g.edge_name_or_index(e)).substr(0, 100));
        if (std::find(group.keys.begin(), group.keys.end(), k) ==
            group.keys.end()) {
          group.keys.push_back(std::move(k));
          group.key_walks = 0;
        }
        break;
      }
    }
  }
  report.groups_total = groups.size();

  std::vector<size_t> kept;
  for (size_t i = 0; i < groups.size(); i++) {
    if (groups[i].count >= options.min_count &&
        groups[i].retained_size >= options.min_retained_bytes) {
      kept.push_back(i);
    }
  }
  report.groups_reported = kept.size();
  std::sort(kept.begin(), kept.end(), [&](size_t a, size_t b) {
    const Group& x = groups[a];
    const Group& y = groups[b];
    if (x.retained_size != y.retained_size) {
      return x.retained_size > y.retained_size;
    }
    if (x.count != y.count)
      return x.count > y.count;
    return kinds.Name(x.kind) < kinds.Name(y.kind);
  });
  if (options.top != 0 && kept.size() > options.top)
    kept.resize(options.top);

  std::vector<std::vector<LeakComposition>> retains =
      Compositions(g,
                   classes,
                   dom,
                   kinds,
                   counted_type,
                   system_class,
                   members,
                   member_group,
                   kept,
                   groups.size(),
                   &flags);

  const std::vector<std::string>& edge_types = g.edge_type_names();
  for (size_t r = 0; r < kept.size(); r++) {
    const Group& x = groups[kept[r]];
    LeakGroup out;
    out.constructor = kinds.Name(x.kind);
    if (kinds.is_site(x.kind)) {
      out.has_location = true;
      out.location = ToLeakLocation(sites.Locate(kinds.example(x.kind)));
    }
    out.count = x.count;
    out.self_size = x.self_size;
    out.retained_size = x.retained_size;
    out.keys = x.keys;
    out.retains = std::move(retains[r]);
    std::vector<PathHop> path = paths.PathTo(x.example);
    out.path = FormatPath(g, classes, path, &sites);
    for (const PathHop& hop : path) {
      LeakPathHop h;
      if (hop.edge != kNoNode) {
        h.edge = EdgeLabel(g, hop.edge);
        h.edge_type = edge_types[g.edge_type(hop.edge)];
      }
      h.node = classes.node_class_name(hop.node);
      h.node_type = type_names[g.node_type(hop.node)];
      std::string_view name = g.node_name_string(hop.node);
      h.name = std::string(name.substr(0, 100));
      h.id = g.node_id(hop.node);
      if (sites.IsClosure(hop.node) && !sites.IsInternal(hop.node)) {
        h.has_location = true;
        h.location = ToLeakLocation(sites.Locate(hop.node));
      }
      out.hops.push_back(std::move(h));
    }
    out.has_holder = FindHolder(g, classes, sites, path, &out.holder);
    report.groups.push_back(std::move(out));
  }
  return report;
}

namespace {

// { script, line, column }, 1-based; line and column null when unknown
// (a snapshot copied in memory names the script only).
void WriteLocation(const LeakLocation& l, JsonWriter* out) {
  out->BeginObject();
  out->Key("script").String(l.script);
  if (l.line != 0) {
    out->Key("line").Uint(l.line);
    out->Key("column").Uint(l.column);
  } else {
    out->Key("line").Null();
    out->Key("column").Null();
  }
  out->EndObject();
}

}  // namespace

void WriteLeakReportJson(const LeakReport& r, JsonWriter* out) {
  out->BeginObject();
  out->Key("baseline_nodes").Uint(r.baseline_nodes);
  out->Key("target_nodes").Uint(r.target_nodes);
  out->Key("final_nodes").Uint(r.final_nodes);
  out->Key("new_in_target").Uint(r.new_in_target);
  out->Key("still_alive").Uint(r.still_alive);
  out->Key("candidates").Uint(r.candidates);
  out->Key("groups_total").Uint(r.groups_total);
  out->Key("groups_above_threshold").Uint(r.groups_reported);
  out->Key("threshold").BeginObject();
  out->Key("min_count").Uint(r.options.min_count);
  out->Key("min_retained_bytes").Uint(r.options.min_retained_bytes);
  out->EndObject();
  out->Key("groups").BeginArray();
  for (const LeakGroup& g : r.groups) {
    out->BeginObject();
    out->Key("constructor").String(g.constructor);
    if (g.has_location)
      WriteLocation(g.location, &out->Key("location"));
    out->Key("count").Uint(g.count);
    out->Key("self_size").Uint(g.self_size);
    out->Key("retained_size").Uint(g.retained_size);
    out->Key("retains").BeginArray();
    for (const LeakComposition& c : g.retains) {
      out->BeginObject();
      out->Key("what").String(c.what);
      out->Key("count").Uint(c.count);
      out->Key("self_size").Uint(c.self_size);
      out->Key("retained_size").Uint(c.retained_size);
      out->EndObject();
    }
    out->EndArray();
    out->Key("holder");
    if (g.has_holder) {
      out->BeginObject();
      out->Key("expression").String(g.holder.expression);
      out->Key("node").String(g.holder.node);
      out->Key("id").Uint(g.holder.id);
      if (g.holder.has_scope) {
        out->Key("scope").String(g.holder.scope);
        out->Key("scope_location");
        WriteLocation(g.holder.scope_location, out);
      }
      out->EndObject();
    } else {
      out->Null();
    }
    out->Key("keys").BeginArray();
    for (const std::string& k : g.keys)
      out->String(k);
    out->EndArray();
    out->Key("path").String(g.path);
    out->Key("hops").BeginArray();
    for (const LeakPathHop& h : g.hops) {
      out->BeginObject();
      if (!h.edge_type.empty()) {
        out->Key("edge").String(h.edge);
        out->Key("edge_type").String(h.edge_type);
      }
      out->Key("node").String(h.node);
      out->Key("node_type").String(h.node_type);
      out->Key("name").String(h.name);
      out->Key("id").Uint(h.id);
      if (h.has_location)
        WriteLocation(h.location, &out->Key("location"));
      out->EndObject();
    }
    out->EndArray();
    out->EndObject();
  }
  out->EndArray();
  out->EndObject();
}

}  // namespace leakguard
