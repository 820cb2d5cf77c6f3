#include "core/monitor/detector/seasonal.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/monitor/detector/reading_scratch.h"
#include "core/monitor/robust_trend.h"

namespace leakguard {

bool FindSeason(const TrendWindow& w,
                const TrendVerdict& whole,
                ReadingScratch* s) {
  // A live set that follows a cycle (sessions that open and close with the
  // traffic, a batch that loads and drains) swings by more than a slow
  // leak grows in a few minutes, so the envelope's minima go up and down
  // with the phase and Mann-Kendall needs many cycles to see the leak. The
  // same points less the cycle's profile show it as a line.
  //   period    the points about their Theil-Sen line; lags tried from
  //             kSeasonMinBuckets buckets to half the span, comparing each
  //             point with the one a lag earlier (interpolated) by the
  //             median absolute difference; the period is the shortest
  //             local minimum within 20% of the least (twice the period
  //             fits as well, with fewer cycles) that has longer lags after
  //             it, and it must fit kSeasonMinCycles times into the span.
  //   periodic  only if points half that period apart differ
  //             kSeasonContrast times as much: a cycle is in antiphase
  //             there; noise, a random walk or a trend are not.
  //   refined   to the period, within kSeasonRefine of it, whose fit
  //             leaves the least median absolute residual: a bucket's
  //             error is too much to fold four cycles onto one.
  //   profile   a line plus kSeasonHarmonics harmonics of the period, by
  //             least squares, refitted without the points more than 3
  //             robust sds off (floating garbage). The harmonics alone are
  //             the profile: periodic, so they shape the points but cannot
  //             tilt them; the line's slope is Check's to judge again.
  s->seasonal = false;
  const size_t n = w.size();
  if (n < 2 || whole.samples != n)
    return false;
  double* t = s->raw_t;
  double* y = s->raw_y;
  for (size_t i = 0; i < n; i++) {
    t[i] = w.at(i).time_ms;
    y[i] = w.at(i).bytes;
  }
  const double span = t[n - 1] - t[0];
  const double p_min = kSeasonMinBuckets * w.bucket_ms();
  // Lags are tried up to half the span, so that a period of a third of it
  // is a minimum with longer lags after it; the period must fit
  // kSeasonMinCycles times.
  const double p_max = span / kSeasonMinCycles;
  const double lag_max = span / 2;
  if (!(p_max > p_min) ||
      static_cast<double>(n) < kSeasonPointsPerCycle * kSeasonMinCycles) {
    return false;
  }
  // The plain whole-window reading's line (Check's Theil-Sen over the
  // same points), not fitted again.
  const double slope = whole.bytes_per_second / 1000;
  for (size_t i = 0; i < n; i++)
    s->resid[i] = y[i] - (whole.base_bytes + slope * (t[i] - t[0]));

  // The median |resid(t) - resid(t - lag)| over points whose earlier
  // neighbours are at most max_gap apart; NaN with too few pairs.
  std::vector<double>& v = s->values;
  auto lag_difference = [&](double lag, double max_gap) {
    size_t m = 0;
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
      double at = t[i] - lag;
      if (at < t[0])
        continue;
      while (j + 2 < n && t[j + 1] < at)
        j++;
      double gap = t[j + 1] - t[j];
      if (gap > max_gap || t[j + 1] < at)
        continue;
      double w = gap > 0 ? (at - t[j]) / gap : 0;
      double earlier = s->resid[j] + w * (s->resid[j + 1] - s->resid[j]);
      v[m++] = std::fabs(s->resid[i] - earlier);
    }
    if (static_cast<double>(m) < kSeasonPointsPerCycle * 2)
      return std::numeric_limits<double>::quiet_NaN();
    return MedianInPlace(&v, m);
  };
  const double step = std::max(
      w.bucket_ms() / 4,
      (lag_max - p_min) / static_cast<double>(ReadingScratch::kMaxLags - 1));
  size_t lags = 0;
  double lowest = std::numeric_limits<double>::infinity();
  for (double lag = p_min; lag <= lag_max && lags < ReadingScratch::kMaxLags;
       lag += step) {
    double d = lag_difference(lag, lag / 4);
    s->lags[lags++] = d;
    if (d < lowest)
      lowest = d;
  }
  if (!std::isfinite(lowest))
    return false;
  // The shortest lag near the lowest difference that is a local minimum:
  // twice the period fits as well as the period, with fewer cycles.
  const double kNear = 1.2;
  double period = 0;
  double at_period = 0;
  for (size_t k = 0; k < lags; k++) {
    double d = s->lags[k];
    if (!(d <= kNear * lowest))
      continue;
    // At the longest lag tried the true period may lie beyond: only a
    // minimum with a longer lag after it counts.
    bool left = k == 0 || !(s->lags[k - 1] < d);
    bool right = k + 1 < lags && !(s->lags[k + 1] < d);
    if (left && right) {
      period = p_min + step * static_cast<double>(k);
      at_period = d;
      break;
    }
  }
  if (period == 0 || period > p_max ||
      static_cast<double>(n) * period / span < kSeasonPointsPerCycle) {
    return false;
  }
  double half = lag_difference(period / 2, period / 4);
  if (!(half >= kSeasonContrast * at_period) || !(half > 0))
    return false;

