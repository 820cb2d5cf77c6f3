// When to ask V8 for a live-set sample (a probe), the part of it that
// depends on what came before: the last live-set sample, heap used since,
// the last probe and the pauses probes cost. LeakDetector::ShouldProbe
// decides the interval (from the options, the horizons and whether a
// kind is suspect) and asks this schedule whether a probe is due.
//
// Probes. V8 runs few mark-compacts while a heap grows (measured: services
// leaking 0.5-2 MB/s saw 2-5 in 75 s), so the heap series alone is too sparse
// to judge within minutes. ShouldProbe() tells the monitor thread when to ask
// for a live-set sample (a full GC or a memory-pressure notification): when
// no heap sample arrived for probe_interval_ms, from the start; a quarter of
// that while heap or external memory is suspect (a rise that would clear the
// floors, or a newest sample well above the line); at most the shortest long
// horizon's bucket; never more than max_probe_overhead of wall time going by
// the mean pause of the last 8 probes; and, if the glue reports every
// collection (AddGcRecord), only once the heap has grown past the last
// live-set sample or RSS by min_growth_bytes / 4 (an idle process is never
// probed). A probe's GC record also carries external memory, which may not
#ifndef LEAKGUARD_CORE_MONITOR_DETECTOR_PROBE_SCHEDULE_H_
#define LEAKGUARD_CORE_MONITOR_DETECTOR_PROBE_SCHEDULE_H_

#include <cstddef>
#include <cstdint>

#include "core/monitor/detector/detector_options.h"

namespace leakguard {

class ProbeSchedule {
 public:
  // Probes keep within max_probe_overhead going by the mean pause of the
  // last kProbePauses of them.
  static constexpr size_t kProbePauses = 8;

  // A live-set sample arrived (a full GC's or a probe's); `rss_bytes` is
  // the newest RSS sample then.
  void HeapSampled(double time_ms, double bytes, double rss_bytes);
  // A collection's GC record: heap used after it. The glue reports every
  // collection (scavenges too), so from the first record on a heap that
  // has not grown past the last live-set sample is never probed.
  void GcRecord(double heap_used, bool full_gc);
  // The pause a probe cost. One slow collection (a loaded machine
  // descheduling the GC) does not stop probes for a hundred times its
  // pause, and a heap that got expensive to collect spaces them out within
  // a few probes.
  void NotePause(double pause_ms);

  // Whether a probe is due at now_ms with probes `interval_ms` apart, given
  // the newest RSS sample; a true answer counts as a request. Probes keep
  // within `max_overhead` of wall time (options.max_probe_overhead when
  // negative).
  bool Due(double now_ms,
           double interval_ms,
           const DetectorOptions& options,
           double rss_bytes,
           double max_overhead = -1);

  uint64_t requested() const { return requested_; }

 private:
  double last_heap_sample_ms_ = 0;  // Raw heap samples, warm-up included.
  double last_heap_bytes_ = 0;
  double rss_at_heap_sample_ = 0;  // Newest rss when it arrived.
  bool have_heap_sample_ = false;
  bool heap_used_reported_ = false;    // GcRecord was ever called.
  double heap_used_since_sample_ = 0;  // Max heap used after the last sample.
  double last_probe_ms_ = 0;
  bool probed_ = false;
  // The pauses of the last kProbePauses probes (a ring), for the budget.
  double pauses_[kProbePauses] = {};
  size_t pause_count_ = 0;  // Pauses noted, ever.
  uint64_t requested_ = 0;
};

}  // namespace leakguard

#endif  // LEAKGUARD_CORE_MONITOR_DETECTOR_PROBE_SCHEDULE_H_
