// The seasonal reading: a window whose points repeat with a period, and
// the profile of that cycle, for WindowReader to read the window less it.
//
// Swings. A live set that follows a cycle (sessions opened and closed with
// the traffic) goes up and down by more than a slow leak adds in minutes,
// and its envelope's minima with it. While no plain reading (window_reading.h)
// is a leak, the short window of heap and external memory is read once more
// less its cycle (FindSeason): when its points repeat with a period (three
// cycles or more in the window, half a period apart they differ at least three
// times as much as a period apart), a line plus two harmonics of that
// period is fitted, and the window less the harmonics (after a leading
// run of points the fit left out: a start-up transient) goes through
// every rule of window_reading.h (the warm-up gate holding the points after the
// warm-up to the whole line's rate); the raw points' floor must have risen as
// well. The
// harmonics are periodic, so taking them out shapes the points but cannot
// tilt them: a swing without a leak stays flat. Not for rss (RSS less the
// committed heap swings with the heap's own sizing) nor the long horizons
// (a day's cycle is what their new-high rule is for).
#ifndef LEAKGUARD_CORE_MONITOR_DETECTOR_SEASONAL_H_
#define LEAKGUARD_CORE_MONITOR_DETECTOR_SEASONAL_H_

#include <cstddef>

#include "core/monitor/detector/trend_window.h"
#include "core/monitor/detector/window_reading.h"

namespace leakguard {

// The seasonal reading (FindSeason): lags are tried from
// kSeasonMinBuckets buckets to half the window's span, and the period
// must fit kSeasonMinCycles times into it; the window is periodic when
// the points one period apart differ
// (median absolute difference about the line) at most 1 / kSeasonContrast
// as much as points half a period apart, with at least
// kSeasonPointsPerCycle points per period. Its profile is
// kSeasonHarmonics harmonics of the period.
constexpr double kSeasonMinBuckets = 4;
constexpr double kSeasonMinCycles = 3;
constexpr double kSeasonContrast = 3;
constexpr double kSeasonPointsPerCycle = 6;
constexpr size_t kSeasonHarmonics = 2;
// The period found is refined within this fraction of it, in at most
// kSeasonRefineSteps steps (and at least an eighth of a bucket).
constexpr double kSeasonRefine = 0.15;
constexpr double kSeasonRefineSteps = 48;

struct ReadingScratch;

// Whether the window's points swing with a period (a session set that
// follows the traffic, a batch cycle), given the plain reading of the
// whole window (its line); if so fills s->season[i] with the profile's
// value at each point, sets s->seasonal and returns true. A leak under a
// swing is judged on the points less the profile.
bool FindSeason(const TrendWindow& window,
                const TrendVerdict& whole,
                ReadingScratch* s);

}  // namespace leakguard

#endif  // LEAKGUARD_CORE_MONITOR_DETECTOR_SEASONAL_H_
