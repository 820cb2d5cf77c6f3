#include "core/monitor/detector/native_memory.h"

namespace leakguard {

bool NativeMemory::Explained(const TrendVerdict& heap,
                             const TrendVerdict& external,
                             const TrendVerdict& rss) {
  // Without a few heap points we cannot tell a native leak from the heap's
  // own growth showing up in RSS; wait rather than guess.
  if (heap.samples < 3)
    return true;
  double explained = 0;
  for (const TrendVerdict* v : {&heap, &external}) {
    if (v->samples >= 3 && v->confidence >= WindowReader::kContinueConfidence &&
        v->bytes_per_second > 0) {
      explained += v->bytes_per_second;
    }
  }
  return explained >= 0.5 * rss.bytes_per_second;
}

bool NativeMemory::Rose(const TrendVerdict& raw,
                        const TrendVerdict& rss,
                        uint32_t min_samples) {
  // Native = RSS - committed heap - external is only an estimate: pages the
  // heap or malloc gave up stay resident a while, so native rises whenever
  // the committed heap or external memory shrinks under a flat RSS (an LRU
  // that settles after its fill did that for over a minute). Memory that
  // really grows raises RSS itself.
  return raw.samples >= min_samples &&
         raw.confidence >= WindowReader::kContinueConfidence &&
         raw.bytes_per_second >= kRssRiseFraction * rss.bytes_per_second;
}

}  // namespace leakguard
