#include "core/analysis/heap_diff.h"

#include <algorithm>
#include <cstdlib>
#include <unordered_map>

#include "core/base/byte_format.h"

namespace leakguard {

namespace {

// Indices of the graph's nodes sorted by id.
std::vector<uint32_t> NodesById(const HeapGraph& g) {
  std::vector<uint32_t> order(g.node_count());
  for (uint32_t n = 0; n < g.node_count(); n++)
    order[n] = n;
  // V8 writes nodes in ascending id order except for a few synthetic roots,
  // so this sort is cheap in practice.
  auto by_id = [&g](uint32_t a, uint32_t b) {
    return g.node_id(a) < g.node_id(b);
  };
  if (!std::is_sorted(order.begin(), order.end(), by_id)) {
    std::stable_sort(order.begin(), order.end(), by_id);
  }
  return order;
}

}  // namespace

HeapDiff DiffHeaps(const HeapGraph& before,
                   const NodeClasses& before_classes,
                   const HeapGraph& after,
                   const NodeClasses& after_classes) {
  HeapDiff diff;
  diff.before_nodes = before.node_count();
  diff.after_nodes = after.node_count();
  for (uint32_t n = 0; n < before.node_count(); n++) {
    diff.before_size += before.self_size(n);
  }
  for (uint32_t n = 0; n < after.node_count(); n++) {
    diff.after_size += after.self_size(n);
  }

  // Per-class details keyed by name: the two snapshots number their classes
  // independently.
  std::unordered_map<std::string, size_t> index;
  auto detail = [&](const std::string& what) -> DiffDetail& {
    auto it = index.find(what);
    if (it == index.end()) {
      it = index.emplace(what, diff.details.size()).first;
      diff.details.emplace_back();
      diff.details.back().what = what;
    }
    return diff.details[it->second];
  };
  // Per-class counters first (vectors), then fold into named details.
  std::vector<uint64_t> added_count(after_classes.class_count(), 0);
  std::vector<uint64_t> added_size(after_classes.class_count(), 0);
  std::vector<uint64_t> removed_count(before_classes.class_count(), 0);
  std::vector<uint64_t> removed_size(before_classes.class_count(), 0);

  std::vector<uint32_t> b = NodesById(before);
  std::vector<uint32_t> a = NodesById(after);
  size_t i = 0;
  size_t j = 0;
  while (i < b.size() || j < a.size()) {
    if (j == a.size() ||
        (i < b.size() && before.node_id(b[i]) < after.node_id(a[j]))) {
      const uint32_t c = before_classes.class_of(b[i]);
      removed_count[c]++;
      removed_size[c] += before.self_size(b[i]);
      diff.freed_nodes++;
      i++;
    } else if (i == b.size() || after.node_id(a[j]) < before.node_id(b[i])) {
      const uint32_t c = after_classes.class_of(a[j]);
      added_count[c]++;
      added_size[c] += after.self_size(a[j]);
      diff.allocated_nodes++;
      j++;
    } else {
      i++;
      j++;
    }
  }
  for (uint32_t c = 0; c < before_classes.class_count(); c++) {
    if (removed_count[c] == 0)
      continue;
    DiffDetail& d = detail(before_classes.name(c));
    d.removed += removed_count[c];
    d.size_bytes -= static_cast<int64_t>(removed_size[c]);
  }
  for (uint32_t c = 0; c < after_classes.class_count(); c++) {
    if (added_count[c] == 0)
      continue;
    DiffDetail& d = detail(after_classes.name(c));
    d.added += added_count[c];
    d.size_bytes += static_cast<int64_t>(added_size[c]);
  }
  std::sort(diff.details.begin(),
            diff.details.end(),
            [](const DiffDetail& x, const DiffDetail& y) {
              const int64_t ax = std::llabs(x.size_bytes);
              const int64_t ay = std::llabs(y.size_bytes);
              if (ax != ay)
                return ax > ay;
              return x.what < y.what;
            });
  return diff;
}

void WriteDiffJson(const HeapDiff& d, size_t top, JsonWriter* out) {
  auto side = [out](const char* key, uint64_t nodes, uint64_t size) {
    out->Key(key).BeginObject();
    out->Key("nodes").Uint(nodes);
    out->Key("size_bytes").Uint(size);
    out->Key("size").String(FormatBytesMemwatch(static_cast<int64_t>(size)));
    out->EndObject();
  };
  out->BeginObject();
  side("before", d.before_nodes, d.before_size);
  side("after", d.after_nodes, d.after_size);
  const int64_t change =
      static_cast<int64_t>(d.after_size) - static_cast<int64_t>(d.before_size);
  out->Key("change").BeginObject();
  out->Key("size_bytes").Int(change);
  out->Key("size").String(FormatBytesMemwatch(change));
  out->Key("freed_nodes").Uint(d.freed_nodes);
  out->Key("allocated_nodes").Uint(d.allocated_nodes);
  out->Key("details").BeginArray();
  size_t limit = top == 0 ? d.details.size() : std::min(top, d.details.size());
  for (size_t i = 0; i < limit; i++) {
    const DiffDetail& x = d.details[i];
    out->BeginObject();
    out->Key("what").String(x.what);
    out->Key("size_bytes").Int(x.size_bytes);
    out->Key("size").String(FormatBytesMemwatch(x.size_bytes));
    out->Key("+").Uint(x.added);
    out->Key("-").Uint(x.removed);
    out->EndObject();
  }
  out->EndArray();
  out->EndObject();
  out->EndObject();
}

}  // namespace leakguard
