// Near the heap limit: one snapshot when V8 is about to fail with "heap
// out of memory" (enableSnapshots({ nearHeapLimit: true })). Runs on the
// isolate thread, inside V8's allocation failure path, so it captures and
// publishes synchronously before it returns: the process is about to die.
#include "addon/snapshot/snapshot_controller.h"

#include <string.h>
#include <v8-profiler.h>

#include <algorithm>
#include <cstdio>

namespace leakguard {

namespace {

// What the heap holds now, by generation: the young one is what a
// snapshot's own GC may promote into the old generation (Node's
// --heapsnapshot-near-heap-limit raises the limit by the same measure);
// the old one can already be above the limit V8 reports, since a large
// young object is admitted regardless of the limit and promoted whole by
// the next full GC.
struct Generations {
  size_t young = 0;
  size_t old = 0;
};

Generations CommittedGenerations(v8::Isolate* isolate) {
  Generations g;
  const size_t n = isolate->NumberOfHeapSpaces();
  for (size_t i = 0; i < n; i++) {
    v8::HeapSpaceStatistics s;
    if (!isolate->GetHeapSpaceStatistics(&s, i))
      continue;
    if (strcmp(s.space_name(), "new_space") == 0 ||
        strcmp(s.space_name(), "new_large_object_space") == 0) {
      g.young += s.space_size();
    } else {
      g.old += s.space_size();
    }
  }
  return g;
}

// Someone else's snapshot is being taken (v8.writeHeapSnapshot(),
// DevTools): its own GC can bring the heap to the limit, and a capture
// inside it would be nested. V8 13 (Node 24) can tell; older V8 has no such
// query, and our own captures are covered by in_capture_.
bool OtherSnapshotRunning(v8::Isolate* isolate) {
#if V8_MAJOR_VERSION >= 13
  return isolate->GetHeapProfiler()->IsTakingSnapshot();
#else
  (void)isolate;
  return false;
#endif
}

}  // namespace

void SnapshotController::InstallNearHeapLimit(bool on) {
  if (on && !near_heap_limit_installed_) {
    isolate_->AddNearHeapLimitCallback(OnNearHeapLimit, this);
    near_heap_limit_installed_ = true;
  } else if (!on && near_heap_limit_installed_) {
    // 0: leave the heap limit where it is.
    isolate_->RemoveNearHeapLimitCallback(OnNearHeapLimit, 0);
    near_heap_limit_installed_ = false;
  }
}

size_t SnapshotController::OnNearHeapLimit(void* data,
                                           size_t current_heap_limit,
                                           size_t initial_heap_limit) {
  SnapshotController* self = static_cast<SnapshotController*>(data);
  // After every full GC V8 checks that the committed old generation fits
  // the limit, calls us (nested, during our own capture) if it does not,
  // and dies if our answer still does not cover it. So the new limit is
  // above both the current limit and what the old generation holds, with
  // room for what the snapshot's GC may promote from the young generation.
  const Generations g = CommittedGenerations(self->isolate_);
  const size_t extra = std::max<size_t>(2 * g.young, 16u << 20);
  const size_t new_limit = std::max(current_heap_limit, g.old) + extra;
  if (self->in_capture_ || self->disposed_ ||
      OtherSnapshotRunning(self->isolate_)) {
    return new_limit;  // nested: the snapshot in progress needs the room
  }

  SnapshotRequest request = self->RequestFor(SnapshotTrigger::kNearHeapLimit);
  SnapshotJob job;
  // The snapshot's own full GC can reach the limit again: V8 then calls us
  // nested, and the in_capture_ branch above raises the limit. So the
  // callback stays installed until the capture is over.
  self->in_capture_ = true;
  self->Capture(request, &job);
  self->in_capture_ = false;
  // One snapshot per enableSnapshots({ nearHeapLimit: true }): the next
  // time the heap reaches the (raised) limit the process dies as it would
  // have without us.
  self->isolate_->RemoveNearHeapLimitCallback(OnNearHeapLimit, 0);
  self->near_heap_limit_installed_ = false;
  // The process is about to die: publish before returning to V8.
  FinishSnapshot(&job);
  if (job.result.ok()) {
    fprintf(stderr,
            "leakguard: near the heap limit (%zu bytes): wrote heap snapshot "
            "%s\n",
            current_heap_limit,
            job.result.path.c_str());
  } else {
    fprintf(stderr,
            "leakguard: near the heap limit (%zu bytes): no heap snapshot: "
            "%s\n",
            current_heap_limit,
            job.result.message.c_str());
  }
  fflush(stderr);
  // If the heap shrinks again, go back to the limit the process had.
  self->isolate_->AutomaticallyRestoreInitialHeapLimit(0.95);
  self->PushResult(job.result);
  if (self->async_ != nullptr)
    uv_async_send(self->async_);
  return new_limit;
}

}  // namespace leakguard
