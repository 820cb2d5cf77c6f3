// The fixed-size record one GC epilogue writes, and the GC type bits it uses.
//
// The bits are V8's GCType values (v8-callbacks.h). They are repeated here as
// plain numbers because src/core never includes V8; src/addon/gc_hooks.cc
// checks with static_asserts that they still match the V8 it is built with.
#ifndef LEAKGUARD_CORE_GC_RECORD_H_
#define LEAKGUARD_CORE_GC_RECORD_H_

#include <cstdint>

namespace leakguard {

enum GcTypeBit : uint32_t {
  kGcScavenge = 1 << 0,              // young generation, parallel scavenge
  kGcMinorMarkCompact = 1 << 1,      // young generation, minor mark-sweep
  kGcMarkSweepCompact = 1 << 2,      // full collection of the whole heap
  kGcIncrementalMarking = 1 << 3,    // a step of incremental marking
  kGcProcessWeakCallbacks = 1 << 4,  // weak callbacks after a full GC
};

// Returns "scavenge", "minor-mark-compact", "mark-sweep-compact",
// "incremental-marking", "weak-callbacks" or "unknown".
const char* GcTypeName(uint32_t type);

// Written by the GC epilogue on the isolate's thread, read by the monitor
// thread. Trivially copyable; times are uv_hrtime() nanoseconds (monotonic).
struct GcRecord {
  uint32_t type;   // one GcTypeBit
  uint32_t flags;  // v8::GCCallbackFlags
  uint64_t start_ns;
  uint64_t end_ns;
  uint64_t used_before;     // heap used at the prologue
  uint64_t used_after;      // heap used at the epilogue
  uint64_t total_after;     // heap committed at the epilogue
  uint64_t limit;           // heap size limit
  uint64_t external_after;  // external memory at the epilogue
};

}  // namespace leakguard

#endif  // LEAKGUARD_CORE_GC_RECORD_H_
