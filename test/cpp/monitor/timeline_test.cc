#include "core/monitor/timeline.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace leakguard {
namespace {

constexpr double kSecond = 1000;
constexpr double kHour = 3600 * kSecond;

TEST(TimelineTest, SamplesInOneBucketKeepTheirLowestAndHighest) {
  TimelineSeries s;
  s.Add(10 * kSecond + 100, 50);
  s.Add(10 * kSecond + 400, 20);
  s.Add(10 * kSecond + 900, 70);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_DOUBLE_EQ(s.at(0).t_ms, 10 * kSecond + 100);
  EXPECT_EQ(s.at(0).min, 20);
  EXPECT_EQ(s.at(0).max, 70);
  s.Add(11 * kSecond, 30);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s.at(1).min, 30);
}

TEST(TimelineTest, IgnoresWhatIsNotANumberAndNeverGoesBack) {
  TimelineSeries s;
  s.Add(std::numeric_limits<double>::quiet_NaN(), 1);
  s.Add(5 * kSecond, std::numeric_limits<double>::infinity());
  s.Add(-1, 1);
  s.Add(5 * kSecond, -1);
  EXPECT_EQ(s.size(), 0u);
  s.Add(5 * kSecond, 10);
  s.Add(1 * kSecond, 2);  // older than the newest bucket: joins it
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s.at(0).min, 2);
  EXPECT_DOUBLE_EQ(s.at(0).t_ms, 5 * kSecond);
}

// A day of one sample per second (RSS) and a rising live set: the series
// stays within its points, covers the whole day, its buckets keep the
// day's extremes, and the bucket minima of a rising line rise too.
TEST(TimelineTest, ADayPerSecondFitsAndKeepsItsShape) {
  TimelineSeries s;
  const double start = 7 * kHour;
  double lowest = 1e30, highest = 0;
  for (double t = start; t <= start + 24 * kHour; t += kSecond) {
    const double v = 50e6 + (t - start) * 0.5 + 1e6 * std::sin(t / 30000.0);
    lowest = std::min(lowest, v);
    highest = std::max(highest, v);
    s.Add(t, v);
  }
  EXPECT_LE(s.size(), TimelineSeries::kMaxPoints);
  EXPECT_GT(s.size(), TimelineSeries::kMaxPoints / 2);
  EXPECT_EQ(s.bucket_ms(), TimelineSeries::kMaxBucketMs);
  EXPECT_EQ(s.dropped(), 0u);
  EXPECT_DOUBLE_EQ(s.at(0).t_ms, start);
  float lo = s.at(0).min, hi = s.at(0).max;
  for (size_t i = 1; i < s.size(); i++) {
    EXPECT_GT(s.at(i).t_ms, s.at(i - 1).t_ms);
    EXPECT_LE(s.at(i).min, s.at(i).max);
    lo = std::min(lo, s.at(i).min);
    hi = std::max(hi, s.at(i).max);
  }
  EXPECT_NEAR(lo, lowest, lowest * 1e-6);
  EXPECT_NEAR(hi, highest, highest * 1e-6);
  // The leak's line: 43 MB over the day, visible in the minima.
  EXPECT_GT(s.at(s.size() - 1).min - s.at(0).min, 40e6);
}

// Past the widest buckets the oldest go, so the series always holds the
// newest 36 h and never more points.
TEST(TimelineTest, BeyondItsSpanDropsTheOldest) {
  TimelineSeries s;
  const double end = 72 * kHour;
  for (double t = 0; t <= end; t += 500)
    s.Add(t, 1e6);
  EXPECT_EQ(s.size(), TimelineSeries::kMaxPoints);
  EXPECT_GT(s.dropped(), 0u);
  const double span = s.at(s.size() - 1).t_ms - s.at(0).t_ms;
  EXPECT_GE(span, 24 * kHour);
  EXPECT_LE(span, TimelineSeries::kMaxPoints * TimelineSeries::kMaxBucketMs);
}

// Sparse samples (a quiet process: a full GC an hour) over 200 days: each
// coarsening merges little, and the series still ends bounded.
TEST(TimelineTest, SparseSamplesStayBounded) {
  TimelineSeries s;
  for (double t = 0; t < 200 * 24 * kHour; t += kHour)
    s.Add(t, 1);
  EXPECT_EQ(s.size(), TimelineSeries::kMaxPoints);
  EXPECT_EQ(s.bucket_ms(), TimelineSeries::kMaxBucketMs);
  EXPECT_DOUBLE_EQ(s.at(s.size() - 1).t_ms, 200 * 24 * kHour - kHour);
}

TEST(TimelineTest, MemoryIsFixed) {
  EXPECT_EQ(sizeof(TimelinePoint), 16u);
  EXPECT_EQ(Timeline::kBytes, 3u * 2048u * 16u);
  Timeline t;
  t.series(SampleKind::kRss).Add(1, 2);
  EXPECT_EQ(t.series(SampleKind::kRss).size(), 1u);
  EXPECT_EQ(t.series(SampleKind::kHeap).size(), 0u);
}

}  // namespace
}  // namespace leakguard
