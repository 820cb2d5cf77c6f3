// What heapStats().detector and the metrics read of a LeakDetector.
#ifndef LEAKGUARD_CORE_MONITOR_DETECTOR_DETECTOR_STATS_H_
#define LEAKGUARD_CORE_MONITOR_DETECTOR_DETECTOR_STATS_H_

#include <cstdint>

#include "core/monitor/detector/detector_options.h"
#include "core/monitor/detector/time_to_limit.h"

namespace leakguard {

struct KindStats {
  uint64_t samples_received = 0;  // Every AddSample of this kind.
  uint64_t samples_ignored = 0;   // Of those, during warm-up or out of order.
  uint32_t samples_held = 0;      // Points in the window now.
  double current_bytes = 0;       // Newest sample (memwatch's current_base; raw
                             // RSS for rss, whose other fields are native).
  double min_bytes = 0;  // Lowest and highest point in the window.
  double max_bytes = 0;
  double estimated_base = 0;  // memwatch's estimated_base.
  double usage_trend = 0;     // memwatch's usage_trend, bytes/second.
  double confidence = 0;
  bool in_episode = false;
  // At usage_trend while the kind grows (LeakDetector::Urgency).
  TimeToLimit time_to_limit;
  // 'leak' events of this kind since the process started, across
  // detectors: LeakDetector leaves it 0 and the monitor thread, which
  // outlives each start()'s detector, fills it in (metrics count on it).
  uint64_t events = 0;
};

struct DetectorStats {
  KindStats kinds[kSampleKindCount];
  uint64_t probes_requested = 0;
  uint64_t events_emitted = 0;
  uint64_t episodes = 0;
  uint64_t episodes_ended = 0;
  uint64_t rss_restarts = 0;
};

}  // namespace leakguard

#endif  // LEAKGUARD_CORE_MONITOR_DETECTOR_DETECTOR_STATS_H_