  // The profile of period p: the harmonics at each point go to s->season,
  // the median absolute residual to *error. False when the fit is
  // singular or has too few points.
  constexpr size_t kTerms = 2 + 2 * kSeasonHarmonics;
  const double t_mid = (t[0] + t[n - 1]) / 2;
  auto fit_profile = [&](double p, double* error) {
    const double omega = 2 * 3.14159265358979323846 / p;
    double keep_below = std::numeric_limits<double>::infinity();
    double coef[kTerms];
    for (int pass = 0; pass < 2; pass++) {
      double ata[kTerms][kTerms] = {};
      double aty[kTerms] = {};
      size_t used = 0;
      for (size_t i = 0; i < n; i++) {
        if (pass == 1 && std::fabs(s->resid[i]) > keep_below)
          continue;
        double row[kTerms];
        row[0] = 1;
        row[1] = (t[i] - t_mid) / span;
        for (size_t k = 0; k < kSeasonHarmonics; k++) {
          double arg = omega * static_cast<double>(k + 1) * t[i];
          row[2 + 2 * k] = std::cos(arg);
          row[3 + 2 * k] = std::sin(arg);
        }
        for (size_t r = 0; r < kTerms; r++) {
          aty[r] += row[r] * y[i];
          for (size_t c = 0; c < kTerms; c++)
            ata[r][c] += row[r] * row[c];
        }
        used++;
      }
      if (used < 2 * kTerms)
        return false;
      // Gaussian elimination with partial pivoting; the matrix is small
      // and its columns are of the same scale (t is centred and scaled).
      for (size_t c = 0; c < kTerms; c++) {
        size_t pivot = c;
        for (size_t r = c + 1; r < kTerms; r++) {
          if (std::fabs(ata[r][c]) > std::fabs(ata[pivot][c]))
            pivot = r;
        }
        if (!(std::fabs(ata[pivot][c]) > 1e-9 * static_cast<double>(used)))
          return false;
        if (pivot != c) {
          for (size_t k = 0; k < kTerms; k++)
            std::swap(ata[c][k], ata[pivot][k]);
          std::swap(aty[c], aty[pivot]);
        }
        for (size_t r = c + 1; r < kTerms; r++) {
          double f = ata[r][c] / ata[c][c];
          for (size_t k = c; k < kTerms; k++)
            ata[r][k] -= f * ata[c][k];
          aty[r] -= f * aty[c];
        }
      }
      for (size_t r = kTerms; r-- > 0;) {
        double sum = aty[r];
        for (size_t k = r + 1; k < kTerms; k++)
          sum -= ata[r][k] * coef[k];
        coef[r] = sum / ata[r][r];
      }
      for (size_t i = 0; i < n; i++) {
        double h = 0;
        for (size_t k = 0; k < kSeasonHarmonics; k++) {
          double arg = omega * static_cast<double>(k + 1) * t[i];
          h +=
              coef[2 + 2 * k] * std::cos(arg) + coef[3 + 2 * k] * std::sin(arg);
        }
        s->season[i] = h;
        s->resid[i] = y[i] - (coef[0] + coef[1] * (t[i] - t_mid) / span + h);
        v[i] = std::fabs(s->resid[i]);
      }
      double mad = MedianInPlace(&v, n);
      *error = mad;
      keep_below = 3 * 1.4826 * mad;
      s->season_limit = keep_below;
    }
    return std::isfinite(*error);
  };
  double best_error = std::numeric_limits<double>::infinity();
  double best_period = period;
  const double refine_step = std::max(
      w.bucket_ms() / 8, 2 * kSeasonRefine * period / kSeasonRefineSteps);
  for (double p = std::max(p_min, (1 - kSeasonRefine) * period);
       p <= std::min(p_max, (1 + kSeasonRefine) * period);
       p += refine_step) {
    double error = 0;
    if (fit_profile(p, &error) && error < best_error) {
      best_error = error;
      best_period = p;
    }
  }
  double error = 0;
  if (!std::isfinite(best_error) || !fit_profile(best_period, &error))
    return false;
  s->seasonal = true;
  return true;
}

}  // namespace leakguard
