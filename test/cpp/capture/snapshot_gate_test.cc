#include "core/capture/snapshot_gate.h"

#include <gtest/gtest.h>

namespace leakguard {
namespace {

constexpr uint64_t kMs = 1000000;

TEST(SnapshotGate, OnePerCooldownAndCountsTheRest) {
  SnapshotGate gate;
  gate.set_cooldown_ns(1000 * kMs);
  EXPECT_EQ(gate.Request(10 * kMs), SnapshotGate::Decision::kGo);
  // A storm while the first one runs is coalesced.
  for (int i = 0; i < 49; i++) {
    EXPECT_EQ(gate.Request((11 + i) * kMs), SnapshotGate::Decision::kBusy);
  }
  gate.Finish();
  // A refusal in the cooldown says when a request would be admitted.
  uint64_t left = 0;
  EXPECT_EQ(gate.Request(500 * kMs, false, &left),
            SnapshotGate::Decision::kCoolingDown);
  EXPECT_EQ(left, 510 * kMs);
  EXPECT_EQ(gate.TakeSkipped(), 50u);
  EXPECT_EQ(gate.TakeSkipped(), 0u);
  EXPECT_EQ(gate.Request(1010 * kMs), SnapshotGate::Decision::kGo);
  gate.Finish();
  EXPECT_EQ(gate.total_skipped(), 50u);
}

TEST(SnapshotGate, ExplicitRequestsIgnoreCooldownButNotBusy) {
  SnapshotGate gate;
  gate.set_cooldown_ns(1000 * kMs);
  EXPECT_EQ(gate.Request(0), SnapshotGate::Decision::kGo);
  EXPECT_EQ(gate.Request(1, true), SnapshotGate::Decision::kBusy);
  gate.Finish();
  EXPECT_EQ(gate.Request(2, true), SnapshotGate::Decision::kGo);
}

TEST(CrossingTrigger, OncePerCrossingWithHysteresis) {
  CrossingTrigger t;
  t.Configure(100, 0.9);
  EXPECT_FALSE(t.Check(50));
  EXPECT_TRUE(t.Check(100));
  t.Fired();
  EXPECT_FALSE(t.Check(150));
  EXPECT_FALSE(t.Check(95));  // dipped, but not below 90
  EXPECT_FALSE(t.Check(120));
  EXPECT_FALSE(t.Check(89));  // re-armed
  EXPECT_TRUE(t.Check(101));
  t.Fired();
  EXPECT_FALSE(t.Check(200));
}

TEST(CrossingTrigger, StaysArmedWhenTheSnapshotWasRefused) {
  CrossingTrigger t;
  t.Configure(100);
  EXPECT_TRUE(t.Check(120));  // refused by cooldown: no Fired()
  EXPECT_TRUE(t.Check(121));
  t.Fired();
  EXPECT_FALSE(t.Check(122));
}

TEST(CrossingTrigger, ZeroDisables) {
  CrossingTrigger t;
  t.Configure(0);
  EXPECT_FALSE(t.Check(UINT64_MAX));
}

}  // namespace
}  // namespace leakguard
