#include "addon/env/process_registry.h"

#include <map>
#include <mutex>

namespace leakguard {

namespace {

struct Registry {
  std::mutex mutex;
  std::map<int, int> watchers;  // signal number -> environments watching
  uint64_t reserved = 0;        // bytes estimated for snapshots in flight
  int own_work = 0;             // heavy work running now
  uint64_t own_work_epoch = 0;  // +1 at every begin and end
};

// Constructed on first use and never destroyed, so a worker that finishes
// a snapshot during process exit never sees it torn down.
Registry& Get() {
  static Registry* registry = new Registry();
  return *registry;
}

}  // namespace

void ProcessRegistry::AddSignalWatcher(int signum) {
  Registry& r = Get();
  std::lock_guard<std::mutex> lock(r.mutex);
  r.watchers[signum]++;
}

void ProcessRegistry::RemoveSignalWatcher(int signum) {
  Registry& r = Get();
  std::lock_guard<std::mutex> lock(r.mutex);
  auto it = r.watchers.find(signum);
  if (it == r.watchers.end())
    return;
  if (--it->second <= 0)
    r.watchers.erase(it);
}

int ProcessRegistry::SignalWatchers(int signum) {
  Registry& r = Get();
  std::lock_guard<std::mutex> lock(r.mutex);
  auto it = r.watchers.find(signum);
  return it == r.watchers.end() ? 0 : it->second;
}

uint64_t ProcessRegistry::Reserve(uint64_t bytes) {
  Registry& r = Get();
  std::lock_guard<std::mutex> lock(r.mutex);
  const uint64_t before = r.reserved;
  r.reserved += bytes;
  return before;
}

void ProcessRegistry::Release(uint64_t bytes) {
  Registry& r = Get();
  std::lock_guard<std::mutex> lock(r.mutex);
  r.reserved = bytes > r.reserved ? 0 : r.reserved - bytes;
}

void ProcessRegistry::BeginOwnWork() {
  Registry& r = Get();
  std::lock_guard<std::mutex> lock(r.mutex);
  r.own_work++;
  r.own_work_epoch++;
}

void ProcessRegistry::EndOwnWork() {
  Registry& r = Get();
  std::lock_guard<std::mutex> lock(r.mutex);
  if (r.own_work > 0)
    r.own_work--;
  r.own_work_epoch++;
}

bool ProcessRegistry::OwnWork(uint64_t* epoch) {
  Registry& r = Get();
  std::lock_guard<std::mutex> lock(r.mutex);
  *epoch = r.own_work_epoch;
  return r.own_work > 0;
}

}  // namespace leakguard
