#include "core/heap/heap_graph.h"

#include <algorithm>
#include <cstring>

namespace leakguard {

namespace {

std::string Num(uint64_t v) {
  return std::to_string(v);
}

}  // namespace

Status HeapGraph::SetNodeTypes(std::vector<std::string> names) {
  if (names.empty() || names.size() > 255) {
    return Status(StatusCode::kInvalidArgument,
                  "node type list must have 1 to 255 names");
  }
  node_type_names_ = std::move(names);
  return Status::Ok();
}

Status HeapGraph::SetEdgeTypes(std::vector<std::string> names) {
  if (names.empty() || names.size() > 255) {
    return Status(StatusCode::kInvalidArgument,
                  "edge type list must have 1 to 255 names");
  }
  edge_type_names_ = std::move(names);
  ComputeIndexEdgeTypes();
  return Status::Ok();
}

void HeapGraph::SetV8Types() {
  node_type_names_ = {"hidden",
                      "array",
                      "string",
                      "object",
                      "code",
                      "closure",
                      "regexp",
                      "number",
                      "native",
                      "synthetic",
                      "concatenated string",
                      "sliced string",
                      "symbol",
                      "bigint",
                      "object shape",
                      "wasm object"};
  edge_type_names_ = {"context",
                      "element",
                      "property",
                      "internal",
                      "hidden",
                      "shortcut",
                      "weak"};
  ComputeIndexEdgeTypes();
}

void HeapGraph::ComputeIndexEdgeTypes() {
  // V8's HeapGraphEdge: kElement and kHidden edges are numbered, the others
  // are named (heap-snapshot-generator.cc, HeapSnapshotJSONSerializer).
  index_edge_type_.assign(edge_type_names_.size(), false);
  for (size_t i = 0; i < edge_type_names_.size(); i++) {
    const std::string& t = edge_type_names_[i];
    index_edge_type_[i] = t == "element" || t == "hidden";
  }
}

namespace {

uint64_t HashBytes(std::string_view s) {
  // FNV-1a; names are short and this runs once per string the builder sees.
  uint64_t h = 0xCBF29CE484222325ull;
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001B3ull;
  }
  return h ^ (h >> 32);
}

}  // namespace

uint32_t HeapGraph::InternString(std::string_view s) {
  if ((intern_count_ + 1) * 2 > intern_slots_.size()) {
    // Grow and rehash every string added so far (interned or not: an
    // AddString'ed string is as good a match as any).
    size_t size = intern_slots_.empty() ? 1024 : intern_slots_.size() * 2;
    while (size < (string_count() + 1) * 2)
      size *= 2;
    intern_slots_.assign(size, kNoNode);
    intern_count_ = 0;
    for (uint32_t i = 0; i < string_count(); i++) {
      size_t slot = HashBytes(string(i)) & (size - 1);
      while (intern_slots_[slot] != kNoNode &&
             string(intern_slots_[slot]) != string(i)) {
        slot = (slot + 1) & (size - 1);
      }
      if (intern_slots_[slot] == kNoNode) {
        intern_slots_[slot] = i;
        intern_count_++;
      }
    }
  }
  const size_t mask = intern_slots_.size() - 1;
  size_t slot = HashBytes(s) & mask;
  while (intern_slots_[slot] != kNoNode) {
    if (string(intern_slots_[slot]) == s)
      return intern_slots_[slot];
    slot = (slot + 1) & mask;
  }
  const uint32_t index = AddString(s);
  intern_slots_[slot] = index;
  intern_count_++;
  return index;
}

uint32_t HeapGraph::AddString(std::string_view s) {
  string_data_.append(s.data(), s.size());
  string_offsets_.push_back(string_data_.size());
  return static_cast<uint32_t>(string_offsets_.size() - 2);
}

void HeapGraph::Reserve(size_t nodes, size_t edges) {
  node_types_.reserve(nodes);
  node_names_.reserve(nodes);
  ids_.reserve(nodes);
  self_sizes_.reserve(nodes);
  first_edges_.reserve(nodes + 1);
  edge_types_.reserve(edges);
  edge_names_.reserve(edges);
  edge_targets_.reserve(edges);
}

uint32_t HeapGraph::AddNode(uint8_t type,
                            uint32_t name,
                            uint32_t id,
                            uint64_t self_size) {
  node_types_.push_back(type);
  node_names_.push_back(name);
  ids_.push_back(id);
  self_sizes_.push_back(self_size);
  first_edges_.push_back(static_cast<uint32_t>(edge_targets_.size()));
  return static_cast<uint32_t>(ids_.size() - 1);
}

void HeapGraph::AddEdge(uint8_t type, uint32_t name_or_index, uint32_t target) {
  edge_types_.push_back(type);
  edge_names_.push_back(name_or_index);
  edge_targets_.push_back(target);
}

