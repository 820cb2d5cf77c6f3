// A trace of teardown's steps, for test/js/teardown-order.test.js, which
// asserts their order for stop(), worker termination and process.exit()
// (as node-addon-api's test/env_cleanup.js does). Off unless
// LEAKGUARD_TRACE_TEARDOWN=1 is in the environment when the first
// Instance is made: then each step is one line on stderr,
//   leakguard-teardown <tid> <step>
// where tid is the environment's JS thread. Steps: "gc callbacks removed",
// "monitor thread joined", "snapshots disposed", "handles closed" (the
// main-loop handle's close callback ran), "finalized" (the instance data's
// finalizer).
#ifndef LEAKGUARD_ADDON_TEARDOWN_TRACE_H_
#define LEAKGUARD_ADDON_TEARDOWN_TRACE_H_

#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace leakguard {

inline bool TeardownTraceEnabled() {
  // Read once per process, then constant.
  static const bool enabled = [] {
    const char* v = std::getenv("LEAKGUARD_TRACE_TEARDOWN");
    return v != nullptr && std::strcmp(v, "1") == 0;
  }();
  return enabled;
}

inline long CurrentTid() {
  return static_cast<long>(syscall(SYS_gettid));
}

inline void TraceTeardown(long tid, const char* step) {
  if (!TeardownTraceEnabled())
    return;
  std::fprintf(stderr, "leakguard-teardown %ld %s\n", tid, step);
  std::fflush(stderr);
}

}  // namespace leakguard

#endif  // LEAKGUARD_ADDON_TEARDOWN_TRACE_H_
