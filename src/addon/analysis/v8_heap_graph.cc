#include "addon/analysis/v8_heap_graph.h"

#include <v8-version.h>

#include <string>
#include <type_traits>

#include "core/heap/snapshot_reader.h"

namespace leakguard {

namespace {

constexpr uint64_t kMaxIndex = 0xFFFFFFFEu;  // 0xFFFFFFFF is kNoNode

// Node pointer -> node index, by open addressing with linear probing over
// a power-of-two table at most two-thirds full. Pointers are never null, so
// 0 marks an empty slot. Fibonacci hashing spreads the (aligned, clustered)
// addresses over the table.
class NodeIndex {
 public:
  explicit NodeIndex(size_t count) {
    size_t size = 16;
    shift_ = 60;
    while (size < count + count / 2) {
      size <<= 1;
      shift_--;
    }
    keys_.assign(size, 0);
    values_.resize(size);
    mask_ = size - 1;
  }

  void Insert(const v8::HeapGraphNode* node, uint32_t index) {
    const uintptr_t key = reinterpret_cast<uintptr_t>(node);
    size_t slot = Slot(key);
    while (keys_[slot] != 0)
      slot = (slot + 1) & mask_;
    keys_[slot] = key;
    values_[slot] = index;
  }

  uint32_t Find(const v8::HeapGraphNode* node) const {
    const uintptr_t key = reinterpret_cast<uintptr_t>(node);
    for (size_t slot = Slot(key); keys_[slot] != 0; slot = (slot + 1) & mask_) {
      if (keys_[slot] == key)
        return values_[slot];
    }
    return kNoNode;
  }

 private:
  size_t Slot(uintptr_t key) const {
    return static_cast<size_t>((uint64_t{key} * 0x9E3779B97F4A7C15ull) >>
                               shift_);
  }

