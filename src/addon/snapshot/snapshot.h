// Taking one heap snapshot: the checks that come first (directory, disk,
// memory budget), V8's capture, and its serialisation into an atomically
// published file.
//
// Threading: CaptureSnapshot runs on the isolate's own thread (from a JS
// call, an interrupt, the main-loop wake-up or the near-heap-limit
// callback) and never calls JS. FinishSnapshot touches only files, so it
// runs on the controller's finishing thread, or inline when the process is
// about to die.
//
// Why serialise on the isolate's thread: V8's HeapSnapshot and the
// profiler's string table are not thread-safe, and capture is ~90% of the
// pause (measured in bench/snapshot.js), so copying the graph out to write
// it elsewhere would cost memory for little gain. The JSON is streamed
// straight from V8's serialiser to the file in 1 MiB chunks; fsync, the
// final link and retention happen off the isolate's thread.
#ifndef LEAKGUARD_ADDON_SNAPSHOT_H_
#define LEAKGUARD_ADDON_SNAPSHOT_H_

#include <v8-profiler.h>
#include <v8.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "addon/env/process_registry.h"
#include "core/base/status.h"
#include "core/capture/snapshot_file.h"

namespace leakguard {

// What started a snapshot; the names are public ('snapshot' info.trigger).
enum class SnapshotTrigger : uint8_t {
  kApi = 1,
  kSignal,
  kThreshold,
  kNearHeapLimit,
  kLeak,
  kAnalysis,  // HeapDiff and findLeaks: a snapshot analysed in process
};
// The request file's name in the snapshot directory, and its largest size.
constexpr const char kProfileRequestName[] = "leakguard-profile.request";
constexpr size_t kMaxProfileRequestBytes = 4096;
const char* SnapshotTriggerName(SnapshotTrigger trigger);

struct SnapshotRequest {
  uint64_t id = 0;  // matches the result to a writeSnapshot() promise
  SnapshotTrigger trigger = SnapshotTrigger::kApi;
  std::string reason;  // for the file name and info.reason
  std::string dir;
  std::string name_template = kDefaultNameTemplate;
  uint64_t min_free_disk_bytes = 0;
  size_t max_files = 0;  // 0 keeps every file
  bool ignore_headroom = false;
  int64_t thread_id = 0;
  uint64_t fail_after_bytes = 0;  // test hook: simulated full disk
  // Heap bytes per node in this process's last snapshot (0: none yet),
  // which makes the memory budget's estimate fit this program's objects.
  double heap_bytes_per_node = 0;
  // false: no file (dir, name_template, disk and retention are ignored);
  // only the visitor sees the snapshot (HeapDiff, findLeaks without dir).
  bool to_file = true;
};

// Owns a V8 snapshot. HeapSnapshot::Delete removes exactly this one from
// the profiler; DeleteAllHeapSnapshots would also destroy snapshots that
// DevTools or another tool in the process holds.
struct HeapSnapshotDeleter {
  void operator()(const v8::HeapSnapshot* snapshot) const {
    const_cast<v8::HeapSnapshot*>(snapshot)->Delete();
  }
};
using HeapSnapshotPtr =
    std::unique_ptr<const v8::HeapSnapshot, HeapSnapshotDeleter>;

// Sees V8's snapshot on the isolate's thread after the capture and before
// it is serialised (when it goes to a file) and released; it must not keep
// any pointer into it. How HeapDiff and findLeaks copy the graph out.
using SnapshotVisitor = std::function<void(const v8::HeapSnapshot& snapshot)>;

// Outcome of one snapshot, success or failure; plain data for any thread.
// A .tmp of ours untouched this long, and unlocked, was left by a writer
// that died (RemoveStaleTemporaries).
constexpr int64_t kStaleTemporaryAgeS = 60;

struct SnapshotResult {
  SnapshotRequest request;
  StatusCode code = StatusCode::kOk;
  std::string message;
  IoError io;            // when a syscall failed
  bool no_disk = false;  // kNoHeadroom because of minFreeDiskBytes
  std::string path;
  uint64_t bytes = 0;
  uint64_t nodes = 0;
  uint64_t edges = 0;
  uint64_t heap_used = 0;        // before the capture
  uint64_t estimated_bytes = 0;  // the memory budget's estimate
  uint64_t headroom_bytes = 0;   // what the budget compared it with
  double pause_ms = 0;    // isolate thread: checks, capture, serialisation
  double capture_ms = 0;  // of which V8's graph capture
  double visit_ms = 0;    // of which the visitor (the copy of the graph)
  double total_ms = 0;    // including fsync, publish and retention
  int64_t unix_ms = 0;    // wall-clock time of the capture
  uint64_t skipped = 0;   // triggers refused since the previous snapshot
  // Not a snapshot: the gate refused the snapshot signal ("cooldown" or
  // "busy"), said to JS so that the person who sent it learns why
  // (ERR_LEAKGUARD_SNAPSHOT_REFUSED); counted as the gate's refusal only.
  const char* refused = nullptr;
  uint64_t retry_ms = 0;  // cooldown: when a signal would be admitted
  std::vector<std::string> removed;  // old files deleted by retention
  // Retention failing does not undo the snapshot: the result stays ok and
  // carries the retention's failure, which lib/snapshot/snapshots.js reports.
  Status retention;
  IoError retention_io;

  bool ok() const { return code == StatusCode::kOk; }
};

// Not a snapshot: the snapshot signal found `leakguard profile <pid>`'s
// request file in the directory (SnapshotController::PostProfileRequest),
// and JS samples allocations instead (lib/sampling/remote-profile.js). Its
// own message, delivered to its own callback; plain data for any thread.
struct ProfileRequest {
  std::string dir;   // the snapshot directory it was found in
  std::string text;  // the request file's content, when ok()
  StatusCode code = StatusCode::kOk;
  std::string message;  // why it was refused, when not ok()
  IoError io;
  bool ok() const { return code == StatusCode::kOk; }
};

// A captured snapshot whose file is written but not yet published.
struct SnapshotJob {
  SnapshotResult result;
  std::unique_ptr<AtomicFileWriter> writer;
  uint64_t start_ns = 0;
  uint64_t reserved_bytes = 0;  // released from the registry when finished
  OwnWorkTicket own_work;       // from the reservation until finished
  bool holds_gate = false;  // an automatic trigger: SnapshotGate::Finish after
};

// Isolate thread. Checks, captures, shows the snapshot to `visit` (if
// any) and serialises it; on failure the job's result carries the error
// and no file is left behind (`visit` runs only after a successful capture,
// and may have run when writing the file failed).
void CaptureSnapshot(v8::Isolate* isolate,
                     const SnapshotRequest& request,
                     SnapshotJob* job,
                     const SnapshotVisitor& visit = nullptr);

// Any thread. fsync, publish, retention; fills total_ms.
void FinishSnapshot(SnapshotJob* job);

}  // namespace leakguard

#endif  // LEAKGUARD_ADDON_SNAPSHOT_H_
