// GcHooks installs V8 GC prologue/epilogue callbacks on one isolate and
// turns each collection into one GcRecord in a preallocated ring.
//
// Threading and ownership: created, installed and removed on the isolate's
// own thread (the main JS thread of one environment). The callbacks run on
// that thread inside the collector: they never allocate, never call JS,
// never lock and never block; they read the heap statistics, write one
// fixed-size record with RingBuffer::TryPush (a full ring drops and counts
// it) and, after a full collection and only while someone listens for
// 'stats', poke the monitor thread's uv_async_t, which is async-signal-safe.
// Otherwise the monitor's tick drains the ring (every 100 ms): a wake-up per
// full GC competed with V8's concurrent sweepers for the cores
// (docs/overhead.md). The monitor thread is the ring's only
// consumer. The owner must Remove() before the ring's consumer goes away.
#ifndef LEAKGUARD_ADDON_GC_HOOKS_H_
#define LEAKGUARD_ADDON_GC_HOOKS_H_

#include <uv.h>
#include <v8.h>

#include <atomic>
#include <cstdint>

#include "core/monitor/gc_record.h"
#include "core/monitor/ring_buffer.h"

namespace leakguard {

class GcHooks {
 public:
  GcHooks(v8::Isolate* isolate, size_t ring_capacity);
  ~GcHooks();
  GcHooks(const GcHooks&) = delete;
  GcHooks& operator=(const GcHooks&) = delete;

  // Adds the callbacks for every GC type. `wake` (may be null) is sent after
  // each full collection while SetWakeOnFullGc(true), so that 'stats'
  // follow it promptly.
  void Install(uv_async_t* wake);
  // Both on the isolate's thread, which is the thread the callbacks run on.
  void SetWakeOnFullGc(bool on) { wake_on_full_gc_ = on; }
  // The heap used at the prologue is read only for 'gc' events
  // (heapUsedBefore): one GetHeapStatistics per collection instead of two.
  void SetReadUsedBefore(bool on) { read_used_before_ = on; }
  // Removes the callbacks; idempotent. After it returns no callback of ours
  // runs and `wake` is no longer touched.
  void Remove();

  RingBuffer<GcRecord>* ring() { return &ring_; }
  bool installed() const { return installed_; }

 private:
  static void OnPrologue(v8::Isolate* isolate,
                         v8::GCType type,
                         v8::GCCallbackFlags flags,
                         void* data);
  static void OnEpilogue(v8::Isolate* isolate,
                         v8::GCType type,
                         v8::GCCallbackFlags flags,
                         void* data);

  v8::Isolate* const isolate_;
  RingBuffer<GcRecord> ring_;
  uv_async_t* wake_ = nullptr;
  bool installed_ = false;
  bool wake_on_full_gc_ = false;
  bool read_used_before_ = false;
  // Prologue values per GC type slot, so that a weak-callback pass nested in
  // a full collection cannot overwrite the outer collection's start.
  uint64_t start_ns_[5] = {};
  // kUnknownUsed: not read at the prologue.
  static constexpr uint64_t kUnknownUsed = ~uint64_t{0};
  uint64_t used_before_[5] = {};
};

}  // namespace leakguard

#endif  // LEAKGUARD_ADDON_GC_HOOKS_H_
