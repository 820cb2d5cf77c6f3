// The detector's options (presets, the option table, validation) and the
// stats it reports. Moved from leak_detector_test.cc.
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

// --- Options ---------------------------------------------------------------

TEST(LeakDetectorOptions, PresetsAreOrderedFromStrictToSensitive) {
  DetectorOptions low = DetectorOptions::Preset(Sensitivity::kLow);
  DetectorOptions medium = DetectorOptions::Preset(Sensitivity::kMedium);
  DetectorOptions high = DetectorOptions::Preset(Sensitivity::kHigh);
  EXPECT_GT(low.confidence, medium.confidence);
  EXPECT_GT(medium.confidence, high.confidence);
  EXPECT_GT(low.min_samples, medium.min_samples);
  EXPECT_GT(medium.min_samples, high.min_samples);
  EXPECT_GT(low.min_relative_growth, medium.min_relative_growth);
  EXPECT_GT(medium.min_relative_growth, high.min_relative_growth);
  // The defaults are the medium preset.
  DetectorOptions defaults;
  EXPECT_EQ(defaults.confidence, medium.confidence);
  EXPECT_EQ(defaults.min_samples, medium.min_samples);
  EXPECT_EQ(defaults.min_span_ms, medium.min_span_ms);
  for (const DetectorOptions& o : {low, medium, high}) {
    EXPECT_TRUE(ValidateDetectorOptions(o).ok());
  }
}

// The option table's rows (core/monitor/monitor_options.h): every default
// is in its own range, each sensitivity with the defaults validates, also
// with the shortest window (the span fits itself to it), and one past
// either end of a row is refused with the row's JavaScript name.
TEST(LeakDetectorOptions, TableRowsAreConsistent) {
  for (Sensitivity s :
       {Sensitivity::kLow, Sensitivity::kMedium, Sensitivity::kHigh}) {
    DetectorOptions o(s);
    EXPECT_TRUE(ValidateDetectorOptions(o).ok()) << SensitivityName(s);
    Sensitivity back;
    ASSERT_TRUE(SensitivityFromName(SensitivityName(s), &back));
    EXPECT_EQ(back, s);
#define V(js, field, Type, kind, min, max, def, doc)                        \
  {                                                                         \
    DetectorOptions shortest(s);                                            \
    shortest.field = static_cast<Type>(min);                                \
    shortest.FitSpanToWindow();                                             \
    EXPECT_TRUE(ValidateDetectorOptions(shortest).ok()) << #js;             \
    DetectorOptions over(s);                                                \
    over.field = static_cast<Type>((max)*2 + 1);                            \
    Status status = ValidateDetectorOptions(over);                          \
    EXPECT_FALSE(status.ok()) << #js;                                       \
    EXPECT_NE(status.message().find(#js), std::string::npos) << #js;        \
    if ((def) != option_limits::kBySensitivity &&                           \
        !(OptionKind::kind == OptionKind::kIntegerOrZero && (def) == 0)) {  \
      EXPECT_GE(static_cast<double>(def), static_cast<double>(min)) << #js; \
      EXPECT_LE(static_cast<double>(def), static_cast<double>(max)) << #js; \
    }                                                                       \
  }
    LEAKGUARD_DETECTOR_OPTIONS(V)
#undef V
  }
  Sensitivity unknown;
  EXPECT_FALSE(SensitivityFromName("paranoid", &unknown));
}

TEST(LeakDetectorOptions, ValidationNamesTheOption) {
  struct Case {
    std::function<void(DetectorOptions*)> change;
    const char* name;
  };
  const Case cases[] = {
      {[](DetectorOptions* o) { o->confidence = 1; }, "confidence"},
      {[](DetectorOptions* o) { o->min_samples = 3; }, "minSamples"},
      {[](DetectorOptions* o) { o->min_samples = 129; }, "minSamples"},
      {[](DetectorOptions* o) { o->min_relative_growth = -1; },
       "minRelativeGrowth"},
      {[](DetectorOptions* o) { o->window_ms = NAN; }, "windowMs"},
      {[](DetectorOptions* o) { o->window_ms = 10; }, "windowMs"},
      {[](DetectorOptions* o) { o->min_span_ms = 1e9; }, "minSpanMs"},
      {[](DetectorOptions* o) { o->warmup_ms = -1; }, "warmupMs"},
      {[](DetectorOptions* o) { o->min_leak_interval_ms = INFINITY; },
       "minLeakIntervalMs"},
      {[](DetectorOptions* o) { o->probe_interval_ms = 5; }, "probeIntervalMs"},
      {[](DetectorOptions* o) { o->max_probe_overhead = 2; },
       "maxProbeOverhead"},
  };
  for (const Case& c : cases) {
    DetectorOptions o;
    c.change(&o);
    Status s = ValidateDetectorOptions(o);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << c.name;
    EXPECT_NE(s.message().find(c.name), std::string::npos) << s.message();
  }
  LeakDetector detector(DetectorOptions{});
  DetectorOptions bad;
  bad.window_ms = 0;
  EXPECT_FALSE(detector.Configure(bad).ok());
  EXPECT_EQ(detector.options().window_ms, DetectorOptions().window_ms);
}

TEST(LeakDetectorStats, ReportsBaseTrendAndCounters) {
  LeakDetector detector(DetectorOptions{});
  // One sample every 3 s, wider than the 2.3 s buckets of the default
  // 5 min window, so every sample is a point.
  for (int i = 0; i <= 20; i++) {
    double t = i * 3000.0;
    detector.AddSample(
        SampleKind::kHeap, t, static_cast<uint64_t>(10 * kMB + 300 * kKB * i));
  }
  detector.Poll(60000);
  DetectorStats stats = detector.Stats();
  const KindStats& heap = stats.kinds[0];
  EXPECT_EQ(heap.samples_received, 21u);
  // Warm-up samples are kept (the warm-up gates verdicts, not samples).
  EXPECT_EQ(heap.samples_ignored, 0u);
  EXPECT_EQ(heap.samples_held, 21u);
  EXPECT_NEAR(heap.usage_trend, 100 * kKB, 1);
  EXPECT_NEAR(heap.estimated_base, 16 * kMB, 1);
  EXPECT_GT(heap.confidence, 0.999);
  EXPECT_FALSE(heap.in_episode);  // Needs kConfirmations evaluations.
  EXPECT_EQ(heap.current_bytes, 16 * kMB);
  EXPECT_EQ(heap.min_bytes, 10 * kMB);
  EXPECT_EQ(heap.max_bytes, 16 * kMB);
  EXPECT_EQ(stats.kinds[2].samples_held, 0u);
}

}  // namespace
}  // namespace leakguard
