// Timeline: the bounded history of the live set behind leakguard.timeline()
// and the report's chart (lib/report/). Per kind (heap, external, rss) it
// keeps at most kMaxPoints buckets, each the lowest and highest sample in
// it and the time of its first sample. Buckets start kBaseBucketMs wide;
// when a series is full they double (neighbours merge) up to kMaxBucketMs,
// and from then on the oldest bucket is dropped. So the newest ~34 min are
// kept per second, and at the widest a series spans kMaxPoints ×
// kMaxBucketMs = 36.4 h, more than the 24 h the report shows.
//
// Memory is fixed at construction: kMaxPoints × sizeof(TimelinePoint) per
// kind (32 KiB; 96 KiB for the three), nothing allocated after.
//
// Threading: not thread-safe. The monitor thread writes it (MonitorThread
// holds it behind its mutex); readers copy a series out under that mutex.
// Times are milliseconds on one monotonic clock.
#ifndef LEAKGUARD_CORE_MONITOR_TIMELINE_H_
#define LEAKGUARD_CORE_MONITOR_TIMELINE_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/monitor/detector/leak_detector.h"

namespace leakguard {

struct TimelinePoint {
  double t_ms = 0;  // first sample in the bucket
  // Bytes; float keeps a point at 16 bytes and is exact to 1 part in 10^7,
  // far below what a chart shows.
  float min = 0;
  float max = 0;
};

class TimelineSeries {
 public:
  static constexpr size_t kMaxPoints = 2048;
  static constexpr double kBaseBucketMs = 1000;
  static constexpr double kMaxBucketMs = 64000;

  TimelineSeries();

  // Adds one sample. A sample older than the newest bucket joins that
  // bucket (the series never goes back in time); a NaN, infinite or
  // negative value or time is ignored.
  void Add(double t_ms, double bytes);

  size_t size() const { return count_; }
  // i = 0 is the oldest bucket.
  const TimelinePoint& at(size_t i) const {
    return points_[(head_ + i) % kMaxPoints];
  }
  double bucket_ms() const { return bucket_ms_; }
  // Buckets dropped from the old end since construction (at the widest).
  uint64_t dropped() const { return dropped_; }
  // Appends the buckets, oldest first, to `out` (which the caller reserves).
  void CopyTo(std::vector<TimelinePoint>* out) const;

 private:
  TimelinePoint& slot(size_t i) { return points_[(head_ + i) % kMaxPoints]; }
  bool SameBucket(double a_ms, double b_ms) const;
  // Doubles the bucket width and merges neighbours that now share one.
  void Coarsen();

  std::vector<TimelinePoint> points_;  // kMaxPoints, a ring from head_
  size_t head_ = 0;
  size_t count_ = 0;
  double bucket_ms_ = kBaseBucketMs;
  uint64_t dropped_ = 0;
};

// One series per SampleKind.
class Timeline {
 public:
  TimelineSeries& series(SampleKind kind) {
    return series_[static_cast<size_t>(kind)];
  }
  const TimelineSeries& series(SampleKind kind) const {
    return series_[static_cast<size_t>(kind)];
  }
  // Bytes this timeline holds, fixed from construction.
  static constexpr size_t kBytes =
      kSampleKindCount * TimelineSeries::kMaxPoints * sizeof(TimelinePoint);

 private:
  TimelineSeries series_[kSampleKindCount];
};

}  // namespace leakguard

#endif  // LEAKGUARD_CORE_MONITOR_TIMELINE_H_
