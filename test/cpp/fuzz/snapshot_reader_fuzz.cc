// libFuzzer target for the snapshot reader's memory entry points. The first
// byte picks the read buffer size (256 B to 64 KB) so tokens straddle chunk
// boundaries; a parsed graph is then run through the analyses.
#include <cstddef>
#include <cstdint>

#include "core/heap/dominators.h"
#include "core/analysis/heap_summary.h"
#include "core/heap/node_classes.h"
#include "core/heap/retainer_paths.h"
#include "core/heap/snapshot_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0)
    return 0;
  leakguard::SnapshotReadOptions options;
  options.chunk_bytes = size_t{256} << (data[0] % 9);
  const char* text = reinterpret_cast<const char*>(data + 1);
  leakguard::ReadSnapshotIdsBuffer(text, size - 1, options);
  auto graph = leakguard::ReadSnapshotBuffer(text, size - 1, options);
  if (!graph.ok())
    return 0;
  leakguard::NodeClasses classes(graph.value());
  leakguard::DominatorTree dom = leakguard::ComputeDominators(&graph.value());
  leakguard::SummarizeHeap(graph.value(), classes, dom);
  leakguard::ShortestPaths paths(graph.value());
  for (uint32_t n = 0; n < graph.value().node_count(); n++) {
    leakguard::FormatPath(graph.value(), classes, paths.PathTo(n));
  }
  return 0;
}
