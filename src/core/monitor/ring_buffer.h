// A bounded single-producer/single-consumer queue of trivially copyable
// records.
//
// Threading: exactly one thread calls TryPush (for leakguard, the isolate's
// thread inside V8's GC epilogue) and exactly one other thread calls TryPop
// (the monitor thread). Neither call allocates, locks or blocks, so TryPush
// is safe inside a GC callback. The capacity is fixed at construction; when
// the queue is full TryPush drops the record and counts it in dropped(), so
// nothing is lost silently.
//
// Memory ordering: the producer publishes a slot by a release store of
// head_; the consumer reads head_ with acquire before copying the slot, and
// frees it by a release store of tail_ that the producer reads with acquire
// before reusing it. Each index is written by one thread only.
#ifndef LEAKGUARD_CORE_RING_BUFFER_H_
#define LEAKGUARD_CORE_RING_BUFFER_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <type_traits>

namespace leakguard {

template <typename T>
class RingBuffer {
  static_assert(std::is_trivially_copyable<T>::value,
                "RingBuffer records must be trivially copyable");

 public:
  // `capacity` is rounded up to a power of two (minimum 2).
  explicit RingBuffer(size_t capacity)
      : capacity_(RoundUp(capacity)),
        mask_(capacity_ - 1),
        slots_(new T[capacity_]) {}

  RingBuffer(const RingBuffer&) = delete;
  RingBuffer& operator=(const RingBuffer&) = delete;

  // Producer only. Returns false, and counts a drop, when the queue is full.
  bool TryPush(const T& record) {
    const uint64_t head = head_.load(std::memory_order_relaxed);
    const uint64_t tail = tail_.load(std::memory_order_acquire);
    if (head - tail >= capacity_) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    slots_[head & mask_] = record;
    head_.store(head + 1, std::memory_order_release);
    return true;
  }

  // Consumer only. Returns false when the queue is empty.
  bool TryPop(T* out) {
    const uint64_t tail = tail_.load(std::memory_order_relaxed);
    const uint64_t head = head_.load(std::memory_order_acquire);
    if (tail == head)
      return false;
    *out = slots_[tail & mask_];
    tail_.store(tail + 1, std::memory_order_release);
    return true;
  }

  // Records pushed and not yet popped; exact only on the consumer's thread.
  size_t size() const {
    return static_cast<size_t>(head_.load(std::memory_order_acquire) -
                               tail_.load(std::memory_order_acquire));
  }
  size_t capacity() const { return capacity_; }
  // Records refused because the queue was full, since construction.
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

 private:
  static size_t RoundUp(size_t n) {
    size_t c = 2;
    while (c < n)
      c <<= 1;
    return c;
  }

  const size_t capacity_;
  const size_t mask_;
  std::unique_ptr<T[]> slots_;
  // Separate cache lines so the two threads do not false-share.
  alignas(64) std::atomic<uint64_t> head_{0};  // written by the producer
  alignas(64) std::atomic<uint64_t> tail_{0};  // written by the consumer
  alignas(64) std::atomic<uint64_t> dropped_{0};
};

}  // namespace leakguard

#endif  // LEAKGUARD_CORE_RING_BUFFER_H_
