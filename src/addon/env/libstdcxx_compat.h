// Include in a file that waits on a std::condition_variable: GCC 12's
// libstdc++ gives condition_variable::wait a new symbol version
// (GLIBCXX_3.4.30) beside the old one (GLIBCXX_3.4.11, the same code), and
// a binary bound to the new one does not load with an older libstdc++.
// This binds the file's references to the old version, which every
// libstdc++ since GCC 4.4 has (see libstdcxx_compat.cc).
#ifndef LEAKGUARD_ADDON_ENV_LIBSTDCXX_COMPAT_H_
#define LEAKGUARD_ADDON_ENV_LIBSTDCXX_COMPAT_H_

#if defined(__GLIBCXX__) && defined(__linux__)
__asm__(
    ".symver _ZNSt18condition_variable4waitERSt11unique_lockISt5mutexE,"
    "_ZNSt18condition_variable4waitERSt11unique_lockISt5mutexE@GLIBCXX_3.4.11");
#endif

#endif  // LEAKGUARD_ADDON_ENV_LIBSTDCXX_COMPAT_H_
