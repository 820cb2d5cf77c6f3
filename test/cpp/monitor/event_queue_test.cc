#include "core/monitor/event_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace leakguard {
namespace {

using Queue = EventQueue<int>;

TEST(EventQueue, OneWakeUpPerBatch) {
  Queue q(10);
  EXPECT_EQ(q.Push(1), Queue::PushResult::kQueuedWake);
  EXPECT_EQ(q.Push(2), Queue::PushResult::kQueued);
  std::vector<int> out;
  q.Drain(&out);
  EXPECT_EQ(out, (std::vector<int>{1, 2}));
  EXPECT_EQ(q.Push(3), Queue::PushResult::kQueuedWake);
}

TEST(EventQueue, DropsAndCountsBeyondCapacity) {
  Queue q(2);
  q.Push(1);
  q.Push(2);
  EXPECT_EQ(q.Push(3), Queue::PushResult::kDropped);
  EXPECT_EQ(q.dropped(), 1u);
  std::vector<int> out;
  q.Drain(&out);
  EXPECT_EQ(out.size(), 2u);
}

TEST(EventQueue, ConcurrentProducersLoseNothingBelowCapacity) {
  Queue q(1 << 20);
  std::atomic<int> wakes{0};
  auto produce = [&](int base) {
    for (int i = 0; i < 10000; i++) {
      if (q.Push(base + i) == Queue::PushResult::kQueuedWake)
        wakes++;
    }
  };
  std::vector<int> seen;
  std::atomic<bool> done{false};
  std::thread consumer([&] {
    std::vector<int> batch;
    while (!done.load() || !batch.empty()) {
      q.Drain(&batch);
      seen.insert(seen.end(), batch.begin(), batch.end());
    }
  });
  std::thread a(produce, 0), b(produce, 100000);
  a.join();
  b.join();
  done = true;
  consumer.join();
  std::vector<int> rest;
  q.Drain(&rest);
  seen.insert(seen.end(), rest.begin(), rest.end());
  EXPECT_EQ(seen.size(), 20000u);
  EXPECT_EQ(q.dropped(), 0u);
  EXPECT_GE(wakes.load(), 1);
}

}  // namespace
}  // namespace leakguard
