// The detector tests' synthetic process: a live set as a function of time,
// measured with noise at natural full GCs and at the probes the detector
// asks for, polled by a modelled monitor thread (Simulate), and what came
// out of it (Outcome). Shared by the detector's test files.
#ifndef LEAKGUARD_TEST_CPP_MONITOR_DETECTOR_SCENARIO_H_
#define LEAKGUARD_TEST_CPP_MONITOR_DETECTOR_SCENARIO_H_

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/monitor/detector/leak_detector.h"

namespace leakguard {
namespace scenario {

constexpr double kKB = 1e3;
constexpr double kMB = 1e6;
constexpr double kTwoPi = 6.283185307179586;

// Deterministic on every platform: std::mt19937 is specified exactly, but
// the standard distributions are not, so uniform and normal deviates are
// derived here (Box-Muller).
class Noise {
 public:
  explicit Noise(uint32_t seed) : rng_(seed) {}
  double Uniform() {
    return (static_cast<double>(rng_()) + 0.5) / 4294967296.0;
  }
  double Normal() {
    double u1 = Uniform();
    double u2 = Uniform();
    return std::sqrt(-2 * std::log(u1)) * std::cos(kTwoPi * u2);
  }
  double Exponential(double mean) { return -mean * std::log(Uniform()); }

 private:
  std::mt19937 rng_;
};

// A synthetic process: the true live set as a function of time, measured with
// noise at natural full GCs (exponential gaps) and, if enabled, whenever the
// detector asks for a probe. The monitor thread is modelled as a 100 ms tick
// that probes if asked and polls.
struct Scenario {
  std::function<double(double)> live_bytes;  // Truth at t seconds.
  double noise_sd = 1 * kMB;                 // Gaussian measurement noise.
  double garbage_probability = 0.1;  // Floating garbage: upward-only spikes.
  double garbage_max = 4 * kMB;
  double gc_mean_interval_s = 10;  // Natural mark-compacts.
  bool probes = true;
  double duration_s = 120;
  double tick_s = 0.1;  // The monitor thread's poll interval.
  uint32_t seed = 1;
  DetectorOptions options = DetectorOptions();
  // V8's heap limit; when set, every tick also brings a scavenge's GC record
  // (AddGcRecord) carrying it and the true heap used, as the monitor thread
  // gives them.
  double heap_limit = 0;
  // Natural full GCs as V8 spaces them in a growing heap: when set, the
  // mean gap at a live set of `bytes` (gc_mean_interval_s otherwise).
  std::function<double(double bytes)> gc_interval_s;
  // What a probe's collection pauses per MB of live set (0: nothing is
  // noted, the budget never binds).
  double probe_pause_ms_per_mb = 0;
};

// Seeds per scenario; TREND_SEEDS=200 makes a stress run.
inline uint32_t Seeds(uint32_t fallback) {
  const char* env = std::getenv("TREND_SEEDS");
  return env != nullptr ? static_cast<uint32_t>(std::atoi(env)) : fallback;
}

struct TimedEvent {
  double poll_s;
  LeakEvent event;
};

struct Outcome {
  std::vector<TimedEvent> events;  // 'leak' events.
  std::vector<TimedEvent> ends;    // 'leakEnd' events.
  uint64_t heap_samples = 0;
  DetectorStats stats;
  TrendVerdict final_verdict;
  // Watching(kHeap): where the run in progress at the first heap event
  // began, when a run last ended, and at each tick.
  double watch_at_first_event_s = -1;
  double watch_ended_s = -1;
  std::vector<bool> watching;  // Per 100 ms tick.

  // Seconds of [from_s, to_s) during which Watching(kHeap) held.
  double WatchedSeconds(double from_s, double to_s) const {
    double n = 0;
    for (size_t i = static_cast<size_t>(from_s * 10);
         i < watching.size() && i < static_cast<size_t>(to_s * 10);
         i++) {
      n += watching[i] ? 0.1 : 0;
    }
    return n;
  }

