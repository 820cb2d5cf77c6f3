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

GcRecord RecordNs(uint32_t type, uint64_t start_ns, uint64_t pause_ns) {
  GcRecord r = Record(type, 0, 0, 100);
  r.start_ns = start_ns;
  r.end_ns = start_ns + pause_ns;
  return r;
}

// The buckets are prom-client's nodejs_gc_duration_seconds bounds, and a
// pause equal to a bound belongs to it (Prometheus' le: "less or equal").
TEST(GcStats, PauseHistogramUsesPromClientBoundsInclusive) {
  EXPECT_EQ(GcDurationBucket(0), 0u);
  EXPECT_EQ(GcDurationBucket(0.001), 0u);
  EXPECT_EQ(GcDurationBucket(0.0011), 1u);
  EXPECT_EQ(GcDurationBucket(5), 5u);
  EXPECT_EQ(GcDurationBucket(5.5), kGcDurationBounds);
  GcStats stats;
  stats.Add(RecordNs(kGcScavenge, 0, 500000));         // 0.5 ms
  stats.Add(RecordNs(kGcScavenge, 1000000, 1000000));  // 1 ms: le 0.001
  stats.Add(RecordNs(kGcScavenge, 3000000, 2000000));  // 2 ms
  stats.Add(RecordNs(kGcMarkSweepCompact, 9000000, 7000000000ull));  // 7 s
  const GcTypeCounters& minor =
      stats.snapshot().by_type[GcStats::TypeIndex(kGcScavenge)];
  EXPECT_EQ(minor.buckets[0], 2u);
  EXPECT_EQ(minor.buckets[1], 1u);
  uint64_t sum = 0;
  for (uint64_t b : minor.buckets)
    sum += b;
  EXPECT_EQ(sum, minor.count);
  const GcTypeCounters& major =
      stats.snapshot().by_type[GcStats::TypeIndex(kGcMarkSweepCompact)];
  EXPECT_EQ(major.buckets[kGcDurationBounds], 1u);
}

TEST(GcStats, DurationLogIsOffUntilEnabledAndReportsWhatItLost) {
  GcStats stats;
  stats.Add(RecordNs(kGcScavenge, 0, 1000));
  EXPECT_FALSE(stats.durations().enabled());
  EXPECT_EQ(stats.durations().next(), 0u);
  stats.durations().Enable();
  for (uint64_t i = 0; i < 10; i++)
    stats.Add(RecordNs(
        i % 2 ? kGcMarkSweepCompact : kGcScavenge, i * 10, (i + 1) * 1000000));
  std::vector<GcDurationLog::Entry> out;
  uint64_t lost = 1;
  uint64_t cursor = stats.durations().ReadSince(0, 4, &out, &lost);
  EXPECT_EQ(lost, 0u);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(cursor, 4u);
  EXPECT_FLOAT_EQ(out[0].seconds, 0.001f);
  EXPECT_EQ(out[1].type_index, GcStats::TypeIndex(kGcMarkSweepCompact));
  out.clear();
  cursor = stats.durations().ReadSince(cursor, 100, &out, &lost);
  EXPECT_EQ(out.size(), 6u);
  EXPECT_EQ(cursor, 10u);
  // A reader further behind than the ring holds is told how many it missed.
  for (size_t i = 0; i < GcDurationLog::kCapacity + 5; i++)
    stats.Add(RecordNs(kGcScavenge, 1000 + i, 1000));
  out.clear();
  cursor = stats.durations().ReadSince(
      cursor, GcDurationLog::kCapacity * 2, &out, &lost);
  EXPECT_EQ(lost, 5u);
  EXPECT_EQ(out.size(), GcDurationLog::kCapacity);
  EXPECT_EQ(cursor, stats.durations().next());
  // A cursor from the future (not ours) starts from now.
  out.clear();
  EXPECT_EQ(stats.durations().ReadSince(cursor + 100, 10, &out, &lost),
            stats.durations().next());
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace leakguard
