// The two libstdc++ symbols of GCC 11 and 12 that the addon would need,
// kept out of its binary so that the prebuilt binaries load with the
// libstdc++ of GCC 8 (GLIBCXX_3.4.25), which RHEL 8 and Debian 10 have;
// test-package.js checks every prebuild's symbol versions (objdump -T).
//
// std::__throw_bad_array_new_length (GLIBCXX_3.4.29): called by
// std::allocator for a size that overflows; defined here, hidden, so the
// addon's references bind to this copy. Under -fno-exceptions it aborts,
// as libstdc++'s own does then.
//
// std::condition_variable::wait is pinned to its GLIBCXX_3.4.11 version in
// addon/env/libstdcxx_compat.h (the 3.4.30 one is the same function).
#include <cstdlib>

#if defined(__GLIBCXX__) && defined(__linux__)
namespace std {
[[noreturn]] __attribute__((visibility("hidden"))) void
__throw_bad_array_new_length() {
  abort();
}
}  // namespace std
#endif
