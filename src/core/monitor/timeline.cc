#include "core/monitor/timeline.h"

#include <cmath>

namespace leakguard {

TimelineSeries::TimelineSeries() : points_(kMaxPoints) {}

bool TimelineSeries::SameBucket(double a_ms, double b_ms) const {
  return std::floor(a_ms / bucket_ms_) == std::floor(b_ms / bucket_ms_);
}

void TimelineSeries::Add(double t_ms, double bytes) {
  if (!std::isfinite(t_ms) || !std::isfinite(bytes) || t_ms < 0 || bytes < 0)
    return;
  const float v = static_cast<float>(bytes);
  while (true) {
    if (count_ > 0) {
      TimelinePoint& last = slot(count_ - 1);
      if (t_ms < last.t_ms || SameBucket(last.t_ms, t_ms)) {
        if (v < last.min)
          last.min = v;
        if (v > last.max)
          last.max = v;
        return;
      }
    }
    if (count_ < kMaxPoints)
      break;
    if (bucket_ms_ < kMaxBucketMs) {
      Coarsen();  // the sample may now share the newest bucket: look again
      continue;
    }
    head_ = (head_ + 1) % kMaxPoints;
    count_--;
    dropped_++;
    break;
  }
  TimelinePoint& p = slot(count_);
  p.t_ms = t_ms;
  p.min = v;
  p.max = v;
  count_++;
}

void TimelineSeries::Coarsen() {
  bucket_ms_ *= 2;
  size_t w = 0;
  for (size_t r = 0; r < count_; r++) {
    const TimelinePoint p = at(r);
    if (w > 0 && SameBucket(slot(w - 1).t_ms, p.t_ms)) {
      TimelinePoint& into = slot(w - 1);
      if (p.min < into.min)
        into.min = p.min;
      if (p.max > into.max)
        into.max = p.max;
    } else {
      slot(w++) = p;
    }
  }
  count_ = w;
}

void TimelineSeries::CopyTo(std::vector<TimelinePoint>* out) const {
  for (size_t i = 0; i < count_; i++)
    out->push_back(at(i));
}

}  // namespace leakguard
