// The scratch a WindowReader and FindSeason share, sized for
// TrendWindow::kMaxPoints: one per LeakDetector, used by all its windows
// (~73 KB). Internal to detector/: window_reading.cc and seasonal.cc.
#ifndef LEAKGUARD_CORE_MONITOR_DETECTOR_READING_SCRATCH_H_
#define LEAKGUARD_CORE_MONITOR_DETECTOR_READING_SCRATCH_H_

#include <cstddef>
#include <vector>

#include "core/monitor/detector/trend_window.h"
#include "core/monitor/robust_trend.h"

namespace leakguard {

struct ReadingScratch {
  static constexpr size_t kPoints = TrendWindow::kMaxPoints;
  ReadingScratch() : robust(kPoints), values(kPoints) {}
  double raw_t[kPoints];
  double raw_y[kPoints];
  double env_t[kPoints];
  double env_y[kPoints];
  RobustScratch robust;        // FitRobust's
  std::vector<double> values;  // RisingSteps' medians
  // FindSeason's: the profile at each point, the points' residuals, the
  // lag differences' medians.
  bool seasonal = false;  // Check reads bytes less season[].
  double season[kPoints];
  double season_limit = 0;  // |resid| above it: a point the fit left out.
  double resid[kPoints];
  static constexpr size_t kMaxLags = 256;
  double lags[kMaxLags];
};

}  // namespace leakguard

#endif  // LEAKGUARD_CORE_MONITOR_DETECTOR_READING_SCRATCH_H_
