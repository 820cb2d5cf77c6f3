#include "core/monitor/detector/trend_window.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace leakguard {
namespace {

TEST(TrendWindow, MemoryIsBoundedAndBucketsKeepTheMinimum) {
  DetectorOptions options;
  options.window_ms = 128000;  // 1 s buckets.
  TrendWindow trend(options);
  for (int i = 0; i < 100000; i++) {
    // Ten samples per bucket; the lowest is the one at .5 s.
    double t = i * 100.0;
    uint64_t y = (i % 10 == 5) ? 1000 : 5000;
    ASSERT_TRUE(trend.AddSample(t, y));
    ASSERT_LE(trend.size(), TrendWindow::kMaxPoints);
  }
  EXPECT_GE(trend.size(), TrendWindow::kMaxPoints - 1);
  EXPECT_EQ(trend.max_bytes(), 1000);     // Every full bucket kept its minimum.
  EXPECT_FALSE(trend.AddSample(5.0, 1));  // Older than the newest point.
}

TEST(TrendWindow, WindowExpiresOldPoints) {
  DetectorOptions options;
  options.window_ms = 60000;
  TrendWindow trend(options);
  for (int i = 0; i < 30; i++)
    trend.AddSample(i * 1000.0, 1);
  trend.Expire(100000);
  EXPECT_EQ(trend.size(), 0u);
}

}  // namespace
}  // namespace leakguard
