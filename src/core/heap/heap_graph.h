// The compact heap graph every analysis shares.
//
// A heap snapshot is a directed graph: nodes (objects, with a type, a name, a
// stable id and a self size) and edges (with a type, a property name or an
// element index, and a target node). HeapGraph keeps it as flat arrays in
// compressed sparse row form, like the .heapsnapshot format itself: the edges
// of node n are [first_edge(n), first_edge(n + 1)). Indices are uint32_t and
// sizes uint64_t, so a graph costs about 21 bytes per node and 9 per edge.
//
// Type names are data, not constants: they come from the snapshot's `meta`
// (node_types[type field], edge_types[type field]) or from the builder. An
// analysis looks its types up once by name (FindNodeType("object")).
//
// Two producers fill a graph: SnapshotReader (from .heapsnapshot JSON) and the
// addon, which copies V8's in-memory v8::HeapSnapshot through the builder API
// (SetNodeTypes, SetEdgeTypes, InternString, AddNode, AddEdge, Finish).
//
// Ownership and threading: a HeapGraph owns all its arrays and is movable,
// not copyable. Building it is single-threaded. After Finish() and an
// optional BuildRetainers(), every const member may be called from any number
// of threads at once.
#ifndef LEAKGUARD_CORE_HEAP_GRAPH_H_
#define LEAKGUARD_CORE_HEAP_GRAPH_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/status.h"

namespace leakguard {

// "No node": unreachable nodes' dominator, the root's BFS parent, etc.
inline constexpr uint32_t kNoNode = 0xFFFFFFFFu;
// "No such type" from FindNodeType / FindEdgeType.
inline constexpr int kNoType = -1;

class SnapshotParser;

// Where a function was created: the snapshot's `locations` entry for a
// closure node (V8 writes one per JSFunction: the script's id and the 0-based
// line and column of the function's start, the `function` keyword or the
// arrow's parameters; also one per object, its constructor's, which the
// reader does not keep).
struct SourceLocation {
  uint32_t node;
  uint32_t script_id;
  uint32_t line;    // 0-based, as V8 writes it
  uint32_t column;  // 0-based
};

class HeapGraph {
 public:
  HeapGraph() = default;
  HeapGraph(HeapGraph&&) = default;
  HeapGraph& operator=(HeapGraph&&) = default;
  HeapGraph(const HeapGraph&) = delete;
  HeapGraph& operator=(const HeapGraph&) = delete;

  // --- Builder ----------------------------------------------------------
  // Call SetNodeTypes and SetEdgeTypes first (or SetV8Types), then add nodes
  // in order; AddEdge appends an edge to the node added last, so the edges of
  // a node are added right after it. Edge targets may name nodes added later;
  // Finish() checks every index and makes the graph read-only.

  // At most 255 names each. Edge types named "element" or "hidden" carry an
  // element index in name_or_index; all others carry a string index.
  Status SetNodeTypes(std::vector<std::string> names);
  Status SetEdgeTypes(std::vector<std::string> names);
  // The type lists of current V8 (what node 18-24 write).
  void SetV8Types();

  // Returns the index of `s`, adding it if it is new.
  uint32_t InternString(std::string_view s);
  // Appends `s` without looking for an equal string (the reader's path: a
  // snapshot's string table is already unique).
  uint32_t AddString(std::string_view s);

  // Optional: room for this many nodes and edges, so a builder that knows
  // its sizes (the addon's copy from V8) never regrows the arrays.
  void Reserve(size_t nodes, size_t edges);

  // Returns the new node's index.
  uint32_t AddNode(uint8_t type,
                   uint32_t name,
                   uint32_t id,
                   uint64_t self_size);
  void AddEdge(uint8_t type, uint32_t name_or_index, uint32_t target);

  // A function's source location (any order; Finish() sorts them by node
  // and drops all but the first of a node's duplicates).
  void AddLocation(const SourceLocation& location);

  // Validates every type, name and target index; frees the intern table.
  Status Finish();

  // --- Nodes and edges --------------------------------------------------
  uint32_t node_count() const { return static_cast<uint32_t>(ids_.size()); }
  uint32_t edge_count() const {
    return static_cast<uint32_t>(edge_targets_.size());
  }
  uint32_t string_count() const {
    return static_cast<uint32_t>(string_offsets_.size() - 1);
  }

  uint8_t node_type(uint32_t n) const { return node_types_[n]; }
  uint32_t node_name(uint32_t n) const { return node_names_[n]; }
  uint32_t node_id(uint32_t n) const { return ids_[n]; }
  uint64_t self_size(uint32_t n) const { return self_sizes_[n]; }
  uint32_t first_edge(uint32_t n) const { return first_edges_[n]; }
  uint32_t edge_end(uint32_t n) const { return first_edges_[n + 1]; }

