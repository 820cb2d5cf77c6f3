#include "core/monitor/detector/leak_detector.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <random>
#include <vector>

#include "monitor/detector/scenario.h"

namespace leakguard {
namespace {

using namespace scenario;  // NOLINT(build/namespaces)

// --- Leaks under heavy noise ----------------------------------------------

// Base 30 MB, 1 MB Gaussian noise plus upward floating-garbage spikes of up
// to 4 MB in 10% of samples, natural full GCs every 10 s on average.
void ExpectLinearLeakFound(double bytes_per_second,
                           uint32_t seed,
                           double deadline_s) {
  SCOPED_TRACE(testing::Message() << bytes_per_second << " B/s, seed " << seed);
  Scenario sc;
  sc.seed = seed;
  sc.duration_s = 150;
  sc.live_bytes = [&](double t) { return 30 * kMB + bytes_per_second * t; };
  Outcome o = Simulate(sc);
  const TimedEvent* first = o.First(SampleKind::kHeap);
  ASSERT_NE(first, nullptr) << Describe(o);
  EXPECT_GE(first->poll_s, 20);  // Not during warm-up.
  EXPECT_LE(first->poll_s, deadline_s) << Describe(o);
  // At the first event the estimate can rest on a dozen points (at
  // 100 KB/s) and be off by up to half; by the end of the run (what repeats
  // and 'stats' report) it must be within 25%.
  double rate = first->event.reading.bytes_per_second;
  EXPECT_NEAR(rate, bytes_per_second, 0.5 * bytes_per_second) << Describe(o);
  EXPECT_GE(first->event.reading.confidence, sc.options.confidence);
  EXPECT_EQ(first->event.sequence, 0u);
  EXPECT_NEAR(o.final_verdict.bytes_per_second,
              bytes_per_second,
              0.25 * bytes_per_second)
      << Describe(o);
}

// 100 KB/s is 1/10 of the noise's sd per second: the trend needs ~50 s of
// points to stand out and persistence needs two halves that each do; in
// stress runs (TREND_SEEDS=200) ~75% are found within 90 s, all within 120 s.
TEST(TrendLinearLeak, At100KBps) {
  for (uint32_t seed = 1; seed <= Seeds(5); seed++) {
    ExpectLinearLeakFound(100 * kKB, seed, 120);
  }
}

TEST(TrendLinearLeak, At500KBps) {
  for (uint32_t seed = 1; seed <= Seeds(5); seed++) {
    ExpectLinearLeakFound(500 * kKB, 100 + seed, 90);
  }
}

TEST(TrendLinearLeak, At2MBps) {
  for (uint32_t seed = 1; seed <= Seeds(5); seed++) {
    ExpectLinearLeakFound(2 * kMB, 200 + seed, 90);
  }
}

// 500 KB/s starting at 150 s on a warm, flat 40 MB process. Target (issue
// 15): ~20 s after its start. The newest 25 s of the window, tried on its
// own, shows it after about 6 MB (six noise widths over 6-7 of the window's
// 2.3 s buckets), then three confirmations: in stress runs
// (TREND_SEEDS=200) the median is ~18 s and the slowest ~25 s.
TEST(TrendScenario, LeakStartingAfterAFlatPeriodIsReportedAfterItStarts) {
  std::vector<double> late;
  std::vector<double> rates;
  for (uint32_t seed = 1; seed <= Seeds(10); seed++) {
    Scenario sc;
    sc.seed = seed;
    sc.duration_s = 300;
    sc.live_bytes = [](double t) {
      return 40 * kMB + (t > 150 ? 500 * kKB * (t - 150) : 0);
    };
    Outcome o = Simulate(sc);
    const TimedEvent* first = o.First(SampleKind::kHeap);
    ASSERT_NE(first, nullptr) << "seed " << seed;
    EXPECT_GT(first->poll_s, 150) << Describe(o);
    EXPECT_LE(first->poll_s, 150 + 30) << Describe(o);
    // Mostly the newest part's own rate; a longer part with some of the
    // flat period in it (when the newest is not a leak on its own yet)
    // dilutes it, at most threefold.
    EXPECT_GE(first->event.reading.bytes_per_second, 500 * kKB / 3)
        << Describe(o);
    EXPECT_LE(first->event.reading.bytes_per_second, 1.5 * 500 * kKB)
        << Describe(o);
    rates.push_back(first->event.reading.bytes_per_second);
    late.push_back(first->poll_s - 150);
    // The reported start is the start of the window that showed the trend;
    // it may include some of the flat period, not the warm-up.
    EXPECT_GE(first->event.start_ms, 150000 - 60000) << Describe(o);
  }
  std::printf(
      "[ latency  ] %zu late leaks: median %.1f s after the start, "
      "max %.1f s; first rate median %.0f KB/s\n",
      late.size(),
      Median(late),
      *std::max_element(late.begin(), late.end()),
      Median(rates) / kKB);
  EXPECT_LE(Median(late), 20);
  EXPECT_NEAR(Median(rates), 500 * kKB, 0.25 * 500 * kKB);
}

// --- Latency: as fast as the evidence allows --------------------------------

// Leaks of 0.5-2 MB/s from process start, at default options: the warm-up
// gates the verdict, not the samples, so the event comes once the rise has
// outlasted it. Targets: median <= 30 s, none after 45 s.
TEST(TrendLatency, LeaksFromProcessStartAreReportedSoonAfterTheWarmup) {
  std::vector<double> latencies;
  for (double rate : {500 * kKB, 1 * kMB, 2 * kMB}) {
    for (uint32_t seed = 1; seed <= Seeds(10); seed++) {
      Scenario sc;
      sc.seed = 1000 * static_cast<uint32_t>(rate / kKB) + seed;
      sc.duration_s = 90;
      sc.live_bytes = [rate](double t) { return 30 * kMB + rate * t; };
      Outcome o = Simulate(sc);
      const TimedEvent* first = o.First(SampleKind::kHeap);
      double at = first != nullptr ? first->poll_s : 1e9;
      EXPECT_GE(at, sc.options.warmup_ms / 1000) << Describe(o);
      EXPECT_LE(at, 45) << rate << " B/s seed " << seed << Describe(o);
      if (first != nullptr) {
        EXPECT_NEAR(first->event.reading.bytes_per_second, rate, 0.5 * rate)
            << Describe(o);
      }
      latencies.push_back(at);
    }
  }
  double median = Median(latencies);
  double worst = *std::max_element(latencies.begin(), latencies.end());
  std::printf("[ latency  ] %zu leaks from start: median %.1f s, max %.1f s\n",
              latencies.size(),
              median,
              worst);
  EXPECT_LE(median, 30);
}

// --- Healthy shapes must stay silent -------------------------------------

// A slower leak under a legitimate oscillation of the live set: sessions
// swinging +-5 MB with a 30 s period in a CPU-bound service (full GCs
// every 20 s on average; probes do the rest). The target: 80 KB/s
// reported within 120 s, and nothing without it for 4 minutes (here 10).
// The swing is three times the leak's rise per period: the plain readings
// need five periods (~160 s) to see past it, the seasonal reading
// (FindSeason) sees the leak once the window holds three. Measured
// (TREND_SEEDS=200): median ~96 s, 199 of 200 within 120 s (the slowest
// 127 s); after a start-up fill 197 within 120 s, one at 197 s. The rate
// reported must be the leak's, not a rising edge's.
TEST(TrendLatency, SlowerLeakUnderAnOscillationIsReportedWithinTwoMinutes) {
  std::vector<double> at;
  std::vector<double> filled_at;
  for (uint32_t seed = 1; seed <= Seeds(10); seed++) {
    Scenario sc;
    sc.seed = 500 + seed;
    sc.gc_mean_interval_s = 20;
    sc.duration_s = 300;
    auto swing = [](double t) { return 5 * kMB * std::sin(kTwoPi * t / 30); };
    sc.live_bytes = [swing](double t) {
      return 40 * kMB + swing(t) + 80 * kKB * t;
    };
    Outcome o = Simulate(sc);
    const TimedEvent* first = o.First(SampleKind::kHeap);
    ASSERT_NE(first, nullptr) << "seed " << seed << Describe(o);
    EXPECT_LE(first->poll_s, 120) << "seed " << seed << Describe(o);
    EXPECT_NEAR(first->event.reading.bytes_per_second, 80 * kKB, 40 * kKB)
        << "seed " << seed << Describe(o);
    at.push_back(first->poll_s);

    // A real service is first sampled before its sessions exist: the
    // live set fills within seconds of the start (the fit leaves those
    // points out).
    sc.live_bytes = [swing](double t) {
      double fill = t < 4 ? 35 * kMB * (1 - t / 4) : 0;
      return 40 * kMB + swing(t) + 80 * kKB * t - fill;
    };
    o = Simulate(sc);
    first = o.First(SampleKind::kHeap);
    ASSERT_NE(first, nullptr)
        << "seed " << seed << " (start-up fill)" << Describe(o);
    EXPECT_LE(first->poll_s, 150) << "seed " << seed << Describe(o);
    filled_at.push_back(first->poll_s);

    sc.duration_s = 600;
    sc.live_bytes = [swing](double t) { return 40 * kMB + swing(t); };
    ExpectSilent(sc, "oscillation without a leak");
  }
  std::printf(
      "[ latency  ] 80 KB/s under a +-5 MB swing: median %.1f s, max "
      "%.1f s; after a start-up fill: median %.1f s, max %.1f s\n",
      Median(at),
      *std::max_element(at.begin(), at.end()),
      Median(filled_at),
      *std::max_element(filled_at.begin(), filled_at.end()));
  EXPECT_LE(Median(filled_at), 120);
}

// The seasonal reading takes a swing out; it must not turn one into a
// trend, whatever its shape, and a leak under a swing of another shape is
// still reported. (Not here: a swing that widens, or whose period drifts,
// makes a new high on some rising edges, which the plain readings report
// in ~1% of seeds at the edge's rate, with or without the seasonal
// reading: a documented limit.)
TEST(TrendScenario, SwingsOfOtherShapesAreSilent) {
  for (uint32_t seed = 1; seed <= Seeds(5); seed++) {
    Scenario sc;
    sc.seed = 700 + seed;
    sc.gc_mean_interval_s = 20;
    sc.duration_s = 600;
    sc.live_bytes = [](double t) {
      return 40 * kMB + (std::sin(kTwoPi * t / 30) >= 0 ? 5 : -5) * kMB;
    };
    ExpectSilent(sc, "square swing");
    auto triangle = [](double t) {
      double f = std::fmod(t, 30) / 30;
      return (f < 0.5 ? -5 + 20 * f : 15 - 20 * f) * kMB;
    };
    sc.live_bytes = [triangle](double t) { return 40 * kMB + triangle(t); };
    ExpectSilent(sc, "triangle swing");
    sc.duration_s = 300;
    sc.live_bytes = [triangle](double t) {
      return 40 * kMB + triangle(t) + 80 * kKB * t;
    };
    Outcome o = Simulate(sc);
    const TimedEvent* first = o.First(SampleKind::kHeap);
    ASSERT_NE(first, nullptr) << "seed " << seed << Describe(o);
    EXPECT_LE(first->poll_s, 150) << "seed " << seed << Describe(o);
  }
}

TEST(TrendScenario, WarmupThatPlateausIsSilent) {
  for (uint32_t seed = 1; seed <= Seeds(5); seed++) {
    Scenario sc;
    sc.seed = seed;
    sc.duration_s = 400;
    // A fast warm-up inside the grace period...
    sc.live_bytes = [](double t) {
      return 10 * kMB + 40 * kMB * std::min(t / 15, 1.0);
    };
    ExpectSilent(sc, "fast warm-up");
    // ...and a cache that fills for the whole warm-up before plateauing
    // (plateaus up to the warm-up's length stay silent; growth
    // that outlasts it looks like a leak while it lasts, the documented
    // limit).
    sc.live_bytes = [](double t) {
      return 10 * kMB + 25 * kMB * std::min(t / 20, 1.0);
    };
    ExpectSilent(sc, "slow fill");
    // Exponential approach (a cache with decreasing misses), 3.3 MB of it
    // after the grace period. (With a 12 s time constant, 7.5 MB and still
    // 50 KB/s at warmup + min span, ~2.5% of seeds fire: the documented
    // limit, growth that outlasts warmupMs + minSpanMs.)
    sc.live_bytes = [](double t) {
      return 10 * kMB + 40 * kMB * (1 - std::exp(-t / 8));
    };
    ExpectSilent(sc, "exponential fill");
  }
}

TEST(TrendScenario, SawtoothIsSilent) {
  for (uint32_t seed = 1; seed <= Seeds(5); seed++) {
    Scenario sc;
    sc.seed = seed;
    sc.duration_s = 600;
    sc.gc_mean_interval_s = 3;  // Big batches make V8 collect often.
    // 60 MB batches live for 8 s out of every 20 s.
    sc.live_bytes = [](double t) {
      return 30 * kMB + (std::fmod(t, 20) < 8 ? 60 * kMB : 0);
    };
    ExpectSilent(sc, "square sawtooth");
    // A buffer that fills over 25 s and is flushed.
    sc.live_bytes = [](double t) {
      return 30 * kMB + 30 * kMB * std::fmod(t, 25) / 25;
    };
    ExpectSilent(sc, "ramp sawtooth");
  }
}

TEST(TrendScenario, BurstsAreSilent) {
  for (uint32_t seed = 1; seed <= Seeds(5); seed++) {
    Noise bursts(100 + seed);
    // Bursts of 20-80 MB lasting 2-10 s, 15 s apart on average.
    std::vector<std::pair<double, double>> spans;
    std::vector<double> sizes;
    // Each burst starts a random (exponential) gap after the previous one
    // ended, so bursts do not stack into one long plateau.
    for (double t = bursts.Exponential(15); t < 600;) {
      double end = t + 2 + 8 * bursts.Uniform();
      spans.emplace_back(t, end);
      sizes.push_back(20 * kMB + 60 * kMB * bursts.Uniform());
      t = end + bursts.Exponential(15);
    }
    Scenario sc;
    sc.seed = seed;
    sc.duration_s = 600;
    sc.gc_mean_interval_s = 4;
    sc.live_bytes = [&](double t) {
      double y = 40 * kMB;
      for (size_t i = 0; i < spans.size(); i++) {
        if (t >= spans[i].first && t < spans[i].second)
          y += sizes[i];
      }
      return y;
    };
    ExpectSilent(sc, "bursts");
  }
}

TEST(TrendScenario, SingleHugeOutlierIsSilent) {
  for (uint32_t seed = 1; seed <= Seeds(5); seed++) {
    Scenario sc;
    sc.seed = seed;
    sc.duration_s = 400;
    sc.live_bytes = [](double t) {
      return 40 * kMB + (std::fabs(t - 100) < 0.6 ? 800 * kMB : 0);
    };
    sc.gc_mean_interval_s = 0.5;  // Make sure a sample lands on it.
    ExpectSilent(sc, "outlier");
    // An outlier as the newest point must not fire either.
    sc.duration_s = 100.5;
    ExpectSilent(sc, "outlier last");
  }
}

TEST(TrendScenario, SlowlyShrinkingHeapIsSilent) {
  Scenario sc;
  sc.duration_s = 600;
  sc.live_bytes = [](double t) { return 200 * kMB - 50 * kKB * t; };
  ExpectSilent(sc, "shrinking");
}

TEST(TrendScenario, SteadyChurnIsSilent) {
  for (uint32_t seed = 1; seed <= Seeds(10); seed++) {
    Scenario sc;
    sc.seed = seed;
    sc.duration_s = 900;
    sc.noise_sd = 3 * kMB;
    sc.garbage_probability = 0.3;
    sc.garbage_max = 10 * kMB;
    sc.gc_mean_interval_s = 2;
    sc.live_bytes = [](double) { return 60 * kMB; };
    ExpectSilent(sc, "churn");
  }
}

// --- Sparse live-set samples ------------------------------------------------

// The measured case: a service leaking 1 MB/s gets four mark-compacts in
// 75 s. On their own they are too few to judge (silence, not a guess); the
// detector asks for probes instead, and with them it reports within 75 s.
TEST(TrendScenario, SparseSamplesAskForProbesInsteadOfGuessing) {
  DetectorOptions options;
  LeakDetector detector(options);
  auto live = [](double t) {
    return static_cast<uint64_t>(30 * kMB + 1 * kMB * t);
  };
  const double gc_times[] = {10, 30, 50, 70};
  uint64_t asked = 0;
  double first_asked = -1;
  double last_asked = -1;
  double min_gap = 1e9;
  double max_gap = 0;
  detector.Poll(0);
  for (int tick = 0; tick <= 750; tick++) {
    double t = tick / 10.0;
    for (double g : gc_times) {
      if (std::fabs(g - t) < 1e-9) {
        detector.AddSample(SampleKind::kHeap, t * 1000, live(t));
      }
    }
    if (detector.ShouldProbe(t * 1000)) {
      asked++;
      if (first_asked < 0)
        first_asked = t;
      if (last_asked >= 0) {
        min_gap = std::min(min_gap, t - last_asked);
        max_gap = std::max(max_gap, t - last_asked);
      }
      last_asked = t;
      // Not fed: this run shows what four samples alone give.
    }
    EXPECT_TRUE(detector.Poll(t * 1000).empty()) << "t=" << t;
  }
  EXPECT_EQ(detector.verdict(SampleKind::kHeap).reason,
            TrendVerdict::Reason::kTooFewSamples);
  // Warm-up samples are evidence too: all four are kept.
  EXPECT_EQ(detector.verdict(SampleKind::kHeap).samples, 4u);
  EXPECT_EQ(first_asked, 0);        // Probes run from the start,
  EXPECT_GE(min_gap, 1.25 - 1e-9);  // at most every 1.25 s (suspect),
  // and 5 s after the last sample or probe: no gap between two probes is
  // longer than 5 s + the 5 s a full GC in between restarts.
  EXPECT_LE(max_gap, 10 + 1e-9);
  EXPECT_EQ(detector.Stats().probes_requested, asked);

  Scenario sc;
  sc.gc_mean_interval_s = 18.75;  // ~4 natural mark-compacts in 75 s.
  sc.duration_s = 75;
  sc.live_bytes = [](double t) { return 30 * kMB + 1 * kMB * t; };
  Outcome o = Simulate(sc);
  ASSERT_NE(o.First(SampleKind::kHeap), nullptr);
  // With probes it is the latency target's case: soon after the warm-up.
  EXPECT_LE(o.First(SampleKind::kHeap)->poll_s, 45) << Describe(o);
  // At most one per 1.25 s (suspect).
  EXPECT_LE(o.stats.probes_requested, 61u);
}

// --- Probe policy ------------------------------------------------------------

TEST(LeakDetectorProbe, NaturalFullGCsMakeProbesUnnecessary) {
  LeakDetector detector(DetectorOptions{});
  for (int i = 0; i <= 1200; i++) {
    double t = i * 100.0;
    if (i % 30 == 0)
      detector.AddSample(SampleKind::kHeap, t, 50000000);
    EXPECT_FALSE(detector.ShouldProbe(t)) << t;
    detector.Poll(t);
  }
}

TEST(LeakDetectorProbe, QuietHeapIsProbedAtTheBaseInterval) {
  LeakDetector detector(DetectorOptions{});
  Noise noise(9);
  double last_probe = -1;
  std::vector<double> gaps;
  detector.Poll(0);
  detector.AddSample(SampleKind::kHeap, 0, 50000000);
  for (int i = 0; i <= 3000; i++) {
    double t = i * 100.0;
    if (detector.ShouldProbe(t)) {
      if (last_probe >= 0)
        gaps.push_back(t - last_probe);
      last_probe = t;
      detector.AddSample(
          SampleKind::kHeap,
          t,
          static_cast<uint64_t>(50 * kMB + kMB * noise.Normal()));
    }
    detector.Poll(t);
  }
  ASSERT_GE(gaps.size(), 10u);
  EXPECT_DOUBLE_EQ(gaps.front(), 5000);
  // Every 5 s, except when noise happens to look like a rise (1.25 s).
  size_t quiet = 0;
  for (size_t i = gaps.size() / 2; i < gaps.size(); i++) {
    quiet += gaps[i] == 5000;
  }
  EXPECT_GE(quiet, (gaps.size() - gaps.size() / 2) * 3 / 4);
}

// A long horizon needs one sample per bucket (28.125 s for an hour): with
// a probeIntervalMs longer than that it still gets one, only when no full
// GC gave one, and never past the overhead budget.
TEST(LeakDetectorProbe, LongHorizonBucketsGetASampleEach) {
  DetectorOptions options;
  options.probe_interval_ms = 120000;
  const double bucket_ms = options.horizons_ms[0] / TrendWindow::kMaxPoints;
  {
    LeakDetector detector(options);
    detector.Poll(0);
    double last = 0;
    double widest = 0;
    int probes = 0;
    for (int i = 1; i <= 36000; i++) {  // An hour, 100 ms ticks.
      double t = i * 100.0;
      if (detector.ShouldProbe(t)) {
        widest = std::max(widest, t - last);
        last = t;
        probes++;
        detector.AddSample(SampleKind::kHeap, t, 50000000 + (i % 3) * 100000);
      }
      detector.Poll(t);
    }
    EXPECT_LE(widest, bucket_ms + 100);
    EXPECT_GE(probes, 3600000 / (bucket_ms + 100) - 1);
  }
  {
    // A full GC every 20 s: no probe is needed but the one at the start,
    // before any full GC.
    LeakDetector detector(options);
    detector.Poll(0);
    int probes = 0;
    for (int i = 1; i <= 36000; i++) {
      double t = i * 100.0;
      if (i % 200 == 0)
        detector.AddSample(SampleKind::kHeap, t, 50000000 + (i % 3) * 100000);
      probes += detector.ShouldProbe(t);
      detector.Poll(t);
    }
    EXPECT_EQ(probes, 1);
  }
  {
    // The only probe paused 1 s: the next one 100 s later, bucket or not.
    LeakDetector detector(options);
    detector.Poll(0);
    ASSERT_TRUE(detector.ShouldProbe(1000));
    detector.NoteProbePause(1000);
    detector.AddSample(SampleKind::kHeap, 1000, 50000000);
    EXPECT_FALSE(detector.ShouldProbe(1000 + 99000));
    EXPECT_TRUE(detector.ShouldProbe(1000 + 100000));
  }
}

TEST(LeakDetectorProbe, ProbesStayWithinTheOverheadBudget) {
  DetectorOptions options;
  options.max_probe_overhead = 0.01;
  LeakDetector detector(options);
  detector.Poll(0);
  ASSERT_TRUE(detector.ShouldProbe(25000));
  detector.NoteProbePause(300);  // A 300 ms full GC: next one 30 s later.
  EXPECT_FALSE(detector.ShouldProbe(25000 + 29900));
  EXPECT_TRUE(detector.ShouldProbe(25000 + 30000));
}

// The budget goes by the mean pause of the last 8 probes: one slow
// collection among cheap ones (a loaded machine descheduled it) spaces the
// next probe by the mean, not by a hundred times the outlier, and it stops
// counting once 8 newer probes have been noted.
TEST(LeakDetectorProbe, OneSlowProbeDoesNotStopProbesForLong) {
  DetectorOptions options;
  options.max_probe_overhead = 0.01;
  LeakDetector detector(options);
  detector.Poll(0);
  double t = 0;
  uint64_t heap = 50000000;
  // A scavenge saw the heap above the last live-set sample (the idle gate
  // opens), the probe is asked for, and its full GC arrives.
  auto grow = [&](double at) {
    detector.AddGcRecord(at, heap + 4000000, 2 * heap, 1000000, false);
  };
  auto probe_with_pause = [&](double pause_ms) {
    grow(t - 1000);
    ASSERT_TRUE(detector.ShouldProbe(t));
    detector.NoteProbePause(pause_ms);
    heap += 1000000;
    detector.AddGcRecord(t, heap, 2 * heap, 1000000, true);
  };
  for (int i = 0; i < 7; i++) {
    t += 60000;
    probe_with_pause(10);
  }
  t += 60000;
  probe_with_pause(1000);
  // Mean of 7 x 10 ms and 1 s: 133.75 ms, so 13.375 s at 1%.
  grow(t + 1000);
  EXPECT_FALSE(detector.ShouldProbe(t + 13300));
  EXPECT_TRUE(detector.ShouldProbe(t + 13400));
  t += 13400;
  heap += 1000000;
  detector.AddGcRecord(t, heap, 2 * heap, 1000000, true);
  // Eight cheap probes later the slow one is forgotten: the probe
  // interval (5 s) decides again.
  for (int i = 0; i < 8; i++) {
    t += 60000;
    probe_with_pause(10);
  }
  grow(t + 1000);
  EXPECT_FALSE(detector.ShouldProbe(t + 4900));
  EXPECT_TRUE(detector.ShouldProbe(t + 5100));
}

TEST(LeakDetectorProbe, IdleHeapIsNotProbed) {
  LeakDetector detector(DetectorOptions{});
  detector.AddSample(SampleKind::kHeap, 0, 50000000);
  // A scavenge leaves less than the live set: no growth.
  detector.AddGcRecord(1000, 40000000, 60000000, 1000000, false);
  EXPECT_FALSE(detector.ShouldProbe(60000));
  detector.AddGcRecord(61000, 70000000, 80000000, 1000000, false);
  EXPECT_TRUE(detector.ShouldProbe(61000));
  EXPECT_FALSE(detector.ShouldProbe(62000));  // Rate-limited.
}

// Buffers grow external memory and RSS without any collection: RSS growth
// reopens the gate so probes can sample external memory.
TEST(LeakDetectorProbe, RssGrowthReopensTheIdleGate) {
  LeakDetector detector(DetectorOptions{});
  detector.AddSample(SampleKind::kRss, 0, 80000000);
  detector.AddSample(SampleKind::kHeap, 0, 50000000);
  detector.AddGcRecord(1000, 40000000, 60000000, 1000000, false);
  detector.AddSample(SampleKind::kRss, 59000, 80200000);  // +0.2 MB
  EXPECT_FALSE(detector.ShouldProbe(60000));
  detector.AddSample(SampleKind::kRss, 60500, 81000000);  // +1 MB
  EXPECT_TRUE(detector.ShouldProbe(61000));
}

TEST(LeakDetectorProbe, ZeroIntervalDisablesProbes) {
  DetectorOptions options;
  options.probe_interval_ms = 0;
  LeakDetector detector(options);
  detector.Poll(0);
  EXPECT_FALSE(detector.ShouldProbe(1e7));
  EXPECT_EQ(detector.Stats().probes_requested, 0u);
}

// --- Episodes and events -------------------------------------------------

TEST(LeakEpisode, RepeatsAtMostOncePerIntervalWithCumulativeGrowth) {
  Scenario sc;
  sc.duration_s = 600;
  sc.options.min_leak_interval_ms = 60000;
  sc.live_bytes = [](double t) { return 30 * kMB + 1 * kMB * t; };
  Outcome o = Simulate(sc);
  ASSERT_GE(o.events.size(), 8u) << Describe(o);
  EXPECT_LE(o.events.size(), 10u) << Describe(o);
  for (size_t i = 0; i < o.events.size(); i++) {
    const LeakEvent& e = o.events[i].event;
    EXPECT_EQ(e.kind, SampleKind::kHeap);
    EXPECT_EQ(e.sequence, i);  // One episode.
    EXPECT_EQ(e.start_ms, o.events[0].event.start_ms);
    // Cumulative growth since the episode started, within 25%.
    double truth = 1 * kMB * (e.end_ms() - e.start_ms) / 1000;
    EXPECT_NEAR(e.growth_bytes, truth, 0.25 * truth) << i;
    if (i > 0) {
      EXPECT_GE(o.events[i].poll_s - o.events[i - 1].poll_s, 60.0);
      EXPECT_GT(e.growth_bytes, o.events[i - 1].event.growth_bytes);
    }
  }
  EXPECT_EQ(o.stats.episodes, 1u);
  EXPECT_EQ(o.stats.events_emitted, o.events.size());
}

TEST(LeakEpisode, EndsWhenGrowthStopsAndANewLeakStartsANewEpisode) {
  Scenario sc;
  sc.duration_s = 1200;
  sc.options.min_leak_interval_ms = 30000;
  // Leak 60-240 s, flat until 700 s, leak again from 700 s.
  sc.live_bytes = [](double t) {
    double a = std::min(std::max(t - 60, 0.0), 180.0);
    double b = std::max(t - 700, 0.0);
    return 30 * kMB + 500 * kKB * (a + b);
  };
  Outcome o = Simulate(sc);
  ASSERT_FALSE(o.events.empty());
  size_t firsts = 0;
  for (const TimedEvent& e : o.events) {
    if (e.event.sequence == 0)
      firsts++;
    // Nothing while flat, once the first episode has had time to end.
    EXPECT_FALSE(e.poll_s > 330 && e.poll_s < 700) << Describe(o);
  }
  EXPECT_EQ(firsts, 2u) << Describe(o);
  EXPECT_EQ(o.stats.episodes, 2u);
}

// The allocation sampler starts on Watching(); it must hold before the
// first event, so the sampler sees the leak's allocations while the
// detector confirms it, and it must end with the episode.
TEST(LeakDetectorWatch, BeginsBeforeTheFirstEventAndEndsWithTheEpisode) {
  for (uint32_t seed = 1; seed <= Seeds(5); seed++) {
    Scenario sc;
    sc.seed = seed;
    sc.duration_s = 900;
    sc.options.min_leak_interval_ms = 30000;
    // 500 KB/s from 60 s to 240 s, then flat.
    sc.live_bytes = [](double t) {
      return 30 * kMB + 500 * kKB * std::min(std::max(t - 60, 0.0), 180.0);
    };
    Outcome o = Simulate(sc);
    const TimedEvent* first = o.First(SampleKind::kHeap);
    ASSERT_NE(first, nullptr) << Describe(o);
    // Before it: the sampler sees the leak's allocations while the detector
    // confirms it (a few seconds: detection is ~15 s after the start, and
    // the first suspect sample is ~3 noise widths, 6-10 s, into the rise).
    ASSERT_GE(o.watch_at_first_event_s, 0) << Describe(o);
    EXPECT_LT(o.watch_at_first_event_s, first->poll_s - 2) << Describe(o);
    // Over once the episode is: at most noise blips in the last 5 minutes.
    EXPECT_GT(o.watch_ended_s, 240) << Describe(o);
    EXPECT_LT(o.WatchedSeconds(600, 900), 60) << Describe(o);
  }
}

TEST(LeakDetectorWatch, AFlatNoisyHeapIsHardlyWatched) {
  for (uint32_t seed = 1; seed <= Seeds(5); seed++) {
    Scenario sc;
    sc.seed = seed;
    sc.duration_s = 600;
    sc.live_bytes = [](double) { return 40 * kMB; };
    Outcome o = Simulate(sc);
    EXPECT_TRUE(o.events.empty()) << Describe(o);
    // Noise spikes make short runs; lib/analysis/explain.js keeps the sampler
    // on through calm gaps shorter than a minute, so they cost little.
    EXPECT_LT(o.WatchedSeconds(0, sc.duration_s), 0.2 * sc.duration_s)
        << "seed " << seed;
  }
}

TEST(LeakEpisode, ExternalLeakIsReportedAsExternal) {
  LeakDetector detector(DetectorOptions{});
  Noise noise(3);
  std::vector<LeakEvent> events;
  for (int i = 0; i <= 900; i++) {
    double t = i * 100.0;
    if (i % 10 == 0) {
      double ext = 2 * kMB + 300 * kKB * t / 1000 + 200 * kKB * noise.Normal();
      detector.AddSample(SampleKind::kExternal, t, static_cast<uint64_t>(ext));
      detector.AddSample(
          SampleKind::kHeap,
          t,
          static_cast<uint64_t>(20 * kMB + kMB * noise.Normal()));
    }
    for (const LeakEvent& e : detector.Poll(t)) {
      if (!e.ended())  // 'leakEnd' events are counted apart.
        events.push_back(e);
    }
  }
  // The first event soon after the warm-up, then a repeat a minute later;
  // never a heap event.
  ASSERT_EQ(events.size(), 2u);
  for (const LeakEvent& e : events)
    EXPECT_EQ(e.kind, SampleKind::kExternal);
  EXPECT_EQ(events[0].sequence, 0u);
  EXPECT_EQ(events[1].sequence, 1u);
  EXPECT_NEAR(events[0].reading.bytes_per_second, 300 * kKB, 75 * kKB);
}

// RSS that only mirrors a heap leak is not reported a second time; growth
// the heap and external memory do not explain (native memory) is.
TEST(LeakEpisode, RssIsReportedOnlyWhenHeapAndExternalDoNotExplainIt) {
  for (int native = 0; native < 2; native++) {
    LeakDetector detector(DetectorOptions{});
    Noise noise(5);
    std::vector<LeakEvent> events;
    for (int i = 0; i <= 1200; i++) {
      double t = i * 100.0;
      double s = t / 1000;
      double heap = 30 * kMB + (native ? 0 : 1 * kMB * s);
      if (i % 10 == 0) {
        double rss = heap + 40 * kMB + (native ? 800 * kKB * s : 0) +
                     2 * kMB * std::fabs(noise.Normal());
        detector.AddSample(SampleKind::kRss, t, static_cast<uint64_t>(rss));
      }
      if (i % 50 == 0) {
        detector.AddSample(SampleKind::kHeap,
                           t,
                           static_cast<uint64_t>(heap + kMB * noise.Normal()));
      }
      for (const LeakEvent& e : detector.Poll(t)) {
        if (!e.ended())  // 'leakEnd' events are counted apart.
          events.push_back(e);
      }
    }
    size_t heap_events = 0;
    size_t rss_events = 0;
    for (const LeakEvent& e : events) {
      heap_events += e.kind == SampleKind::kHeap;
      rss_events += e.kind == SampleKind::kRss;
    }
    if (native) {
      EXPECT_EQ(heap_events, 0u);
      EXPECT_GE(rss_events, 1u);
    } else {
      EXPECT_GE(heap_events, 1u);
      EXPECT_EQ(rss_events, 0u);
    }
  }
}

// 120 s of a service whose live set stays at 25 MB: a GC record every 2 s
// (a full GC every 10 s) with `committed(s)` bytes of committed heap and
// `external` bytes of external memory, and an RSS sample every second of
// `rss(s)` plus 1 MB-scale one-sided noise. Returns every event.
std::vector<LeakEvent> RunRssScenario(
    LeakDetector* detector,
    uint32_t seed,
    uint64_t external,
    const std::function<double(double)>& committed,
    const std::function<double(double)>& rss) {
  Noise noise(seed);
  std::vector<LeakEvent> events;
  for (int i = 0; i <= 1200; i++) {
    double t = i * 100.0;
    double s = t / 1000;
    if (i % 20 == 0) {
      detector->AddGcRecord(t,
                            static_cast<uint64_t>(25 * kMB),
                            static_cast<uint64_t>(committed(s)),
                            external,
                            i % 100 == 0);
    }
    if (i % 10 == 0) {
      double bytes = rss(s) + kMB * std::fabs(noise.Normal());
      detector->AddSample(SampleKind::kRss, t, static_cast<uint64_t>(bytes));
    }
    for (const LeakEvent& e : detector->Poll(t)) {
      if (!e.ended())  // 'leakEnd' events are counted apart.
        events.push_back(e);
    }
  }
  return events;
}

size_t CountKind(const std::vector<LeakEvent>& events, SampleKind kind) {
  size_t n = 0;
  for (const LeakEvent& e : events)
    n += e.kind == kind;
  return n;
}

// RSS that grows with committed heap pages (the heap's live set flat, its
// pages not yet given back) is not native memory; native growth is.
TEST(LeakEpisode, RssCountsOnlyMemoryBeyondTheHeapAndExternal) {
  for (int native = 0; native < 2; native++) {
    LeakDetector detector(DetectorOptions{});
    auto committed = [](double s) { return 40 * kMB + 500 * kKB * s; };
    std::vector<LeakEvent> events =
        RunRssScenario(&detector, 11, 2000000, committed, [&](double s) {
          return committed(s) + 2 * kMB + 30 * kMB +
                 (native ? 400 * kKB * s : 0);
        });
    size_t rss_events = CountKind(events, SampleKind::kRss);
    EXPECT_EQ(rss_events > 0, native == 1) << "native " << native;
    EXPECT_EQ(events.size(), rss_events);  // Nothing else grows.
  }
}

// The committed heap shrinking under a flat RSS (its pages stay resident a
// while) raises the native estimate for minutes; RSS itself did not grow, so
// it is not a leak. Seen in CI: an LRU cache past its fill, "rss grew 12.8 MB
// over 69 s". A native leak of the same size raises RSS and is reported.
// RSS warms up longer than the live set: native memory that grows for the
// first 40 s and then stays is start-up (allocator arenas, V8's own
// pages), and the rss gate (NativeMemory::kRssWarmupMultiple * warmup_ms)
// outlasts it. A native leak from the start is still reported, after the gate.
TEST(LeakEpisode, RssStartupGrowthWaitsForTheLongerRssWarmup) {
  for (int native = 0; native < 2; native++) {
    LeakDetector detector(DetectorOptions{});
    auto committed = [](double) { return 40 * kMB; };
    std::vector<LeakEvent> events =
        RunRssScenario(&detector, 23, 2000000, committed, [&](double s) {
          return 40 * kMB + 2 * kMB + 30 * kMB +
                 (native ? 400 * kKB * s : 300 * kKB * std::min(s, 40.0));
        });
    size_t rss_events = CountKind(events, SampleKind::kRss);
    EXPECT_EQ(rss_events > 0, native == 1) << "native " << native;
    for (const LeakEvent& e : events)
      EXPECT_GE(e.end_ms(), 3 * DetectorOptions{}.warmup_ms);
  }
}

TEST(LeakEpisode, RssIsNotReportedWhenOnlyTheHeapShrankUnderIt) {
  for (int native = 0; native < 2; native++) {
    LeakDetector detector(DetectorOptions{});
    // 60 MB committed at 20 s, giving back 250 KB/s down to 30 MB.
    std::vector<LeakEvent> events = RunRssScenario(
        &detector,
        17,
        static_cast<uint64_t>(1.5 * kMB),
        [](double s) { return std::max(30 * kMB, 65 * kMB - 250 * kKB * s); },
        [&](double s) { return 90 * kMB + (native ? 250 * kKB * s : 0); });
    size_t rss_events = CountKind(events, SampleKind::kRss);
    EXPECT_EQ(rss_events > 0, native == 1) << "native " << native;
    EXPECT_EQ(events.size(), rss_events);
    // The native estimate did rise: the verdict alone would be a leak.
    if (!native) {
      EXPECT_GT(detector.verdict(SampleKind::kRss).bytes_per_second, 100 * kKB);
    }
  }
}

// A long piece of our own work (30 s analysing a snapshot on a thread-pool
// thread, or capturing one in a worker) raises RSS the whole time and leaves
// some of it resident, while the service's heap is sampled as usual. Fed as
// samples, that reads as a native leak; skipped, with the series restarted
// when the work begins and ends as the monitor thread does, it is not
// reported.
TEST(LeakEpisode, OwnCaptureWorkDoesNotReadAsAnRssLeak) {
  for (int gated = 0; gated < 2; gated++) {
    DetectorOptions options = DetectorOptions::Preset(Sensitivity::kHigh);
    options.window_ms = 20000;
    options.min_span_ms = 10000;
    options.warmup_ms = 0;
    LeakDetector detector(options);
    Noise noise(23);
    std::vector<LeakEvent> events;
    bool was_busy = false;
    for (int i = 0; i <= 900; i++) {
      double t = i * 100.0;
      double s = t / 1000;
      bool busy = s >= 30 && s < 60;
      double ours = busy ? 1 * kMB * (s - 30) : (s >= 60 ? 20 * kMB : 0);
      if (i % 20 == 0) {
        detector.AddGcRecord(t,
                             static_cast<uint64_t>(25 * kMB),
                             static_cast<uint64_t>(40 * kMB),
                             static_cast<uint64_t>(2 * kMB),
                             i % 100 == 0);
      }
      if (i % 10 == 0) {
        if (gated && busy != was_busy)
          detector.RestartRss();
        was_busy = busy;
        double rss = 90 * kMB + ours + 0.3 * kMB * std::fabs(noise.Normal());
        if (gated && busy)
          detector.SkipRssSample();
        else
          detector.AddSample(SampleKind::kRss, t, static_cast<uint64_t>(rss));
      }
      for (const LeakEvent& e : detector.Poll(t)) {
        if (!e.ended())  // 'leakEnd' events are counted apart.
          events.push_back(e);
      }
    }
    size_t rss_events = CountKind(events, SampleKind::kRss);
    EXPECT_EQ(rss_events > 0, gated == 0) << "gated " << gated;
    if (gated) {
      DetectorStats stats = detector.Stats();
      EXPECT_EQ(stats.rss_restarts, 2u);
      EXPECT_EQ(
          stats.kinds[static_cast<size_t>(SampleKind::kRss)].samples_ignored,
          30u);
    }
  }
}

TEST(LeakEvent, ReasonReadsLikeASentence) {
  LeakEvent e;
  e.kind = SampleKind::kHeap;
  e.start_ms = 0;
  e.reading.end_ms = 300000;
  e.growth_bytes = 48.2e6;
  e.reading.bytes_per_second = 160.7e3;
  e.reading.samples = 13;
  e.reading.rising_steps = 12;
  EXPECT_EQ(FormatLeakReason(e),
            "heap grew 48.2 MB over 5.0 min (161 KB/s), 12 of 12 full GCs "
            "rising");
  e.kind = SampleKind::kExternal;
  e.reading.end_ms = 45000;
  e.growth_bytes = 3.5e6;
  e.reading.bytes_per_second = 77.7e3;
  e.reading.samples = 40;
  e.reading.rising_steps = 35;
  EXPECT_EQ(FormatLeakReason(e),
            "external grew 3.5 MB over 45 s (77.7 KB/s), 35 of 39 samples "
            "rising");
}

}  // namespace
}  // namespace leakguard
