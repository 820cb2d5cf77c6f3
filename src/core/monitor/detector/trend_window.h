// One kind's bounded window of samples on one horizon: the points a
// WindowReader reads (window_reading.h). No analysis here.
//
// Horizons. Each kind is judged on the window (window_ms, the short
// horizon) and on the long horizons (horizons_ms: 1 h and 24 h by default),
// each a TrendWindow of at most kMaxPoints points: its length is cut into
// kMaxPoints equal time buckets and a bucket keeps its lowest sample, so a
// longer horizon's points are the shorter one's downsampled. Floating
// garbage, in-flight requests and allocator slack only ever add to a
// sample, so the minimum is the least noisy value. Points older than the
// window expire; the highest of them are remembered per slot of
// window_ms / kPastSlots (TopExpired), so a long horizon still knows
// yesterday's peak once its window has slid past it. Memory is fixed at
// construction: kMaxPoints * kPointBytes + kPastSlots * 16 bytes.
// Not thread-safe; trivially copyable.
#ifndef LEAKGUARD_CORE_MONITOR_DETECTOR_TREND_WINDOW_H_
#define LEAKGUARD_CORE_MONITOR_DETECTOR_TREND_WINDOW_H_

#include <cstddef>
#include <cstdint>

#include "core/monitor/detector/detector_options.h"

namespace leakguard {

class TrendWindow {
 public:
  // Most points kept; the readings' scratch is sized for it.
  static constexpr size_t kMaxPoints = 128;
  // Bytes of memory one point holds.
  static constexpr size_t kPointBytes = 24;
  // Slots of the expired-maximum memory, each window_ms / kPastSlots wide.
  static constexpr size_t kPastSlots = 16;

  struct Point {
    double time_ms;
    double bytes;
    int64_t bucket;  // floor(time_ms / bucket_ms()).
  };

  explicit TrendWindow(const DetectorOptions& options);

  // Drops every point and adopts the window of `options`.
  void Reset(const DetectorOptions& options);

  // Adds a sample. Returns false and ignores it when time_ms is earlier than
  // the newest point (the clock is monotonic; a stale sample is a glue bug).
  // changed() then says whether the points changed (a sample above its
  // bucket's minimum leaves them as they were).
  bool AddSample(double time_ms, uint64_t bytes);
  bool changed() const { return changed_; }

  // Drops points older than now_ms - window_ms, but keeps the newest `keep`
  // of them up to kKeepSpan window lengths old: a window counted in samples
  // when collections are sparse (a growing heap is collected ever more
  // rarely, and a short window would otherwise hold too few points to
  // judge, however fast the heap grows).
  static constexpr double kKeepSpan = 4;
  void Expire(double now_ms, size_t keep = 0);

  size_t size() const { return count_; }
  // Point i, oldest first.
  const Point& at(size_t i) const { return points_[(head_ + i) % kMaxPoints]; }
  double window_ms() const { return window_ms_; }
  double bucket_ms() const { return bucket_ms_; }
  double newest_time() const;   // NaN when empty.
  double newest_bytes() const;  // 0 when empty.
  double min_bytes() const;
  double max_bytes() const;

  // The kKeep highest of a set of values: a peak level that one or two
  // outliers (a burst that filled a bucket) do not set.
  struct TopValues {
    static constexpr size_t kKeep = 3;
    double v[kKeep];
    TopValues();
    void Add(double x);
    // The kKeep-th highest; -infinity with fewer values.
    double Lowest() const { return v[kKeep - 1]; }
  };
  // Adds the points older than time_ms to `top`.
  void TopBefore(double time_ms, TopValues* top) const;
  // Lowest point at or after time_ms; +infinity when there is none.
  double MinFrom(double time_ms) const;
  // Adds the highest point of each window_ms / kPastSlots of the window_ms
  // before the oldest kept point (points that expired or were pushed out):
  // what the window saw before its start, yesterday's peak for a day.
  void TopExpired(TopValues* top) const;

 private:
  struct Past {
    int64_t slot;  // floor(time_ms / past_ms_); kNoSlot when empty.
    double bytes;  // Highest expired point of that slot.
  };
  static constexpr int64_t kNoSlot = INT64_MIN;
  // Drops the oldest point, remembering its value in past_.
  void DropOldest();

  double bucket_ms_;
  double window_ms_;
  Point points_[kMaxPoints];
  double past_ms_;
  Past past_[kPastSlots];
  size_t head_ = 0;
  size_t count_ = 0;
  bool changed_ = false;
};

}  // namespace leakguard

#endif  // LEAKGUARD_CORE_MONITOR_DETECTOR_TREND_WINDOW_H_
