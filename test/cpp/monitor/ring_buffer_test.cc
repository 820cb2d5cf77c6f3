#include "core/monitor/ring_buffer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

namespace leakguard {
namespace {

struct Record {
  uint64_t seq;
  uint64_t payload[4];
};

TEST(RingBuffer, RoundsCapacityUpToPowerOfTwo) {
  RingBuffer<Record> ring(100);
  EXPECT_EQ(ring.capacity(), 128u);
}

TEST(RingBuffer, PopsInOrderAndReportsEmpty) {
  RingBuffer<Record> ring(4);
  Record r{};
  EXPECT_FALSE(ring.TryPop(&r));
  for (uint64_t i = 0; i < 4; i++) {
    Record in{i, {i, i, i, i}};
    ASSERT_TRUE(ring.TryPush(in));
  }
  for (uint64_t i = 0; i < 4; i++) {
    ASSERT_TRUE(ring.TryPop(&r));
    EXPECT_EQ(r.seq, i);
    EXPECT_EQ(r.payload[3], i);
  }
  EXPECT_FALSE(ring.TryPop(&r));
  EXPECT_EQ(ring.dropped(), 0u);
}

TEST(RingBuffer, CountsDropsWhenFull) {
  RingBuffer<Record> ring(8);
  for (uint64_t i = 0; i < 20; i++)
    ring.TryPush(Record{i, {}});
  EXPECT_EQ(ring.size(), 8u);
  EXPECT_EQ(ring.dropped(), 12u);
  Record r{};
  ASSERT_TRUE(ring.TryPop(&r));
  EXPECT_EQ(r.seq, 0u);  // the oldest records are kept, the newest dropped
}

// A real producer and a real consumer thread. Below capacity nothing may be
// lost and order must hold; the consumer here keeps up, so pushed + dropped
// must equal attempts and every popped sequence number must increase.
TEST(RingBuffer, ProducerConsumerThreadsKeepOrderAndCountDrops) {
  constexpr uint64_t kCount = 2000000;
  RingBuffer<Record> ring(1024);
  std::atomic<uint64_t> pushed{0};
  std::thread producer([&] {
    for (uint64_t i = 0; i < kCount; i++) {
      if (ring.TryPush(Record{i, {i, ~i, i, ~i}}))
        pushed.fetch_add(1);
    }
  });
  uint64_t popped = 0;
  uint64_t last = 0;
  bool ordered = true;
  bool intact = true;
  std::thread consumer([&] {
    Record r{};
    for (;;) {
      if (ring.TryPop(&r)) {
        if (popped > 0 && r.seq <= last)
          ordered = false;
        if (r.payload[0] != r.seq || r.payload[1] != ~r.seq)
          intact = false;
        last = r.seq;
        popped++;
        if (r.seq == kCount - 1)
          break;
      } else if (pushed + ring.dropped() == kCount && ring.size() == 0) {
        break;  // the last record was dropped
      }
    }
  });
  producer.join();
  consumer.join();
  EXPECT_TRUE(ordered);
  EXPECT_TRUE(intact);
  EXPECT_EQ(pushed + ring.dropped(), kCount);
  EXPECT_EQ(popped, pushed);
}

TEST(RingBuffer, NoLossBelowCapacityAcrossThreads) {
  constexpr uint64_t kCount = 512;
  RingBuffer<Record> ring(1024);
  std::thread producer([&] {
    for (uint64_t i = 0; i < kCount; i++)
      ring.TryPush(Record{i, {}});
  });
  producer.join();
  std::vector<uint64_t> seen;
  std::thread consumer([&] {
    Record r{};
    while (ring.TryPop(&r))
      seen.push_back(r.seq);
  });
  consumer.join();
  ASSERT_EQ(seen.size(), kCount);
  for (uint64_t i = 0; i < kCount; i++)
    EXPECT_EQ(seen[i], i);
  EXPECT_EQ(ring.dropped(), 0u);
}

}  // namespace
}  // namespace leakguard
