// The only process-wide state in leakguard: a small registry, behind one
// mutex, of what every environment's snapshot machinery shares with the
// others in the process.
//
// - Signal watchers. A signal is delivered to the process, and libuv hands
//   it to every loop that watches it, so with snapshots enabled in the main
//   thread and in two workers, one SIGUSR2 starts three snapshots. The
//   registry counts watchers per signal so snapshotStats() can say so.
// - Memory reserved by snapshots in flight. Each environment checks its
//   memory budget against what the process may still use; snapshots that
//   run at the same time in several workers must not all count the same
//   headroom, so each reserves its estimate here until it is finished.
//
// Any thread; never called from a GC callback.
#ifndef LEAKGUARD_ADDON_SNAPSHOT_REGISTRY_H_
#define LEAKGUARD_ADDON_SNAPSHOT_REGISTRY_H_

#include <cstdint>

namespace leakguard {

class SnapshotRegistry {
 public:
  static void AddSignalWatcher(int signum);
  static void RemoveSignalWatcher(int signum);
  static int SignalWatchers(int signum);

  // Reserves `bytes`; returns what other snapshots had reserved before.
  static uint64_t Reserve(uint64_t bytes);
  static void Release(uint64_t bytes);
};

}  // namespace leakguard

#endif  // LEAKGUARD_ADDON_SNAPSHOT_REGISTRY_H_
