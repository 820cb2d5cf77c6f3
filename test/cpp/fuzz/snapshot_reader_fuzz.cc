// libFuzzer target for the snapshot reader's memory entry points. The first
// byte picks the read buffer size (256 B to 64 KB) so tokens straddle chunk
// boundaries; a parsed graph is then run through the analyses, the leak
// report included (every node counts as new, so every group, composition,
// holder and key walk runs on the hostile graph).
#include <cstddef>
#include <cstdint>

#include <vector>

#include "core/analysis/heap_summary.h"
#include "core/analysis/leak_candidates.h"
#include "core/heap/dominators.h"
#include "core/heap/functions.h"
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
  leakguard::FunctionSites sites(graph.value(), "/work");
  leakguard::ShortestPaths paths(graph.value(), &sites);
  for (uint32_t n = 0; n < graph.value().node_count(); n++) {
    leakguard::FormatPath(graph.value(), classes, paths.PathTo(n), &sites);
    sites.Label(n);
  }
  std::vector<uint32_t> ids;
  for (uint32_t n = 0; n < graph.value().node_count(); n++)
    ids.push_back(graph.value().node_id(n));
  leakguard::SortUniqueIds(&ids);
  leakguard::LeakOptions leak;
  leak.min_count = 1;
  leak.min_retained_bytes = 0;
  leakguard::FindLeakCandidates(
      {}, ids, graph.value(), classes, dom, sites, paths, leak);
  return 0;
}
