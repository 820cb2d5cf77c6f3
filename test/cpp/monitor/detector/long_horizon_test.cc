// The long horizons: slow leaks at default settings, and a week of
// healthy shapes. Moved from leak_detector_test.cc.
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

// --- Long horizons: slow leaks at default settings -----------------------

// The long simulations cost seconds each in a release build and minutes
// under a sanitizer, so the sanitizer runs skip them: they test
// statistics, not memory safety, which the short runs cover.
bool SanitizerBuild() {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  return true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
  return true;
#else
  return false;
#endif
#else
  return false;
#endif
}

constexpr double kHourS = 3600;
constexpr double kDayS = 24 * kHourS;

// The long runs: a 1 s monitor tick and a full GC every 30 s on average
// (probes add the rest), with the default noise model.
Scenario LongRun(double duration_s, uint32_t seed) {
  Scenario sc;
  sc.seed = seed;
  sc.duration_s = duration_s;
  sc.tick_s = 1;
  sc.gc_mean_interval_s = 30;
  return sc;
}

// A slow oscillation of 10% of the heap (peak to trough) over 30 minutes:
// sessions, a scheduled job, an hourly-ish batch.
double SlowOscillation(double base, double t) {
  return 0.05 * base * std::sin(kTwoPi * t / 1800);
}

struct SlowLeakCase {
  double rate;        // B/s from process start.
  double base;        // Live set at start.
  double deadline_s;  // The latency target.
  size_t horizon;     // 0: windowMs reports it; 1: a long horizon does.
};

void ExpectSlowLeakFound(const SlowLeakCase& c, uint32_t seeds) {
  if (c.deadline_s > kHourS && SanitizerBuild())
    GTEST_SKIP() << "hours of simulation under a sanitizer";
  std::vector<double> at;
  for (uint32_t seed = 1; seed <= seeds; seed++) {
    SCOPED_TRACE(testing::Message() << c.rate << " B/s on " << c.base / kMB
                                    << " MB, seed " << seed);
    Scenario sc = LongRun(c.deadline_s, 7000 + seed);
    sc.live_bytes = [c](double t) {
      return c.base + c.rate * t + SlowOscillation(c.base, t);
    };
    Outcome o = Simulate(sc);
    const TimedEvent* first = o.First(SampleKind::kHeap);
    ASSERT_NE(first, nullptr) << Describe(o);
    if (c.horizon > 0) {
      EXPECT_GE(first->event.horizon_ms, sc.options.horizons_ms[0])
          << Describe(o);
    }
    // The rate is the analysed part's: the leak plus the oscillation's
    // slope at the time (at most 2 pi * 5% * base / 30 min).
    double swing = kTwoPi * 0.05 * c.base / 1800;
    EXPECT_NEAR(
        first->event.reading.bytes_per_second, c.rate, 0.5 * c.rate + swing)
        << Describe(o);
    std::printf("    seed %u: %.1f min, %s\n",
                seed,
                first->poll_s / 60,
                FormatLeakReason(first->event).c_str());
    at.push_back(first->poll_s);
  }
  std::printf(
      "[ horizon  ] %.0f B/s on %.0f MB: median %.1f min, max %.1f "
      "min (target %.0f min)\n",
      c.rate,
      c.base / kMB,
      Median(at) / 60,
      *std::max_element(at.begin(), at.end()) / 60,
      c.deadline_s / 60);
}

// What one detector holds, with and without the long horizons: fixed at
// construction (no sample, however many, adds to it).
TEST(TrendHorizon, MemoryIsSmallAndFixed) {
  DetectorOptions none;
  none.horizon_count = 0;
  LeakDetector short_only(none);
  LeakDetector detector{DetectorOptions()};
  const size_t before = detector.MemoryBytes();
  for (int i = 0; i < 9000; i++) {  // 37.5 hours: every horizon full.
    double t = i * 15000.0;
    detector.AddSample(SampleKind::kHeap, t, 50000000 + (i % 7) * 1000);
    detector.AddSample(SampleKind::kRss, t, 90000000 + (i % 5) * 1000);
    detector.Poll(t);
  }
  EXPECT_EQ(detector.MemoryBytes(), before);
  // Per horizon: 3 kinds + raw RSS, 128 points of 24 bytes each, and the
  // 16 remembered maxima of each.
  const size_t per_horizon =
      4 * (TrendWindow::kMaxPoints * TrendWindow::kPointBytes +
           TrendWindow::kPastSlots * 16);
  EXPECT_GE(detector.MemoryBytes() - short_only.MemoryBytes(), 2 * per_horizon);
  EXPECT_LE(detector.MemoryBytes(), 128u * 1024);
  std::printf(
      "[ memory   ] detector: %zu bytes with the default horizons, %zu "
      "with windowMs alone\n",
      detector.MemoryBytes(),
      short_only.MemoryBytes());
}

