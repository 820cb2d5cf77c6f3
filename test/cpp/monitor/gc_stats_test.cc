#include "core/monitor/gc_stats.h"

#include <gtest/gtest.h>

namespace leakguard {
namespace {

GcRecord Record(uint32_t type,
                uint64_t start_ms,
                uint64_t pause_ms,
                uint64_t used_after) {
  GcRecord r{};
  r.type = type;
  r.start_ns = start_ms * 1000000;
  r.end_ns = (start_ms + pause_ms) * 1000000;
  r.used_before = used_after + 1000;
  r.used_after = used_after;
  r.total_after = used_after * 2;
  r.limit = 4096ull << 20;
  r.external_after = 77;
  return r;
}

TEST(GcStats, CountsFullAndIncrementalLikeMemwatch) {
  GcStats stats;
  EXPECT_FALSE(stats.Add(Record(kGcScavenge, 0, 1, 100)));
  EXPECT_FALSE(stats.Add(Record(kGcIncrementalMarking, 10, 2, 100)));
  EXPECT_TRUE(stats.Add(Record(kGcMarkSweepCompact, 20, 5, 1000)));
  const GcStatsSnapshot& s = stats.snapshot();
  EXPECT_EQ(s.num_full_gc, 1u);
  EXPECT_EQ(s.num_inc_gc, 2u);
  EXPECT_EQ(s.heap_compactions, 1u);
  EXPECT_EQ(s.by_type[GcStats::TypeIndex(kGcScavenge)].count, 1u);
  EXPECT_DOUBLE_EQ(
      s.by_type[GcStats::TypeIndex(kGcMarkSweepCompact)].total_pause_ms, 5.0);
  EXPECT_DOUBLE_EQ(s.total_pause_ms, 8.0);
  EXPECT_DOUBLE_EQ(s.max_pause_ms, 5.0);
  EXPECT_EQ(s.current_base, 1000u);
  EXPECT_EQ(s.external, 77u);
}

TEST(GcStats, TracksBaseExtremes) {
  GcStats stats;
  stats.Add(Record(kGcMarkSweepCompact, 0, 1, 1000));
  stats.Add(Record(kGcMarkSweepCompact, 10, 1, 3000));
  stats.Add(Record(kGcMarkSweepCompact, 20, 1, 2000));
  const GcStatsSnapshot& s = stats.snapshot();
  EXPECT_EQ(s.min_base, 1000u);
  EXPECT_EQ(s.max_base, 3000u);
  EXPECT_EQ(s.current_base, 2000u);
  // The detector's, filled in by the monitor thread; never made up here.
  EXPECT_EQ(s.estimated_base, 0.0);
  EXPECT_EQ(s.usage_trend, 0.0);
}

TEST(GcStats, UnknownTypeCountsAsIncrementalWithoutSlot) {
  GcStats stats;
  EXPECT_EQ(GcStats::TypeIndex(1u << 9), -1);
  EXPECT_FALSE(stats.Add(Record(1u << 9, 0, 1, 5)));
  EXPECT_EQ(stats.snapshot().num_inc_gc, 1u);
  EXPECT_STREQ(GcTypeName(1u << 9), "unknown");
  EXPECT_STREQ(GcTypeName(kGcScavenge), "scavenge");
}

}  // namespace
}  // namespace leakguard
