#include "core/monitor/detector/window_reading.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace leakguard {
namespace {

constexpr double kKB = 1e3;
constexpr double kMB = 1e6;

// The robust statistics on their own: one window, one reading.

TEST(WindowReader, ExactLineGivesExactSlopeBaseAndFullConfidence) {
  DetectorOptions options;
  TrendWindow trend(options);
  for (int i = 0; i < 20; i++) {
    trend.AddSample(i * 3000.0, static_cast<uint64_t>(10 * kMB + i * 3 * kMB));
  }
  TrendVerdict v = WindowReader().Read(trend, options);
  EXPECT_TRUE(v.detected) << TrendReasonName(v.reason);
  EXPECT_NEAR(v.bytes_per_second, 1 * kMB, 1);
  EXPECT_NEAR(v.base_bytes, 10 * kMB, 1);
  EXPECT_NEAR(v.estimated_base, 67 * kMB, 1);
  EXPECT_NEAR(v.growth_bytes, 57 * kMB, 1);
  EXPECT_GT(v.confidence, 0.9999);
  EXPECT_EQ(v.samples, 20u);
  EXPECT_EQ(v.rising_steps, 19u);
}

TEST(WindowReader, TheilSenIgnoresAFifthOfWildOutliers) {
  DetectorOptions options;
  TrendWindow trend(options);
  for (int i = 0; i < 50; i++) {
    double y = 100 * kMB + i * 1000.0 * 200;  // 200 KB/s, a sample per second
    if (i % 5 == 2)
      y += (i % 2 ? 300 : -90) * kMB;
    trend.AddSample(i * 1000.0, static_cast<uint64_t>(y));
  }
  TrendVerdict v = WindowReader().Read(trend, options);
  EXPECT_NEAR(v.bytes_per_second, 200 * kKB, 10 * kKB);
}

TEST(WindowReader, FlatSeriesHasNoTrend) {
  DetectorOptions options;
  TrendWindow trend(options);
  for (int i = 0; i < 40; i++)
    trend.AddSample(i * 2000.0, 50000000);
  TrendVerdict v = WindowReader().Read(trend, options);
  EXPECT_FALSE(v.detected);
  EXPECT_EQ(v.reason, TrendVerdict::Reason::kNotSignificant);
  EXPECT_DOUBLE_EQ(v.confidence, 0.5);  // All ties: S = 0.
  EXPECT_DOUBLE_EQ(v.bytes_per_second, 0);
}

}  // namespace
}  // namespace leakguard
