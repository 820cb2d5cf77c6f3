// V8's sampling heap profiler, for the `explain: 'allocations'` suspects
// and leakguard.allocationProfile() (lib/sampling/allocations.js).
//
// V8 keeps one sampler per isolate: it samples about one allocation per
// `interval` bytes (Poisson) with its stack, and drops a sample when the
// sampled object is collected, so its profile is the live, sampled
// allocations by call site. Whoever starts it owns it; V8 refuses a second
// start. startAllocationSampling says whether this call started it, and
// lib/sampling/allocations.js stops only a sampler it started.
//
// readAllocationProfile returns the profile as the JSON text of Chrome
// DevTools' .heapprofile (the inspector's HeapProfiler.SamplingHeapProfile:
// a `head` tree of callFrame {functionName, scriptId, url, lineNumber,
// columnNumber} (0-based, as DevTools has them), selfSize, id, children,
// and `samples` of {size, nodeId, ordinal}), or null when no sampler runs.
// Where V8 marks samples of collected objects (Node 26 and later, when the
// sampler was started with the flags that keep them), those are left out
// and each node's selfSize counts its live samples only. The text is
// bounded: at most kMaxProfileNodes nodes and kMaxProfileSamples samples
// (then "truncated": true), whatever the sampler's owner chose.
//
// Threading: every function here runs on the environment's JS thread (V8's
// heap profiler is the isolate's). Reading builds the tree in V8 and copies
// it; that is the pause this mode costs (bench/RESULTS.md).
#ifndef LEAKGUARD_ADDON_ALLOCATION_PROFILE_H_
#define LEAKGUARD_ADDON_ALLOCATION_PROFILE_H_

#include <napi.h>

#include <cstddef>

namespace leakguard {

constexpr size_t kMaxProfileNodes = 200000;
constexpr size_t kMaxProfileSamples = 1000000;

// Adds startAllocationSampling(intervalBytes, stackDepth),
// stopAllocationSampling() and readAllocationProfile() to the binding.
// False if a property could not be set.
bool InitAllocationProfile(Napi::Env env, Napi::Object exports);

}  // namespace leakguard

#endif  // LEAKGUARD_ADDON_ALLOCATION_PROFILE_H_
