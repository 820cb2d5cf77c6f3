// The rss kind: native memory, estimated as RSS less the V8 heap's
// committed size and external memory (their growth has kinds of their
// own), and when its growth may be reported.
//
// An rss leak is not reported while heap and external growth explain at
// least half of it (it would only repeat their events), nor before the
// heap has three points to compare with, nor unless RSS itself rose at
// least kRssRiseFraction as fast as the native estimate: pages that the
// heap or malloc gave up stay resident for a while, so the estimate rises
// when committed heap or external memory shrinks under a flat RSS. RSS
// warms up longer than the live set (kRssWarmupMultiple), and the series
// starts again after leakguard's own heavy work (LeakDetector::RestartRss).
#ifndef LEAKGUARD_CORE_MONITOR_DETECTOR_NATIVE_MEMORY_H_
#define LEAKGUARD_CORE_MONITOR_DETECTOR_NATIVE_MEMORY_H_

#include <cstdint>
#include <initializer_list>

#include "core/monitor/detector/window_reading.h"

namespace leakguard {

class NativeMemory {
 public:
  // An rss leak needs RSS itself to rise at least this fraction as fast as
  // the native estimate (with confidence kContinueConfidence).
  static constexpr double kRssRiseFraction = 0.5;
  // RSS warms up longer than the live set: V8 and the allocator keep
  // committing and returning pages for the first minute or so (a healthy
  // service whose batches come and go every 5 s read as "rss grew 11 MB
  // over 26 s" in a CI run on Node 22). The rss gate is this many times
  // warmup_ms after the start.
  static constexpr double kRssWarmupMultiple = 3;

  // Committed heap and external memory of the latest GC record.
  void NoteV8(uint64_t heap_total, uint64_t external) {
    v8_bytes_ = heap_total + external;
  }
  // The rss series' value for a sample of RSS itself: what RSS holds beyond
  // the V8 heap's committed pages and external memory. Committed heap
  // pages keep growing a while after the live set has settled, and
  // counting heap or external growth here would report one leak twice.
  uint64_t Estimate(uint64_t rss) const {
    return rss > v8_bytes_ ? rss - v8_bytes_ : 0;
  }

  // Whether the heap's and external memory's verdicts explain `rss` (or
  // the heap has too few points to tell).
  static bool Explained(const TrendVerdict& heap,
                        const TrendVerdict& external,
                        const TrendVerdict& rss);
  // Whether RSS itself (`raw`, read on the same horizon) rose with the
  // native estimate's verdict `rss`.
  static bool Rose(const TrendVerdict& raw,
                   const TrendVerdict& rss,
                   uint32_t min_samples);

 private:
  uint64_t v8_bytes_ = 0;
};

}  // namespace leakguard

#endif  // LEAKGUARD_CORE_MONITOR_DETECTOR_NATIVE_MEMORY_H_
