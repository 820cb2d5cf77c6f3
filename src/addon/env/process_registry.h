// The only process-wide state in leakguard: a small registry, behind one
// mutex, of what every environment shares with the others in the process.
// Snapshots, monitoring and analysis all use it, so it is named for its
// scope, not for one of them.
//
// - Signal watchers. A signal is delivered to the process, and libuv hands
//   it to every loop that watches it, so with snapshots enabled in the main
//   thread and in two workers, one SIGUSR2 starts three snapshots. The
//   registry counts watchers per signal so snapshotStats() can say so.
// - Memory reserved by snapshots in flight. Each environment checks its
//   memory budget against what the process may still use; snapshots that
//   run at the same time in several workers must not all count the same
//   headroom, so each reserves its estimate here until it is finished.
// - leakguard's own heavy work: snapshots being captured or written and
//   snapshot analyses, in any thread. RSS is the process's, so every
//   monitor thread leaves out the RSS it samples meanwhile (the memory is
//   ours, and what we free may stay resident): see OwnWork().
//
// Any thread; never called from a GC callback.
#ifndef LEAKGUARD_ADDON_PROCESS_REGISTRY_H_
#define LEAKGUARD_ADDON_PROCESS_REGISTRY_H_

#include <cstdint>

namespace leakguard {

class ProcessRegistry {
 public:
  static void AddSignalWatcher(int signum);
  static void RemoveSignalWatcher(int signum);
  static int SignalWatchers(int signum);

  // Reserves `bytes`; returns what other snapshots had reserved before.
  static uint64_t Reserve(uint64_t bytes);
  static void Release(uint64_t bytes);

  // Brackets our own heavy work (see OwnWorkTicket).
  static void BeginOwnWork();
  static void EndOwnWork();
  // Whether any is running now; *epoch changes whenever some begins or ends.
  static bool OwnWork(uint64_t* epoch);
};

// One piece of our own heavy work: counted from Begin() until End() or
// destruction, whichever comes first, so a job dropped on any path ends it.
// Movable (it lives in SnapshotJob), not copyable.
class OwnWorkTicket {
 public:
  OwnWorkTicket() = default;
  ~OwnWorkTicket() { End(); }
  OwnWorkTicket(OwnWorkTicket&& other) noexcept : held_(other.held_) {
    other.held_ = false;
  }
  OwnWorkTicket& operator=(OwnWorkTicket&& other) noexcept {
    if (this != &other) {
      End();
      held_ = other.held_;
      other.held_ = false;
    }
    return *this;
  }
  OwnWorkTicket(const OwnWorkTicket&) = delete;
  OwnWorkTicket& operator=(const OwnWorkTicket&) = delete;

  void Begin() {
    if (!held_) {
      ProcessRegistry::BeginOwnWork();
      held_ = true;
    }
  }
  void End() {
    if (held_) {
      held_ = false;
      ProcessRegistry::EndOwnWork();
    }
  }

 private:
  bool held_ = false;
};

}  // namespace leakguard

#endif  // LEAKGUARD_ADDON_PROCESS_REGISTRY_H_
