// GcHooks installs V8 GC prologue/epilogue callbacks on one isolate and
// turns each collection into one GcRecord in a preallocated ring.
//
// Threading and ownership: created, installed and removed on the isolate's
// own thread (the main JS thread of one environment). The callbacks run on
// that thread inside the collector: they never allocate, never call JS,
// never lock and never block; they read the heap statistics, write one
// fixed-size record with RingBuffer::TryPush (a full ring drops and counts
// it) and, after a full collection, poke the monitor thread's uv_async_t,
// which is async-signal-safe. The monitor thread is the ring's only
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
  // each full collection so that 'stats' follow it promptly.
  void Install(uv_async_t* wake);
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
  // Prologue values per GC type slot, so that a weak-callback pass nested in
  // a full collection cannot overwrite the outer collection's start.
  uint64_t start_ns_[5] = {};
  uint64_t used_before_[5] = {};
};

}  // namespace leakguard

#endif  // LEAKGUARD_ADDON_GC_HOOKS_H_