  std::vector<uintptr_t> keys_;
  std::vector<uint32_t> values_;
  size_t mask_ = 0;
  int shift_ = 0;
};

// Whether this V8's node types end with kWasmObject (node 20's V8 11.3 has
// it, node 22's 12.4 does not). V8 writes exactly its enum's names in a
// file's meta, so the copy must list as many.
template <typename T, typename = void>
struct HasWasmObject : std::false_type {};
template <typename T>
struct HasWasmObject<T, std::void_t<decltype(T::kWasmObject)>>
    : std::true_type {};

constexpr size_t kV8NodeTypes =
    static_cast<size_t>(v8::HeapGraphNode::kObjectShape) + 1 +
    (HasWasmObject<v8::HeapGraphNode>::value ? 1 : 0);

// `s` as UTF-8 in *out, lone surrogates as U+FFFD. One pass: a UTF-16
// code unit never needs more than three bytes.
void ToUtf8(v8::Isolate* isolate, v8::Local<v8::String> s, std::string* out) {
  out->resize(static_cast<size_t>(s->Length()) * 3);
#if V8_MAJOR_VERSION >= 13
  const size_t written =
      s->WriteUtf8V2(isolate,
                     &(*out)[0],
                     out->size(),
                     v8::String::WriteFlags::kReplaceInvalidUtf8);
#else
  const int written = s->WriteUtf8(
      isolate,
      &(*out)[0],
      static_cast<int>(out->size()),
      nullptr,
      v8::String::NO_NULL_TERMINATION | v8::String::REPLACE_INVALID_UTF8);
#endif
  out->resize(static_cast<size_t>(written));
}

// The graph's string index for a V8 name; "" for anything but a string.
uint32_t InternName(v8::Isolate* isolate,
                    v8::Local<v8::Value> name,
                    HeapGraph* graph,
                    std::string* scratch) {
  if (name.IsEmpty() || !name->IsString())
    return graph->InternString("");
  ToUtf8(isolate, name.As<v8::String>(), scratch);
  return graph->InternString(*scratch);
}

}  // namespace

Result<HeapGraph> CopyHeapGraph(v8::Isolate* isolate,
                                const v8::HeapSnapshot& snapshot,
                                HeapCopy what) {
  const bool edges = what == HeapCopy::kFull;
  const int nodes = snapshot.GetNodesCount();
  uint64_t edge_total = 0;
  for (int i = 0; edges && i < nodes; i++) {
    edge_total +=
        static_cast<uint64_t>(snapshot.GetNode(i)->GetChildrenCount());
  }
  if (static_cast<uint64_t>(nodes) > kMaxIndex || edge_total > kMaxIndex) {
    return Status(StatusCode::kOutOfRange,
                  "the heap snapshot has " + std::to_string(nodes) +
                      " nodes and " + std::to_string(edge_total) +
                      " edges; a heap graph holds at most 2^32 - 2 of each");
  }

  HeapGraph graph;
  graph.SetV8Types();
  std::vector<std::string> node_types = graph.node_type_names();
  if (node_types.size() > kV8NodeTypes) {
    node_types.resize(kV8NodeTypes);
    Status s = graph.SetNodeTypes(std::move(node_types));
    if (!s.ok())
      return s;
  }
  graph.Reserve(static_cast<size_t>(nodes), edges ? edge_total : 0);
  // Types whose nodes are classed by their own name (node_classes.h).
  const int object_type = graph.FindNodeType("object");
  const int native_type = graph.FindNodeType("native");
  const uint32_t no_name = graph.InternString("");

  NodeIndex index(edges ? static_cast<size_t>(nodes) : 0);
  if (edges) {
    for (int i = 0; i < nodes; i++)
      index.Insert(snapshot.GetNode(i), static_cast<uint32_t>(i));
  }

  std::string scratch;
  for (int i = 0; i < nodes; i++) {
    // One scope per node: GetName() makes a handle per node and per named
    // edge, which must not pile up over millions of nodes.
    v8::HandleScope scope(isolate);
    const v8::HeapGraphNode* node = snapshot.GetNode(i);
    const int type = static_cast<int>(node->GetType());
    uint32_t name = no_name;
    if (edges || type == object_type || type == native_type)
      name = InternName(isolate, node->GetName(), &graph, &scratch);
    graph.AddNode(static_cast<uint8_t>(type),
                  name,
                  node->GetId(),
                  static_cast<uint64_t>(node->GetShallowSize()));
    if (!edges)
      continue;
    const int children = node->GetChildrenCount();
    for (int j = 0; j < children; j++) {
      const v8::HeapGraphEdge* edge = node->GetChild(j);
      const v8::HeapGraphEdge::Type edge_type = edge->GetType();
      v8::Local<v8::Value> edge_name = edge->GetName();
      uint32_t name_or_index;
      if (edge_type == v8::HeapGraphEdge::kElement ||
          edge_type == v8::HeapGraphEdge::kHidden) {
        // Numbered edges (HeapGraph::SetV8Types: element and hidden).
        name_or_index =
            edge_name->IsNumber()
                ? static_cast<uint32_t>(edge_name.As<v8::Number>()->Value())
                : 0;
      } else {
        name_or_index = InternName(isolate, edge_name, &graph, &scratch);
      }
      graph.AddEdge(static_cast<uint8_t>(edge_type),
                    name_or_index,
                    index.Find(edge->GetToNode()));
    }
  }
  // Finish() checks every type, name and target (a target the table did
  // not know would be kNoNode, out of range): a V8 with a new node type
  // fails here with a clear message rather than misnaming nodes.
  Status s = graph.Finish();
  if (!s.ok())
    return s;
  return Result<HeapGraph>(std::move(graph));
}

std::vector<uint32_t> CopyHeapIds(const v8::HeapSnapshot& snapshot) {
  const int nodes = snapshot.GetNodesCount();
  std::vector<uint32_t> ids;
  ids.reserve(static_cast<size_t>(nodes));
  for (int i = 0; i < nodes; i++)
    ids.push_back(snapshot.GetNode(i)->GetId());
  SortUniqueIds(&ids);
  return ids;
}

}  // namespace leakguard