Status HeapGraph::Finish() {
  intern_slots_ = {};
  intern_count_ = 0;
  if (node_type_names_.empty() || edge_type_names_.empty()) {
    return Status(StatusCode::kInvalidArgument, "type names were not set");
  }
  if (first_edges_.size() == ids_.size()) {
    first_edges_.push_back(static_cast<uint32_t>(edge_targets_.size()));
  }
  const uint32_t nodes = node_count();
  const uint32_t strings = string_count();
  const size_t node_types = node_type_names_.size();
  const size_t edge_types = edge_type_names_.size();
  for (uint32_t n = 0; n < nodes; n++) {
    if (node_types_[n] >= node_types) {
      return Status(StatusCode::kOutOfRange,
                    "node " + Num(n) + " has type " + Num(node_types_[n]) +
                        " but meta lists " + Num(node_types) + " node types");
    }
    if (node_names_[n] >= strings) {
      return Status(StatusCode::kOutOfRange,
                    "node " + Num(n) + " name index " + Num(node_names_[n]) +
                        " is out of range (" + Num(strings) + " strings)");
    }
  }
  const uint32_t edges = edge_count();
  for (uint32_t e = 0; e < edges; e++) {
    if (edge_types_[e] >= edge_types) {
      return Status(StatusCode::kOutOfRange,
                    "edge " + Num(e) + " has type " + Num(edge_types_[e]) +
                        " but meta lists " + Num(edge_types) + " edge types");
    }
    if (edge_targets_[e] >= nodes) {
      return Status(StatusCode::kOutOfRange,
                    "edge " + Num(e) + " targets node " +
                        Num(edge_targets_[e]) + " of " + Num(nodes));
    }
    if (!index_edge_type_[edge_types_[e]] && edge_names_[e] >= strings) {
      return Status(StatusCode::kOutOfRange,
                    "edge " + Num(e) + " name index " + Num(edge_names_[e]) +
                        " is out of range (" + Num(strings) + " strings)");
    }
  }
  for (const SourceLocation& l : locations_) {
    if (l.node >= nodes) {
      return Status(
          StatusCode::kOutOfRange,
          "a location names node " + Num(l.node) + " of " + Num(nodes));
    }
  }
  auto by_node = [](const SourceLocation& a, const SourceLocation& b) {
    return a.node < b.node;
  };
  if (!std::is_sorted(locations_.begin(), locations_.end(), by_node))
    std::stable_sort(locations_.begin(), locations_.end(), by_node);
  locations_.erase(
      std::unique(locations_.begin(),
                  locations_.end(),
                  [](const SourceLocation& a, const SourceLocation& b) {
                    return a.node == b.node;
                  }),
      locations_.end());
  return Status::Ok();
}

void HeapGraph::AddLocation(const SourceLocation& location) {
  locations_.push_back(location);
}

const SourceLocation* HeapGraph::FindLocation(uint32_t n) const {
  auto it = std::lower_bound(
      locations_.begin(),
      locations_.end(),
      n,
      [](const SourceLocation& l, uint32_t node) { return l.node < node; });
  return it != locations_.end() && it->node == n ? &*it : nullptr;
}

int HeapGraph::FindNodeType(std::string_view name) const {
  for (size_t i = 0; i < node_type_names_.size(); i++) {
    if (node_type_names_[i] == name)
      return static_cast<int>(i);
  }
  return kNoType;
}

int HeapGraph::FindEdgeType(std::string_view name) const {
  for (size_t i = 0; i < edge_type_names_.size(); i++) {
    if (edge_type_names_[i] == name)
      return static_cast<int>(i);
  }
  return kNoType;
}

void HeapGraph::BuildIdIndex() {
  if (!ids_sorted_.empty() || ids_.empty())
    return;
  ids_sorted_.resize(ids_.size());
  for (uint32_t n = 0; n < node_count(); n++)
    ids_sorted_[n] = n;
  std::sort(ids_sorted_.begin(),
            ids_sorted_.end(),
            [this](uint32_t a, uint32_t b) { return ids_[a] < ids_[b]; });
}

uint32_t HeapGraph::FindNodeById(uint32_t id) const {
  auto it =
      std::lower_bound(ids_sorted_.begin(),
                       ids_sorted_.end(),
                       id,
                       [this](uint32_t n, uint32_t v) { return ids_[n] < v; });
  if (it == ids_sorted_.end() || ids_[*it] != id)
    return kNoNode;
  return *it;
}

void HeapGraph::BuildRetainers() {
  if (has_retainers())
    return;
  const uint32_t nodes = node_count();
  const uint32_t edges = edge_count();
  // Counting sort by target: count, prefix-sum, then fill in source order so
  // each node's retainers are listed by ascending source node.
  retainer_first_.assign(static_cast<size_t>(nodes) + 1, 0);
  for (uint32_t e = 0; e < edges; e++)
    retainer_first_[edge_targets_[e] + 1]++;
  for (uint32_t n = 0; n < nodes; n++) {
    retainer_first_[n + 1] += retainer_first_[n];
  }
  retainer_edges_.resize(edges);
  retainer_nodes_.resize(edges);
  std::vector<uint32_t> fill(retainer_first_.begin(),
                             retainer_first_.end() - 1);
  for (uint32_t n = 0; n < nodes; n++) {
    for (uint32_t e = first_edges_[n]; e < first_edges_[n + 1]; e++) {
      uint32_t slot = fill[edge_targets_[e]]++;
      retainer_edges_[slot] = e;
      retainer_nodes_[slot] = n;
    }
  }
}

