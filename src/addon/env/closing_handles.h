// Teardown closes our uv handles, and Node must not unload the addon (a
// worker dlcloses it) before every close callback has run: they are our
// code. ClosingHandles counts the closes it starts and removes the async
// cleanup hook, which is what Node waits on, after the last callback.
// Heap-allocated by the cleanup hook; it deletes itself then.
//
// Without a hook (the instance-data finalizer, stop()), handles close the
// plain way: nobody is about to unload us.
#ifndef LEAKGUARD_ADDON_CLOSING_HANDLES_H_
#define LEAKGUARD_ADDON_CLOSING_HANDLES_H_

#include <node_api.h>
#include <uv.h>

#include "addon/env/teardown_trace.h"

namespace leakguard {

class ClosingHandles {
 public:
  using Free = void (*)(uv_handle_t*);

  // `hook` may be null: then each handle is only closed and freed. `tid`
  // names the environment in the teardown trace.
  static ClosingHandles* Begin(napi_async_cleanup_hook_handle hook, long tid) {
    return new ClosingHandles(hook, tid);
  }
  // Closes `handle` (data is overwritten); `free_handle` runs in its close
  // callback. `closer` may be null.
  static void Close(ClosingHandles* closer,
                    uv_handle_t* handle,
                    Free free_handle) {
    Entry* entry = new Entry{closer, free_handle};
    if (closer != nullptr) {
      closer->pending_++;
      closer->closed_any_ = true;
    }
    handle->data = entry;
    uv_close(handle, OnClose);
  }
  // No more handles will be added: the hook goes once none is pending.
  void Done() {
    done_ = true;
    MaybeFinish();
  }

 private:
  struct Entry {
    ClosingHandles* closer;
    Free free_handle;
  };
  ClosingHandles(napi_async_cleanup_hook_handle hook, long tid)
      : hook_(hook), tid_(tid) {}

  static void OnClose(uv_handle_t* handle) {
    Entry* entry = static_cast<Entry*>(handle->data);
    ClosingHandles* closer = entry->closer;
    entry->free_handle(handle);
    delete entry;
    if (closer != nullptr) {
      closer->pending_--;
      closer->MaybeFinish();
    }
  }
  void MaybeFinish() {
    if (!done_ || pending_ != 0)
      return;
    if (closed_any_)
      TraceTeardown(tid_, "handles closed");
    if (hook_ != nullptr)
      napi_remove_async_cleanup_hook(hook_);
    delete this;
  }

  napi_async_cleanup_hook_handle hook_;
  long tid_;
  int pending_ = 0;
  bool done_ = false;
  bool closed_any_ = false;
};

}  // namespace leakguard

#endif  // LEAKGUARD_ADDON_CLOSING_HANDLES_H_
