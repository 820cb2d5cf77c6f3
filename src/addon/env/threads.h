// leakguard's own threads (the monitor thread, the snapshot finisher):
// started with every signal blocked, and named for ps/top/gdb.
//
// A process signal must never run a handler on one of them, so the thread
// is created while the creating thread blocks every signal (it inherits
// that mask). sigprocmask and prctl rather than pthread_sigmask and
// pthread_setname_np: the latter two moved to new glibc symbol versions
// (2.32, 2.34), which would stop the prebuilt binaries from loading on
// the glibc 2.28 Node's own Linux binaries support. glibc's sigprocmask is
// the calling thread's mask, as pthread_sigmask, and keeps glibc's own
// internal signals unblocked, as pthread_sigmask does.
#ifndef LEAKGUARD_ADDON_ENV_THREADS_H_
#define LEAKGUARD_ADDON_ENV_THREADS_H_

#include <signal.h>
#include <uv.h>

#if defined(__linux__)
#include <sys/prctl.h>
#endif

namespace leakguard {

// uv_thread_create with every signal blocked in the new thread.
inline int CreateQuietThread(uv_thread_t* thread,
                             void (*entry)(void*),
                             void* arg) {
  sigset_t all, saved;
  sigfillset(&all);
  sigprocmask(SIG_SETMASK, &all, &saved);
  const int err = uv_thread_create(thread, entry, arg);
  sigprocmask(SIG_SETMASK, &saved, nullptr);
  return err;
}

// Names the calling thread (at most 15 characters on Linux).
inline void NameThisThread(const char* name) {
#if defined(__linux__)
  prctl(PR_SET_NAME, name, 0, 0, 0);
#else
  (void)name;
#endif
}

}  // namespace leakguard

#endif  // LEAKGUARD_ADDON_ENV_THREADS_H_
