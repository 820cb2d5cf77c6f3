#include "core/monitor/detector/probe_schedule.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>

namespace leakguard {
namespace {

constexpr double kMB = 1e6;

DetectorOptions Options() {
  DetectorOptions o;
  o.min_growth_bytes = 2 * 1000 * 1000;
  o.max_probe_overhead = 0.01;
  return o;
}

TEST(ProbeSchedule, DueOnceTheIntervalHasPassedSinceTheLastSampleOrProbe) {
  ProbeSchedule probes;
  const DetectorOptions o = Options();
  // Nothing yet: the first probe is due at once.
  EXPECT_TRUE(probes.Due(0, 5000, o, 0));
  EXPECT_FALSE(probes.Due(4999, 5000, o, 0));
  EXPECT_TRUE(probes.Due(5000, 5000, o, 0));
  // A live-set sample (a natural full GC) restarts the interval.
  probes.HeapSampled(8000, 50 * kMB, 100 * kMB);
  EXPECT_FALSE(probes.Due(12000, 5000, o, 100 * kMB));
  EXPECT_TRUE(probes.Due(13000, 5000, o, 100 * kMB));
  EXPECT_EQ(probes.requested(), 3u);
}

TEST(ProbeSchedule, AnIdleHeapIsNeverProbedUntilHeapOrRssGrows) {
  ProbeSchedule probes;
  const DetectorOptions o = Options();
  probes.HeapSampled(0, 50 * kMB, 100 * kMB);
  // Every collection is reported, and none passed the live set.
  probes.GcRecord(49 * kMB, false);
  EXPECT_FALSE(probes.Due(60000, 5000, o, 100 * kMB));
  // RSS grew by a quarter of minGrowthBytes: memory outside the heap.
  EXPECT_TRUE(probes.Due(60000, 5000, o, 100 * kMB + o.min_growth_bytes / 4));
  // A full GC is the next live-set sample; then heap used grows past it.
  probes.GcRecord(50 * kMB, true);
  probes.HeapSampled(70000, 50 * kMB, 100 * kMB);
  EXPECT_FALSE(probes.Due(80000, 5000, o, 100 * kMB));
  probes.GcRecord(51 * kMB, false);
  EXPECT_TRUE(probes.Due(80000, 5000, o, 100 * kMB));
}

TEST(ProbeSchedule, ProbesKeepWithinTheOverheadByTheirMeanPause) {
  ProbeSchedule probes;
  const DetectorOptions o = Options();
  ASSERT_TRUE(probes.Due(0, 1000, o, 0));
  // 100 ms pauses at 1% of wall time: one probe per 10 s at most.
  for (size_t i = 0; i < ProbeSchedule::kProbePauses; i++)
    probes.NotePause(100);
  EXPECT_FALSE(probes.Due(9999, 1000, o, 0));
  EXPECT_TRUE(probes.Due(10000, 1000, o, 0));
  // One slow collection among eight is averaged, not obeyed: 2 s + 7 x 0.1 s.
  probes.NotePause(2000);
  EXPECT_FALSE(probes.Due(10000 + 33000, 1000, o, 0));
  EXPECT_TRUE(probes.Due(10000 + 34000, 1000, o, 0));
  // Pauses that are no numbers are ignored.
  probes.NotePause(-1);
  probes.NotePause(std::nan(""));
  EXPECT_FALSE(probes.Due(44000 + 33000, 1000, o, 0));
}

}  // namespace
}  // namespace leakguard
