#include "core/monitor/detector/native_memory.h"

#include <gtest/gtest.h>

namespace leakguard {
namespace {

constexpr double kMB = 1e6;

TrendVerdict Rising(double bytes_per_second,
                    double confidence = 0.99,
                    uint32_t samples = 10) {
  TrendVerdict v;
  v.samples = samples;
  v.confidence = confidence;
  v.bytes_per_second = bytes_per_second;
  return v;
}

TEST(NativeMemory, TheEstimateIsRssLessCommittedHeapAndExternal) {
  NativeMemory native;
  EXPECT_EQ(native.Estimate(300 * 1000 * 1000), 300u * 1000 * 1000);
  native.NoteV8(200 * 1000 * 1000, 50 * 1000 * 1000);
  EXPECT_EQ(native.Estimate(300 * 1000 * 1000), 50u * 1000 * 1000);
  // Pages the heap gave back can leave RSS below the V8 figures.
  EXPECT_EQ(native.Estimate(100 * 1000 * 1000), 0u);
}

TEST(NativeMemory, HeapAndExternalGrowthExplainRss) {
  const TrendVerdict rss = Rising(2 * kMB);
  // Too few heap points to tell: wait.
  EXPECT_TRUE(NativeMemory::Explained(Rising(0, 0.5, 2), Rising(0), rss));
  // Flat heap and external: native memory grows on its own.
  EXPECT_FALSE(NativeMemory::Explained(Rising(0), Rising(0), rss));
  // Together they rise at half the rss rate or more.
  EXPECT_TRUE(
      NativeMemory::Explained(Rising(0.6 * kMB), Rising(0.4 * kMB), rss));
  // A rise without confidence explains nothing.
  EXPECT_FALSE(NativeMemory::Explained(Rising(5 * kMB, 0.6), Rising(0), rss));
}

TEST(NativeMemory, RssItselfMustRiseWithTheEstimate) {
  const TrendVerdict rss = Rising(2 * kMB);
  EXPECT_TRUE(NativeMemory::Rose(Rising(1 * kMB), rss, 7));
  EXPECT_FALSE(NativeMemory::Rose(Rising(0.9 * kMB), rss, 7));
  EXPECT_FALSE(NativeMemory::Rose(Rising(2 * kMB, 0.7), rss, 7));
  EXPECT_FALSE(NativeMemory::Rose(Rising(2 * kMB, 0.99, 6), rss, 7));
}

}  // namespace
}  // namespace leakguard
