// Time to limit (time_to_limit.h) and the end of an episode ('leakEnd'),
// alone and as the detector reports them.
#include "core/monitor/detector/time_to_limit.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "monitor/detector/scenario.h"

namespace leakguard {
namespace {

using namespace scenario;  // NOLINT(build/namespaces)

constexpr double kGB = 1e9;

TEST(TimeToLimit, HeapTakesTheTighterOfTheHeapLimitAndTheMemoryLeft) {
  MemoryRoom room;
  room.heap_limit = 4 * kGB;
  room.heap_used = 1 * kGB;
  // 3 GB below the heap limit, 8 GB of memory left: the heap limit.
  room.memory_available = 8 * kGB;
  room.memory_limit = 16 * kGB;
  room.memory_source = LimitSource::kMemory;
  TimeToLimit t = ProjectTimeToLimit(SampleKind::kHeap, 1 * kMB, room);
  EXPECT_EQ(t.source, LimitSource::kHeap);
  EXPECT_DOUBLE_EQ(t.limit_bytes, 4 * kGB);
  EXPECT_DOUBLE_EQ(t.room_bytes, 3 * kGB);
  EXPECT_DOUBLE_EQ(t.ms, 3000 * 1000);
  // A container with 512 MB left: the cgroup limit is the tighter.
  room.memory_available = 512 * kMB;
  room.memory_limit = 2 * kGB;
  room.memory_source = LimitSource::kCgroup;
  t = ProjectTimeToLimit(SampleKind::kHeap, 1 * kMB, room);
  EXPECT_EQ(t.source, LimitSource::kCgroup);
  EXPECT_DOUBLE_EQ(t.limit_bytes, 2 * kGB);
  EXPECT_DOUBLE_EQ(t.ms, 512 * 1000);
}

TEST(TimeToLimit, ExternalAndRssOnlyHaveTheMemoryLimit) {
  MemoryRoom room;
  room.heap_limit = 1 * kGB;
  room.heap_used = 900 * kMB;
  room.memory_available = 2 * kGB;
  room.memory_limit = 4 * kGB;
  room.memory_source = LimitSource::kCgroup;
  for (SampleKind kind : {SampleKind::kExternal, SampleKind::kRss}) {
    TimeToLimit t = ProjectTimeToLimit(kind, 2 * kMB, room);
    EXPECT_EQ(t.source, LimitSource::kCgroup);
    EXPECT_DOUBLE_EQ(t.ms, 1000 * 1000);
  }
}

TEST(TimeToLimit, NoGrowthOrNoLimitIsInfinite) {
  MemoryRoom room;
  EXPECT_FALSE(ProjectTimeToLimit(SampleKind::kHeap, 1 * kMB, room).finite());
  EXPECT_EQ(ProjectTimeToLimit(SampleKind::kHeap, 1 * kMB, room).source,
            LimitSource::kNone);
  room.heap_limit = 1 * kGB;
  TimeToLimit flat = ProjectTimeToLimit(SampleKind::kHeap, 0, room);
  EXPECT_FALSE(flat.finite());
  EXPECT_EQ(flat.source, LimitSource::kHeap);  // The limit is still named.
  EXPECT_FALSE(ProjectTimeToLimit(SampleKind::kHeap, -5 * kMB, room).finite());
  EXPECT_FALSE(
      ProjectTimeToLimit(SampleKind::kHeap, std::nan(""), room).finite());
  // Past the limit already: no room, zero time.
  room.heap_used = 2 * kGB;
  EXPECT_DOUBLE_EQ(ProjectTimeToLimit(SampleKind::kHeap, 1, room).ms, 0);
}

TEST(TimeToLimit, EveryLeakEventCarriesItAndSaysItInTheReason) {
  Scenario sc;
  sc.duration_s = 120;
  sc.heap_limit = 1024 * kMB;
  sc.live_bytes = [](double t) { return 30 * kMB + 1 * kMB * t; };
  Outcome o = Simulate(sc);
  const TimedEvent* first = o.First(SampleKind::kHeap);
  ASSERT_NE(first, nullptr) << Describe(o);
  const TimeToLimit& t = first->event.time_to_limit;
  EXPECT_EQ(t.source, LimitSource::kHeap);
  EXPECT_DOUBLE_EQ(t.limit_bytes, 1024 * kMB);
  // The truth: the room left at the newest sample, at 1 MB/s.
  const double truth_s = (1024 * kMB - sc.live_bytes(first->poll_s)) / kMB;
  EXPECT_NEAR(t.ms / 1000, truth_s, 0.3 * truth_s) << Describe(o);
  const std::string reason = FormatLeakReason(first->event);
  EXPECT_NE(reason.find("; at this rate the 977 MiB heap limit is reached in"),
            std::string::npos)
      << reason;
}

TEST(TimeToLimit, StatsProjectOnlyWhileAKindGrows) {
  Scenario sc;
  sc.duration_s = 300;
  sc.heap_limit = 1024 * kMB;
  sc.live_bytes = [](double) { return 60 * kMB; };
  Outcome o = Simulate(sc);
  ASSERT_TRUE(o.events.empty()) << Describe(o);
  const TimeToLimit& t = o.stats.kinds[0].time_to_limit;
  EXPECT_FALSE(t.finite());
  EXPECT_EQ(t.source, LimitSource::kHeap);
}

TEST(LeakEnd, AnEpisodeThatStopsGrowingEndsWithItsGrowthAndPlateau) {
  Scenario sc;
  sc.duration_s = 600;
  // 500 KB/s from 60 s to 240 s (90 MB), then flat.
  sc.live_bytes = [](double t) {
    return 30 * kMB + 500 * kKB * std::min(std::max(t - 60, 0.0), 180.0);
  };
  Outcome o = Simulate(sc);
  ASSERT_FALSE(o.events.empty()) << Describe(o);
  ASSERT_EQ(o.ends.size(), 1u) << Describe(o);
  const TimedEvent& end = o.ends[0];
  const LeakEvent& e = end.event;
  EXPECT_TRUE(e.ended());
  EXPECT_EQ(e.end_cause, LeakEvent::End::kFlat);
  EXPECT_EQ(e.kind, SampleKind::kHeap);
  EXPECT_EQ(e.start_ms, o.events[0].event.start_ms);
  EXPECT_GT(end.poll_s, 240) << Describe(o);
  EXPECT_LT(end.poll_s, 420) << Describe(o);
  EXPECT_NEAR(e.growth_bytes, 90 * kMB, 20 * kMB) << Describe(o);
  EXPECT_NEAR(e.plateau_ms / 1000, 240, 40) << Describe(o);
  EXPECT_GT(e.ended_ms, e.plateau_ms);
  EXPECT_FALSE(e.time_to_limit.finite());
  const std::string reason = FormatLeakReason(e);
  EXPECT_NE(reason.find("heap grew"), std::string::npos) << reason;
  EXPECT_NE(reason.find("and has been flat for"), std::string::npos) << reason;
  EXPECT_EQ(o.stats.episodes_ended, 1u);
  EXPECT_FALSE(o.stats.kinds[0].in_episode);
}

TEST(LeakEnd, AnRssRestartClosesTheEpisodeWithItsCause) {
  DetectorOptions options;
  options.warmup_ms = 0;
  LeakDetector detector(options);
  Noise noise(7);
  bool started = false;
  bool ended = false;
  for (int i = 0; i <= 3000 && !ended; i++) {
    const double t = i * 100.0;
    if (i % 10 == 0) {
      detector.AddGcRecord(t, 20 * kMB, 24 * kMB, 1 * kMB, i % 100 == 0);
      const double rss =
          90 * kMB + 1 * kMB * t / 1000 + 0.2 * kMB * noise.Normal();
      detector.AddSample(SampleKind::kRss, t, static_cast<uint64_t>(rss));
    }
    if (started && i % 10 == 0)
      detector.RestartRss();
    for (const LeakEvent& e : detector.Poll(t)) {
      if (e.kind != SampleKind::kRss)
        continue;
      if (!e.ended()) {
        started = true;
        continue;
      }
      EXPECT_EQ(e.end_cause, LeakEvent::End::kRestarted);
      EXPECT_GT(e.growth_bytes, 0);
      EXPECT_NE(FormatLeakReason(e).find("own snapshot work"),
                std::string::npos);
      ended = true;
    }
  }
  EXPECT_TRUE(started);
  EXPECT_TRUE(ended);
}

}  // namespace
}  // namespace leakguard
