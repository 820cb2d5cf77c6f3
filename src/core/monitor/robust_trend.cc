#include "core/monitor/robust_trend.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace leakguard {

namespace {

int Sign(double x) {
  return (x > 0) - (x < 0);
}

}  // namespace

double MedianInPlace(std::vector<double>* v, size_t count) {
  if (count == 0)
    return 0;
  auto first = v->begin();
  auto mid = first + static_cast<std::ptrdiff_t>(count / 2);
  std::nth_element(first, mid, first + static_cast<std::ptrdiff_t>(count));
  double upper = *mid;
  if (count % 2 == 1)
    return upper;
  // After nth_element every value before `mid` is <= upper.
  double lower = *std::max_element(first, mid);
  return (lower + upper) / 2;
}

double NormalCdf(double z) {
  return 0.5 * std::erfc(-z / std::sqrt(2.0));
}

RobustFit FitRobust(const double* t,
                    const double* y,
                    size_t n,
                    RobustScratch* scratch) {
  RobustFit fit;
  n = std::min(n, scratch->max_points());
  if (n == 0)
    return fit;
  if (n == 1) {
    fit.intercept = y[0];
    return fit;
  }
  std::vector<double>& slopes = scratch->pairs;
  std::vector<double>& values = scratch->values;

  // Theil-Sen slope and Mann-Kendall S share the pair loop.
  size_t pairs = 0;
  int64_t s = 0;
  for (size_t i = 0; i < n; i++) {
    for (size_t j = i + 1; j < n; j++) {
      s += Sign(y[j] - y[i]);
      double dt = t[j] - t[i];
      if (dt > 0)
        slopes[pairs++] = (y[j] - y[i]) / dt;
    }
  }
  fit.slope = MedianInPlace(&slopes, pairs);

  for (size_t i = 0; i < n; i++) {
    values[i] = y[i] - fit.slope * (t[i] - t[0]);
  }
  fit.intercept = MedianInPlace(&values, n);

  // Noise: the median absolute residual around the line, scaled to a
  // standard deviation (1.4826 * MAD is sigma for Gaussian noise).
  for (size_t i = 0; i < n; i++) {
    double line = fit.intercept + fit.slope * (t[i] - t[0]);
    values[i] = std::fabs(y[i] - line);
  }
  fit.noise = 1.4826 * MedianInPlace(&values, n);

  // Variance of S under "no trend", corrected for tied values.
  for (size_t i = 0; i < n; i++)
    values[i] = y[i];
  std::sort(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(n));
  double dn = static_cast<double>(n);
  double var = dn * (dn - 1) * (2 * dn + 5);
  for (size_t i = 0; i < n;) {
    size_t j = i + 1;
    while (j < n && values[j] == values[i])
      j++;
    double ties = static_cast<double>(j - i);
    var -= ties * (ties - 1) * (2 * ties + 5);
    i = j;
  }
  var /= 18;
  double z = 0;
  if (var > 0) {
    double sd = std::sqrt(var);
    if (s > 0)
      z = (static_cast<double>(s) - 1) / sd;
    if (s < 0)
      z = (static_cast<double>(s) + 1) / sd;
  }
  fit.confidence = NormalCdf(z);
  return fit;
}

}  // namespace leakguard