  uint8_t edge_type(uint32_t e) const { return edge_types_[e]; }
  uint32_t edge_name_or_index(uint32_t e) const { return edge_names_[e]; }
  uint32_t edge_target(uint32_t e) const { return edge_targets_[e]; }
  // True when the edge's name_or_index is a string index.
  bool edge_has_name(uint32_t e) const {
    return !index_edge_type_[edge_types_[e]];
  }

  std::string_view string(uint32_t i) const {
    return std::string_view(string_data_.data() + string_offsets_[i],
                            string_offsets_[i + 1] - string_offsets_[i]);
  }
  std::string_view node_name_string(uint32_t n) const {
    return string(node_names_[n]);
  }

  // The location of closure `n`, or nullptr when the snapshot gave none
  // (the addon's copy from V8 never has them: V8's in-memory API has no
  // locations). Binary search over the sorted locations.
  const SourceLocation* FindLocation(uint32_t n) const;
  size_t location_count() const { return locations_.size(); }

  const std::vector<std::string>& node_type_names() const {
    return node_type_names_;
  }
  const std::vector<std::string>& edge_type_names() const {
    return edge_type_names_;
  }
  int FindNodeType(std::string_view name) const;
  int FindEdgeType(std::string_view name) const;

  // The node whose id is `id`, or kNoNode. Builds a sorted id index on first
  // use (not thread-safe until built; BuildIdIndex() builds it up front).
  void BuildIdIndex();
  uint32_t FindNodeById(uint32_t id) const;

  // --- Retainers (derived, built once on demand) ------------------------
  // For each node, the edges pointing at it and their source nodes. Costs
  // 8 bytes per edge; only analyses that walk backwards build it.
  void BuildRetainers();
  bool has_retainers() const { return !retainer_first_.empty(); }
  uint32_t retainer_begin(uint32_t n) const { return retainer_first_[n]; }
  uint32_t retainer_end(uint32_t n) const { return retainer_first_[n + 1]; }
  uint32_t retainer_edge(uint32_t r) const { return retainer_edges_[r]; }
  uint32_t retainer_node(uint32_t r) const { return retainer_nodes_[r]; }

  // Approximate bytes held by the arrays (for --verbose and tests).
  size_t MemoryUsage() const;

 private:
  friend class SnapshotParser;  // fills the arrays directly, for speed

  void ComputeIndexEdgeTypes();

  std::vector<std::string> node_type_names_;
  std::vector<std::string> edge_type_names_;
  // index_edge_type_[t]: edges of type t carry an index, not a string.
  std::vector<bool> index_edge_type_;

  // Nodes (structure of arrays).
  std::vector<uint8_t> node_types_;
  std::vector<uint32_t> node_names_;
  std::vector<uint32_t> ids_;
  std::vector<uint64_t> self_sizes_;
  // node_count + 1 entries after Finish(); the last one is edge_count.
  std::vector<uint32_t> first_edges_;

  // Edges.
  std::vector<uint8_t> edge_types_;
  std::vector<uint32_t> edge_names_;
  std::vector<uint32_t> edge_targets_;

  // Function locations, sorted by node after Finish().
  std::vector<SourceLocation> locations_;

  // Strings: string i is string_data_[string_offsets_[i], [i + 1]).
  std::string string_data_;
  std::vector<uint64_t> string_offsets_{0};
  // Builder only (InternString); freed by Finish().
  // Open addressing over string indices (kNoNode = empty), so the table
  // stays valid when string_data_ grows. Size is a power of two.
  std::vector<uint32_t> intern_slots_;
  size_t intern_count_ = 0;

  // Derived indices.
  std::vector<uint32_t> ids_sorted_;  // node indices sorted by id
  std::vector<uint32_t> retainer_first_;
  std::vector<uint32_t> retainer_edges_;
  std::vector<uint32_t> retainer_nodes_;
};

// The first way in which `a` and `b` differ, as a sentence ("node 12 (id
// 345): names differ at byte 0: \"x\" vs \"y\""), or "" when they are the
// same graph: the same type lists, the same nodes (type, name text, id,
// self size) and the same edges (type, name text or element index, target)
// in the same order. Locations are not compared: the copy has none.
// String tables may differ in order and in duplicates. This is how tests
// check that the addon's copy of a V8 snapshot (`a`) is what the snapshot
// reader makes of the same snapshot written to a file (`b`).
//
// V8's file is lossy in one way that every version shares: its serialiser
// decodes each name as UTF-8 and writes '?' for every byte of what its
// decoder calls a bad character, and that value is U+FFFD itself, so a
// U+FFFD in a name is "???" in the file (Node 24 and 26 keep such a string
// in every heap). A name of `a` with U+FFFD where `b` has "???" is the
// same name.
std::string FirstDifference(const HeapGraph& a, const HeapGraph& b);

// `name` as V8's file spells it: each U+FFFD as "???" (see above).
std::string V8FileSpelling(std::string_view name);

}  // namespace leakguard

#endif  // LEAKGUARD_CORE_HEAP_GRAPH_H_
