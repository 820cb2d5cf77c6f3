// A bounded multi-producer queue of events for the main JS thread.
//
// Threading: any thread may Push (the monitor thread, snapshot workers); the
// main thread takes everything at once with Drain when its wake-up runs. The
// mutex is held only to move elements, never while calling out, and never
// taken inside a GC callback. Push reports whether the caller must wake the
// consumer: only the first push after a drain does, so a burst of events
// costs one wake-up. When `capacity` events are waiting, further ones are
// dropped and counted, never silently lost.
#ifndef LEAKGUARD_CORE_EVENT_QUEUE_H_
#define LEAKGUARD_CORE_EVENT_QUEUE_H_

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <utility>
#include <vector>

namespace leakguard {

template <typename T>
class EventQueue {
 public:
  explicit EventQueue(size_t capacity) : capacity_(capacity) {}

  enum class PushResult {
    kQueued,      // queued; a wake-up is already pending
    kQueuedWake,  // queued; the caller must wake the consumer
    kDropped,     // the queue was full; counted in dropped()
  };

  PushResult Push(T event) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (items_.size() >= capacity_) {
      dropped_++;
      return PushResult::kDropped;
    }
    items_.push_back(std::move(event));
    if (wake_pending_)
      return PushResult::kQueued;
    wake_pending_ = true;
    return PushResult::kQueuedWake;
  }

  // Moves every waiting event into `out` (cleared first) and re-arms the
  // wake-up. Swapping keeps both vectors' capacity, so steady state does not
  // allocate.
  void Drain(std::vector<T>* out) {
    out->clear();
    std::lock_guard<std::mutex> lock(mutex_);
    items_.swap(*out);
    wake_pending_ = false;
  }

  void set_capacity(size_t capacity) {
    std::lock_guard<std::mutex> lock(mutex_);
    capacity_ = capacity;
  }

  uint64_t dropped() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return dropped_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<T> items_;
  size_t capacity_;
  uint64_t dropped_ = 0;
  bool wake_pending_ = false;
};

}  // namespace leakguard

#endif  // LEAKGUARD_CORE_EVENT_QUEUE_H_
