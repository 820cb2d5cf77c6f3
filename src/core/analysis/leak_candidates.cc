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
        shape_of_(g.node_count(), kNoNode) {}

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
        // Slot numbers are not part of the shape: entry 7 and entry 4000
        // of one Map leak the same way.
        key.edge_key = IsIndexEdge(g_, e) ? kNoNode : g_.edge_name_or_index(e);
      }
      auto it = ids_.emplace(key, static_cast<uint32_t>(ids_.size())).first;
      shape = it->second;
      shape_of_[m] = shape;
    }
    return shape;
  }

 private:
  static constexpr uint32_t kRootShape = 0xFFFFFFFEu;
  const HeapGraph& g_;
  const NodeClasses& classes_;
  const ShortestPaths& paths_;
  std::vector<uint32_t> shape_of_;
  std::vector<uint32_t> chain_;
  std::unordered_map<ShapeKey, uint32_t, ShapeKeyHash> ids_;
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
  uint32_t klass;
  uint64_t count = 0;
  uint64_t self_size = 0;
  uint64_t retained_size = 0;
  uint32_t example = kNoNode;  // the member retaining the most
};

}  // namespace

LeakReport FindLeakCandidates(const std::vector<uint32_t>& baseline_ids,
                              const std::vector<uint32_t>& target_ids,
                              const HeapGraph& g,
                              const NodeClasses& classes,
                              const DominatorTree& dom,
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
  std::unordered_map<uint64_t, size_t> group_index;
  std::vector<Group> groups;
  for (uint32_t n : top_level) {
    if (!paths.reachable(n))
      continue;
    const uint32_t klass = classes.class_of(n);
    const uint64_t key = uint64_t{klass} << 32 | shapes.Of(n);
    auto it = group_index.emplace(key, groups.size()).first;
    if (it->second == groups.size()) {
      groups.emplace_back();
      groups.back().klass = klass;
    }
    Group& group = groups[it->second];
    group.count++;
    group.self_size += g.self_size(n);
    group.retained_size += dom.retained[n];
    if (group.example == kNoNode ||
        dom.retained[n] > dom.retained[group.example]) {
      group.example = n;
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
    return classes.name(x.klass) < classes.name(y.klass);
  });
  if (options.top != 0 && kept.size() > options.top)
    kept.resize(options.top);

  const std::vector<std::string>& edge_types = g.edge_type_names();
  for (size_t i : kept) {
    const Group& x = groups[i];
    LeakGroup out;
    out.constructor = classes.name(x.klass);
    out.count = x.count;
    out.self_size = x.self_size;
    out.retained_size = x.retained_size;
    std::vector<PathHop> path = paths.PathTo(x.example);
    out.path = FormatPath(g, classes, path);
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
      out.hops.push_back(std::move(h));
    }
    report.groups.push_back(std::move(out));
  }
  return report;
}

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
    out->Key("count").Uint(g.count);
    out->Key("self_size").Uint(g.self_size);
    out->Key("retained_size").Uint(g.retained_size);
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
      out->EndObject();
    }
    out->EndArray();
    out->EndObject();
  }
  out->EndArray();
  out->EndObject();
}

}  // namespace leakguard
