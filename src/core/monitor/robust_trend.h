// Robust trend statistics, written once: the leak detector fits its
// windows with them (detector/window_reading.cc), and the heap-flat assertions
// (lib/testing/index.js) call them through the binding (fitTrend()).
//
// Theil-Sen's slope (the median of all pairwise slopes) ignores up to 29%
// of outliers; Mann-Kendall's S counts rising minus falling pairs, and its
// normal approximation, corrected for ties and for continuity, gives the
// one-sided confidence that the series rises.
#ifndef LEAKGUARD_CORE_MONITOR_ROBUST_TREND_H_
#define LEAKGUARD_CORE_MONITOR_ROBUST_TREND_H_

#include <cstddef>
#include <vector>

namespace leakguard {

struct RobustFit {
  double slope = 0;       // Theil-Sen, in y per unit of t
  double intercept = 0;   // the line's value at t[0]
  double confidence = 0;  // Mann-Kendall Phi(z): 0.5 is no evidence
  double noise = 0;       // 1.4826 * median |residual|: sigma if Gaussian
};

// Scratch for FitRobust, sized for series of up to `max_points`: the
// detector keeps one per window, so fitting allocates nothing.
struct RobustScratch {
  explicit RobustScratch(size_t max_points)
      : pairs(max_points * (max_points - 1) / 2), values(max_points) {}
  size_t max_points() const { return values.size(); }
  std::vector<double> pairs;
  std::vector<double> values;
};

// Fits y over t (n <= scratch->max_points(); t ascending). n == 1 gives
// the point as intercept and nothing else.
RobustFit FitRobust(const double* t,
                    const double* y,
                    size_t n,
                    RobustScratch* scratch);

// Median of the first `count` values of `v` (reordered in place); the mean
// of the two middle values when `count` is even, 0 when empty.
double MedianInPlace(std::vector<double>* v, size_t count);

// The standard normal CDF.
double NormalCdf(double z);

}  // namespace leakguard

#endif  // LEAKGUARD_CORE_MONITOR_ROBUST_TREND_H_