TEST(TrendHorizon, TwentyKBpsWithinTenMinutes) {
  ExpectSlowLeakFound({20 * kKB, 50 * kMB, 10 * 60, 0}, Seeds(5));
}

TEST(TrendHorizon, OneKBpsOnFiftyMBWithinTwoHours) {
  ExpectSlowLeakFound({1 * kKB, 50 * kMB, 2 * kHourS, 1}, Seeds(3));
}

TEST(TrendHorizon, TwoHundredBpsOnFiftyMBWithinADay) {
  ExpectSlowLeakFound({200, 50 * kMB, kDayS, 1}, Seeds(2));
}

// Seven simulated days of each healthy model, default options: no event.
void ExpectSilentForAWeek(Scenario sc, const char* what) {
  if (SanitizerBuild())
    GTEST_SKIP() << "a week of simulation under a sanitizer";
  sc.duration_s = 7 * kDayS;
  sc.tick_s = 1;
  // A full GC every 20 s on average and no probes: 30,000 samples a week
  // (probes every 5 s would be four times the samples and the run time).
  sc.gc_mean_interval_s = 20;
  sc.probes = std::getenv("WEEK_PROBES") != nullptr;
  ExpectSilent(sc, what);
}

TEST(TrendHorizonWeek, FlatHeapWithASlowOscillation) {
  Scenario sc;
  sc.seed = 31;
  sc.live_bytes = [](double t) {
    return 50 * kMB + SlowOscillation(50 * kMB, t);
  };
  ExpectSilentForAWeek(sc, "flat + 30 min oscillation");
}

// Traffic doubles the live set by noon and gives it back by midnight. The
// run starts at noon, the day's peak: what the detector has seen of
// yesterday is what tells today's morning rise from a leak. (A process
// started at the night's trough has no such history: its first morning,
// twelve hours of rise, is the documented limit; see docs/detector.md.)
TEST(TrendHorizonWeek, DailyCycleThatDoublesTheLiveSetAtNoon) {
  Scenario sc;
  sc.seed = 32;
  sc.live_bytes = [](double t) {
    return 50 * kMB * (1.5 + 0.5 * std::cos(kTwoPi * t / kDayS)) +
           SlowOscillation(50 * kMB, t);
  };
  ExpectSilentForAWeek(sc, "daily cycle");
}

TEST(TrendHorizonWeek, HeavyChurn) {
  Scenario sc;
  sc.seed = 33;
  sc.noise_sd = 3 * kMB;
  sc.garbage_probability = 0.3;
  sc.garbage_max = 10 * kMB;
  sc.live_bytes = [](double t) {
    return 60 * kMB + SlowOscillation(60 * kMB, t);
  };
  ExpectSilentForAWeek(sc, "churn");
}

TEST(TrendHorizonWeek, RampSawtooth) {
  Scenario sc;
  sc.seed = 34;
  sc.live_bytes = [](double t) {
    return 30 * kMB + 30 * kMB * std::fmod(t, 25) / 25;
  };
  ExpectSilentForAWeek(sc, "ramp sawtooth");
}

TEST(TrendHorizonWeek, BigStableHeap) {
  Scenario sc;
  sc.seed = 35;
  sc.noise_sd = 20 * kMB;
  sc.garbage_max = 80 * kMB;
  sc.live_bytes = [](double t) {
    return 1500 * kMB + SlowOscillation(1500 * kMB, t);
  };
  ExpectSilentForAWeek(sc, "1.5 GB heap");
}

}  // namespace
}  // namespace leakguard