namespace {

// U+FFFD in UTF-8.
constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";

// Where two strings part, for FirstDifference's message: the byte offset
// and a few bytes of each from there, non-ASCII bytes as \xNN.
std::string Parting(std::string_view a, std::string_view b) {
  size_t at = 0;
  while (at < a.size() && at < b.size() && a[at] == b[at])
    at++;
  auto excerpt = [at](std::string_view s) {
    std::string out = "\"";
    for (size_t i = at; i < s.size() && i < at + 24; i++) {
      const unsigned char c = static_cast<unsigned char>(s[i]);
      if (c >= 0x20 && c < 0x7F) {
        out.push_back(static_cast<char>(c));
      } else {
        static const char kHex[] = "0123456789abcdef";
        out += "\\x";
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 15]);
      }
    }
    return out + "\"";
  };
  return "differ at byte " + Num(at) + ": " + excerpt(a) + " vs " + excerpt(b);
}

// Whether the copy's name `a` is the file's name `b`, up to V8's spelling.
bool SameName(std::string_view a, std::string_view b) {
  return a == b || (a.find(kReplacementCharacter) != std::string_view::npos &&
                    V8FileSpelling(a) == b);
}

}  // namespace

std::string V8FileSpelling(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  size_t from = 0;
  for (size_t at = name.find(kReplacementCharacter);
       at != std::string_view::npos;
       at = name.find(kReplacementCharacter, from)) {
    out.append(name.substr(from, at - from));
    out += "???";
    from = at + kReplacementCharacter.size();
  }
  out.append(name.substr(from));
  return out;
}

std::string FirstDifference(const HeapGraph& a, const HeapGraph& b) {
  if (a.node_type_names() != b.node_type_names())
    return "node type lists differ";
  if (a.edge_type_names() != b.edge_type_names())
    return "edge type lists differ";
  if (a.node_count() != b.node_count()) {
    return "node counts differ: " + Num(a.node_count()) + " vs " +
           Num(b.node_count());
  }
  if (a.edge_count() != b.edge_count()) {
    return "edge counts differ: " + Num(a.edge_count()) + " vs " +
           Num(b.edge_count());
  }
  for (uint32_t n = 0; n < a.node_count(); n++) {
    const std::string where =
        "node " + Num(n) + " (id " + Num(a.node_id(n)) + "): ";
    if (a.node_type(n) != b.node_type(n)) {
      return where + "type " + a.node_type_names()[a.node_type(n)] + " vs " +
             b.node_type_names()[b.node_type(n)];
    }
    if (a.node_id(n) != b.node_id(n))
      return where + "id vs " + Num(b.node_id(n));
    if (a.self_size(n) != b.self_size(n)) {
      return where + "self size " + Num(a.self_size(n)) + " vs " +
             Num(b.self_size(n));
    }
    if (!SameName(a.node_name_string(n), b.node_name_string(n))) {
      return where + "names " +
             Parting(a.node_name_string(n), b.node_name_string(n));
    }
    if (a.first_edge(n) != b.first_edge(n) || a.edge_end(n) != b.edge_end(n))
      return where + "edge counts differ";
    for (uint32_t e = a.first_edge(n); e < a.edge_end(n); e++) {
      const std::string edge = where + "edge " + Num(e - a.first_edge(n));
      if (a.edge_type(e) != b.edge_type(e)) {
        return edge + ": type " + a.edge_type_names()[a.edge_type(e)] + " vs " +
               b.edge_type_names()[b.edge_type(e)];
      }
      if (a.edge_target(e) != b.edge_target(e)) {
        return edge + ": target " + Num(a.edge_target(e)) + " vs " +
               Num(b.edge_target(e));
      }
      if (a.edge_has_name(e)) {
        std::string_view x = a.string(a.edge_name_or_index(e));
        std::string_view y = b.string(b.edge_name_or_index(e));
        if (!SameName(x, y))
          return edge + ": names " + Parting(x, y);
      } else if (a.edge_name_or_index(e) != b.edge_name_or_index(e)) {
        return edge + ": index " + Num(a.edge_name_or_index(e)) + " vs " +
               Num(b.edge_name_or_index(e));
      }
    }
  }
  return "";
}

size_t HeapGraph::MemoryUsage() const {
  return node_types_.capacity() + node_names_.capacity() * 4 +
         ids_.capacity() * 4 + self_sizes_.capacity() * 8 +
         first_edges_.capacity() * 4 + edge_types_.capacity() +
         edge_names_.capacity() * 4 + edge_targets_.capacity() * 4 +
         string_data_.capacity() + string_offsets_.capacity() * 8 +
         ids_sorted_.capacity() * 4 + retainer_first_.capacity() * 4 +
         retainer_edges_.capacity() * 4 + retainer_nodes_.capacity() * 4 +
         locations_.capacity() * sizeof(SourceLocation);
}

}  // namespace leakguard
