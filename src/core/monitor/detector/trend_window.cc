#include "core/monitor/detector/trend_window.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

namespace leakguard {

TrendWindow::TrendWindow(const DetectorOptions& options) {
  Reset(options);
}

void TrendWindow::Reset(const DetectorOptions& options) {
  window_ms_ = options.window_ms;
  bucket_ms_ = options.window_ms / kMaxPoints;
  past_ms_ = options.window_ms / kPastSlots;
  for (Past& p : past_)
    p = Past{kNoSlot, 0};
  head_ = 0;
  count_ = 0;
  changed_ = false;
}

double TrendWindow::newest_time() const {
  if (count_ == 0)
    return std::numeric_limits<double>::quiet_NaN();
  return at(count_ - 1).time_ms;
}

double TrendWindow::newest_bytes() const {
  return count_ == 0 ? 0 : at(count_ - 1).bytes;
}

double TrendWindow::min_bytes() const {
  double m = count_ == 0 ? 0 : at(0).bytes;
  for (size_t i = 1; i < count_; i++)
    m = std::min(m, at(i).bytes);
  return m;
}

double TrendWindow::max_bytes() const {
  double m = count_ == 0 ? 0 : at(0).bytes;
  for (size_t i = 1; i < count_; i++)
    m = std::max(m, at(i).bytes);
  return m;
}

TrendWindow::TopValues::TopValues() {
  for (double& x : v)
    x = -std::numeric_limits<double>::infinity();
}

void TrendWindow::TopValues::Add(double x) {
  for (size_t i = 0; i < kKeep; i++) {
    if (x > v[i])
      std::swap(x, v[i]);
  }
}

void TrendWindow::TopBefore(double time_ms, TopValues* top) const {
  for (size_t i = 0; i < count_ && at(i).time_ms < time_ms; i++)
    top->Add(at(i).bytes);
}

double TrendWindow::MinFrom(double time_ms) const {
  double m = std::numeric_limits<double>::infinity();
  for (size_t i = count_; i > 0 && at(i - 1).time_ms >= time_ms; i--)
    m = std::min(m, at(i - 1).bytes);
  return m;
}

void TrendWindow::TopExpired(TopValues* top) const {
  if (count_ == 0)
    return;
  // Slots older than a window before the oldest kept point are stale.
  auto oldest = static_cast<int64_t>(std::floor(at(0).time_ms / past_ms_));
  for (const Past& p : past_) {
    if (p.slot != kNoSlot &&
        p.slot >= oldest - static_cast<int64_t>(kPastSlots))
      top->Add(p.bytes);
  }
}

void TrendWindow::DropOldest() {
  const Point& p = at(0);
  auto slot = static_cast<int64_t>(std::floor(p.time_ms / past_ms_));
  Past& past = past_[static_cast<uint64_t>(slot) % kPastSlots];
  if (past.slot != slot)
    past = Past{slot, p.bytes};
  else
    past.bytes = std::max(past.bytes, p.bytes);
  head_ = (head_ + 1) % kMaxPoints;
  count_--;
}

bool TrendWindow::AddSample(double time_ms, uint64_t bytes) {
  changed_ = false;
  if (!std::isfinite(time_ms))
    return false;
  if (count_ > 0 && time_ms < at(count_ - 1).time_ms)
    return false;
  double value = static_cast<double>(bytes);
  auto bucket = static_cast<int64_t>(std::floor(time_ms / bucket_ms_));
  if (count_ > 0) {
    Point& newest = points_[(head_ + count_ - 1) % kMaxPoints];
    if (newest.bucket == bucket) {
      // Same bucket: keep the lower envelope.
      if (value < newest.bytes) {
        newest.time_ms = time_ms;
        newest.bytes = value;
        changed_ = true;
      }
      size_t before = count_;
      Expire(time_ms);
      changed_ = changed_ || count_ != before;
      return true;
    }
  }
  if (count_ == kMaxPoints)
    DropOldest();
  points_[(head_ + count_) % kMaxPoints] = Point{time_ms, value, bucket};
  count_++;
  changed_ = true;
  Expire(time_ms);
  return true;
}

void TrendWindow::Expire(double now_ms, size_t keep) {
  const double oldest_allowed = now_ms - window_ms_;
  const double oldest_kept = now_ms - kKeepSpan * window_ms_;
  while (count_ > 0 && at(0).time_ms < oldest_allowed &&
         (count_ > keep || at(0).time_ms < oldest_kept)) {
    DropOldest();
  }
}

}  // namespace leakguard
