// Streaming reader of V8 .heapsnapshot JSON into a HeapGraph.
//
// The file is read in chunks (8 MB by default) through one buffer; numbers in
// `nodes` and `edges` go straight into the graph's arrays and strings into
// its string table, so the file is never held whole. Top-level keys and the
// keys of `snapshot` and `meta` may come in any order (when `nodes` or
// `edges` precede `meta`, their numbers are buffered until the layout is
// known). `locations` (each function's script id, line and column) goes
// into the graph as SourceLocations, at 16 bytes per function; in ids-only
// mode it is skipped. Sections no analysis needs (trace_function_infos,
// trace_tree, samples and unknown keys) are checked for well-formed JSON and
// skipped.
//
// The reader is strict about structure: field offsets and type names come
// from `meta`, node/edge arrays must be whole multiples of their field
// counts, every type, name and target index must be in range, and numbers in
// `nodes` and `edges` must be non-negative integers below 2^53 (ids, edge
// counts and indices below 2^32). Any failure returns a Status whose message
// starts with "at byte N: " (N counted from the start of the input) and says
// what is wrong, e.g. "at byte 1042: unexpected end of input (truncated?)".
//
// Threading: each call is independent and may run on any thread.
#ifndef LEAKGUARD_CORE_SNAPSHOT_READER_H_
#define LEAKGUARD_CORE_SNAPSHOT_READER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/base/status.h"
#include "core/heap/heap_graph.h"

namespace leakguard {

struct SnapshotReadOptions {
  // Size of the read buffer. Tokens never need more than a few bytes of
  // look-ahead, so any size from 4 KB works; larger means fewer read() calls.
  size_t chunk_bytes = 8u << 20;
  // Most memory the reader's arrays may take. Nothing is reserved from a
  // count the file declares beyond it, and growing past it fails with a
  // kNoHeadroom Status naming the limit instead of std::bad_alloc (which,
  // without exceptions, is an abort). 0: DefaultReadBudget().
  uint64_t max_memory_bytes = 0;
};

// Half of the machine's physical memory: what a reader may take when its
// caller knows no better budget (callers in a container pass the cgroup's
// headroom, see core/analysis/heap_reports.cc).
uint64_t DefaultReadBudget();

// Parses a whole snapshot into a finished graph.
Result<HeapGraph> ReadSnapshotFile(const std::string& path,
                                   const SnapshotReadOptions& options = {});
Result<HeapGraph> ReadSnapshotBuffer(const char* data,
                                     size_t size,
                                     const SnapshotReadOptions& options = {});

// Parses only what is needed for the node ids (the structure is still fully
// checked, but edges and strings are not stored). Returns the ids sorted
// ascending without duplicates. This is how `analyze` reads its baseline and
// target snapshots: a few bytes per node instead of a whole graph.
Result<std::vector<uint32_t>> ReadSnapshotIds(
    const std::string& path, const SnapshotReadOptions& options = {});
Result<std::vector<uint32_t>> ReadSnapshotIdsBuffer(
    const char* data, size_t size, const SnapshotReadOptions& options = {});

// Sorts `ids` ascending and removes duplicates: the form ReadSnapshotIds
// returns and FindLeakCandidates takes (the addon's copy from V8 uses it).
void SortUniqueIds(std::vector<uint32_t>* ids);

}  // namespace leakguard

#endif  // LEAKGUARD_CORE_SNAPSHOT_READER_H_
