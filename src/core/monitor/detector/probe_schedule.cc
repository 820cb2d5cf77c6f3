#include "core/monitor/detector/probe_schedule.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace leakguard {

void ProbeSchedule::HeapSampled(double time_ms,
                                double bytes,
                                double rss_bytes) {
  last_heap_sample_ms_ = time_ms;
  last_heap_bytes_ = bytes;
  rss_at_heap_sample_ = rss_bytes;
  have_heap_sample_ = true;
  heap_used_since_sample_ = 0;
}

void ProbeSchedule::GcRecord(double heap_used, bool full_gc) {
  heap_used_reported_ = true;
  // A full collection's heap used is a live-set sample (HeapSampled).
  if (!full_gc)
    heap_used_since_sample_ = std::max(heap_used_since_sample_, heap_used);
}

void ProbeSchedule::NotePause(double pause_ms) {
  if (std::isfinite(pause_ms) && pause_ms >= 0)
    pauses_[pause_count_++ % kProbePauses] = pause_ms;
}

bool ProbeSchedule::Due(double now_ms,
                        double interval,
                        const DetectorOptions& options,
                        double rss_bytes,
                        double max_overhead) {
  if (max_overhead < 0)
    max_overhead = options.max_probe_overhead;
  if (max_overhead > 0 && pause_count_ > 0) {
    size_t n = std::min(pause_count_, kProbePauses);
    double sum = 0;
    for (size_t i = 0; i < n; i++)
      sum += pauses_[i];
    interval = std::max(interval, sum / n / max_overhead);
  }
  double last = -std::numeric_limits<double>::infinity();
  if (have_heap_sample_)
    last = last_heap_sample_ms_;
  if (probed_)
    last = std::max(last, last_probe_ms_);
  if (now_ms - last < interval)
    return false;
  // The live set cannot exceed heap used; if heap used has not passed the
  // last live-set sample, nothing can have leaked since (e.g. idle).
  // RSS growth reopens the gate: memory outside the heap (Buffers) can grow
  // without a single collection.
  bool rss_grew = rss_bytes - rss_at_heap_sample_ >=
                  static_cast<double>(options.min_growth_bytes) / 4;
  if (heap_used_reported_ && have_heap_sample_ &&
      heap_used_since_sample_ <= last_heap_bytes_ && !rss_grew) {
    return false;
  }
  requested_++;
  last_probe_ms_ = now_ms;
  probed_ = true;
  return true;
}

}  // namespace leakguard
