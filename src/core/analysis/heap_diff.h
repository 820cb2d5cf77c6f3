// Difference of two snapshots of the same process, by class, in the shape
// of memwatch's HeapDiff so code written for memwatch reads it unchanged:
//
//   { before: { nodes, size_bytes, size },
//     after:  { nodes, size_bytes, size },
//     change: { size_bytes, size, freed_nodes, allocated_nodes,
//               details: [{ what, size_bytes, size, '+', '-' }] } }
//
// Objects are matched by snapshot node id, which V8 keeps stable for an
// object's lifetime: '+' counts ids in `after` that are not in `before`
// (allocated and still alive), '-' ids in `before` that are not in `after`
// (freed). A class's size_bytes is the self size of its '+' objects minus
// that of its '-' objects; objects alive in both do not count. `what` is the
// class name (see node_classes.h); '+' objects are classed as in `after`,
// '-' objects as in `before`. details lists classes with any '+' or '-',
// largest |size_bytes| first.
#ifndef LEAKGUARD_CORE_HEAP_DIFF_H_
#define LEAKGUARD_CORE_HEAP_DIFF_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/base/json_writer.h"
#include "core/heap/heap_graph.h"
#include "core/heap/node_classes.h"

namespace leakguard {

struct DiffDetail {
  std::string what;
  int64_t size_bytes = 0;
  uint64_t added = 0;    // '+'
  uint64_t removed = 0;  // '-'
};

struct HeapDiff {
  uint64_t before_nodes = 0;
  uint64_t before_size = 0;
  uint64_t after_nodes = 0;
  uint64_t after_size = 0;
  uint64_t freed_nodes = 0;
  uint64_t allocated_nodes = 0;
  std::vector<DiffDetail> details;
};

HeapDiff DiffHeaps(const HeapGraph& before,
                   const NodeClasses& before_classes,
                   const HeapGraph& after,
                   const NodeClasses& after_classes);

// memwatch's shape (above); `top` limits details (0: all).
void WriteDiffJson(const HeapDiff& diff, size_t top, JsonWriter* out);

}  // namespace leakguard

#endif  // LEAKGUARD_CORE_HEAP_DIFF_H_
