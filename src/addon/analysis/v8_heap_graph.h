// Copying V8's in-memory heap snapshot (v8::HeapSnapshot) straight into the
// core's HeapGraph, so that HeapDiff and findLeaks run the very analyses of
// `leakguard summary|diff|analyze` without writing and parsing JSON.
//
// The copy visits V8's nodes in index order (GetNode(i)) and each node's
// edges in order (GetChild(j)), which is the order V8's serialiser writes
// them to a .heapsnapshot file. Node and edge types are V8's enum values,
// which are the positions of the type names V8 writes in the file's meta
// (HeapGraph::SetV8Types, cut to as many node types as this V8's enum has:
// node 22's has no "wasm object"); names are V8's strings as UTF-8; sizes
// are 64-bit. So a full copy is, node for node and edge for edge, what
// ReadSnapshotFile makes of the same snapshot written to a file
// (test/js/heap-graph.test.js compares the two with FirstDifference). The
// one exception is where V8's JSON serialiser is lossy: it writes a
// character beyond U+FFFF as its low 16 bits and an unpaired surrogate as
// '?', while the copy keeps the character (and U+FFFD for the surrogate).
//
// Edge targets come as node pointers: a first pass builds an
// open-addressing table from pointer to node index (24 bytes per node,
// freed when the copy returns), the second fills the graph. Loops only, no
// recursion, so a million-deep linked list is no different from a wide
// heap.
//
// Threading: the isolate's thread only. V8's snapshot API hands out names
// as JS strings, so the copy opens a HandleScope per node and allocates
// (internalised) strings on the JS heap as it goes; those are garbage once
// it returns. It never calls JS.
#ifndef LEAKGUARD_ADDON_V8_HEAP_GRAPH_H_
#define LEAKGUARD_ADDON_V8_HEAP_GRAPH_H_

#include <v8-profiler.h>
#include <v8.h>

#include <cstdint>
#include <vector>

#include "core/base/status.h"
#include "core/heap/heap_graph.h"

namespace leakguard {

enum class HeapCopy : uint8_t {
  // Every node, edge and name: for summaries and the leak report.
  kFull,
  // Nodes only, named only where the node's class needs the name (objects
  // and native objects; every other type is classed by its type, see
  // node_classes.h): what DiffHeaps reads, at a fraction of the time and
  // memory. Other nodes get the empty name.
  kClasses,
};

// A finished graph, or why not (a graph beyond 2^32 - 2 nodes or edges).
Result<HeapGraph> CopyHeapGraph(v8::Isolate* isolate,
                                const v8::HeapSnapshot& snapshot,
                                HeapCopy what);

// Only the node ids, sorted and unique (what ReadSnapshotIds gives for the
// same snapshot written to a file): the baseline and the target of the
// three-snapshot method need nothing else. No JS allocation.
std::vector<uint32_t> CopyHeapIds(const v8::HeapSnapshot& snapshot);

}  // namespace leakguard

#endif  // LEAKGUARD_ADDON_V8_HEAP_GRAPH_H_