  const TimedEvent* First(SampleKind kind) const {
    for (const TimedEvent& e : events) {
      if (e.event.kind == kind)
        return &e;
    }
    return nullptr;
  }
  size_t Count(SampleKind kind) const {
    size_t n = 0;
    for (const TimedEvent& e : events)
      n += e.event.kind == kind;
    return n;
  }
};

inline Outcome Simulate(const Scenario& sc) {
  Noise noise(sc.seed);
  LeakDetector detector(sc.options);
  Outcome out;
  double next_gc = noise.Exponential(sc.gc_mean_interval_s);
  auto measure = [&](double t) {
    double y = sc.live_bytes(t) + sc.noise_sd * noise.Normal();
    if (noise.Uniform() < sc.garbage_probability) {
      y += sc.garbage_max * noise.Uniform();
    }
    const uint64_t bytes = static_cast<uint64_t>(std::max(y, 0.0));
    if (sc.heap_limit > 0) {
      detector.AddGcRecord(t * 1000,
                           bytes,
                           bytes,
                           0,
                           true,
                           static_cast<uint64_t>(sc.heap_limit));
    } else {
      detector.AddSample(SampleKind::kHeap, t * 1000, bytes);
    }
    out.heap_samples++;
  };
  double watch_run_start = -1;  // Start of the current Watching() run.
  const int ticks = static_cast<int>(std::lround(sc.duration_s / sc.tick_s));
  for (int tick = 0; tick <= ticks; tick++) {
    double t = tick * sc.tick_s;
    if (sc.heap_limit > 0) {
      const uint64_t used = static_cast<uint64_t>(sc.live_bytes(t));
      detector.AddGcRecord(
          t * 1000, used, used, 0, false, static_cast<uint64_t>(sc.heap_limit));
    }
    const double gc_gap = sc.gc_interval_s ? sc.gc_interval_s(sc.live_bytes(t))
                                           : sc.gc_mean_interval_s;
    if (t >= next_gc) {
      measure(t);
      next_gc = t + noise.Exponential(gc_gap);
    } else if (sc.probes && detector.ShouldProbe(t * 1000)) {
      measure(t);
      if (sc.probe_pause_ms_per_mb > 0)
        detector.NoteProbePause(sc.probe_pause_ms_per_mb * sc.live_bytes(t) /
                                kMB);
    }
    for (const LeakEvent& e : detector.Poll(t * 1000)) {
      if (e.ended()) {
        out.ends.push_back(TimedEvent{t, e});
        continue;
      }
      out.events.push_back(TimedEvent{t, e});
      if (out.watch_at_first_event_s < 0 && e.kind == SampleKind::kHeap)
        out.watch_at_first_event_s = watch_run_start;
    }
    const bool watching = detector.Watching(SampleKind::kHeap);
    if (watching && watch_run_start < 0)
      watch_run_start = t;
    if (!watching && watch_run_start >= 0) {
      watch_run_start = -1;
      out.watch_ended_s = t;
    }
    out.watching.push_back(watching);
  }
  out.stats = detector.Stats();
  out.final_verdict = detector.verdict(SampleKind::kHeap);
  return out;
}

inline std::string Describe(const Outcome& o) {
  const TrendVerdict& v = o.final_verdict;
  std::string s = "  final: " + std::string(TrendReasonName(v.reason)) +
                  " samples=" + std::to_string(v.samples) +
                  " start=" + std::to_string(v.start_ms) +
                  " rate=" + std::to_string(v.bytes_per_second) +
                  " conf=" + std::to_string(v.confidence) +
                  " noise=" + std::to_string(v.noise_bytes) + "\n";
  for (const TimedEvent& e : o.events) {
    s += "  t=" + std::to_string(e.poll_s) + "s " + FormatLeakReason(e.event) +
         "\n";
  }
  for (const TimedEvent& e : o.ends) {
    s += "  t=" + std::to_string(e.poll_s) +
         "s end: " + FormatLeakReason(e.event) + "\n";
  }
  return s;
}

inline double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  if (v.empty())
    return 0;
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// A healthy shape: no 'leak' event in the whole run.
inline void ExpectSilent(const Scenario& sc, const char* what) {
  Outcome o = Simulate(sc);
  EXPECT_TRUE(o.events.empty()) << what << " (seed " << sc.seed << ")\n"
                                << Describe(o);
}

}  // namespace scenario
}  // namespace leakguard

#endif  // LEAKGUARD_TEST_CPP_MONITOR_DETECTOR_SCENARIO_H_
