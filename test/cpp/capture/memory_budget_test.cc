#include "core/capture/memory_budget.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <fstream>
#include <string>

namespace leakguard {
namespace {

// A fake /proc and /sys/fs/cgroup in a temporary directory.
class FakeSystem {
 public:
  FakeSystem() {
    char tmpl[] = "/tmp/leakguard-budget-test-XXXXXX";
    root_ = mkdtemp(tmpl);
    paths_.proc = root_ + "/proc";
    paths_.cgroup_root = root_ + "/cgroup";
    Write("proc/meminfo",
          "MemTotal:       16000000 kB\n"
          "MemFree:         1000000 kB\n"
          "MemAvailable:    8000000 kB\n");
  }
  ~FakeSystem() { std::system(("rm -rf '" + root_ + "'").c_str()); }

  void Write(const std::string& rel, const std::string& text) {
    const std::string path = root_ + "/" + rel;
    std::system(
        ("mkdir -p '" + path.substr(0, path.find_last_of('/')) + "'").c_str());
    std::ofstream(path) << text;
  }
  const SystemPaths& paths() const { return paths_; }

 private:
  std::string root_;
  SystemPaths paths_;
};

TEST(MemoryHeadroom, MeminfoWhenThereIsNoCgroupLimit) {
  FakeSystem sys;
  sys.Write("proc/self/cgroup", "0::/\n");
  sys.Write("cgroup/cgroup.controllers", "memory\n");
  sys.Write("cgroup/cgroup.procs", "1\n");
  sys.Write("cgroup/memory.max", "max\n");
  Result<MemoryHeadroom> r = ReadMemoryHeadroom(sys.paths());
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r.value().source, "meminfo");
  EXPECT_EQ(r.value().available, 8000000ull * 1024);
}

TEST(MemoryHeadroom, CgroupV2TightestAncestorLessInactiveFile) {
  FakeSystem sys;
  sys.Write("proc/self/cgroup", "0::/pod/app\n");
  sys.Write("cgroup/cgroup.controllers", "memory\n");
  sys.Write("cgroup/pod/cgroup.procs", "");
  sys.Write("cgroup/pod/memory.max", "1000000000\n");
  sys.Write("cgroup/pod/memory.current", "400000000\n");
  sys.Write("cgroup/pod/app/cgroup.procs", "1\n");
  sys.Write("cgroup/pod/app/memory.max", "max\n");
  sys.Write("cgroup/pod/app/memory.current", "300000000\n");
  sys.Write("cgroup/pod/memory.stat",
            "anon 300000000\nfile 100000000\ninactive_file 50000000\n");
  Result<MemoryHeadroom> r = ReadMemoryHeadroom(sys.paths());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().source, "cgroup-v2");
  EXPECT_EQ(r.value().limit, 1000000000u);
  EXPECT_EQ(r.value().usage, 350000000u);
  EXPECT_EQ(r.value().available, 650000000u);
}

TEST(MemoryHeadroom, CgroupV1LimitAndHostPathFallback) {
  FakeSystem sys;
  // The host path in /proc/self/cgroup is not visible in the container.
  sys.Write("proc/self/cgroup", "4:memory:/host/path\n0::/\n");
  sys.Write("cgroup/memory/memory.limit_in_bytes", "536870912\n");
  sys.Write("cgroup/memory/memory.usage_in_bytes", "436870912\n");
  sys.Write("cgroup/memory/memory.stat", "total_inactive_file 10000000\n");
  Result<MemoryHeadroom> r = ReadMemoryHeadroom(sys.paths());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().source, "cgroup-v1");
  EXPECT_EQ(r.value().available, 536870912u - 426870912u);
}

TEST(MemoryHeadroom, CgroupV1UnlimitedIsIgnored) {
  FakeSystem sys;
  sys.Write("proc/self/cgroup", "4:memory:/\n");
  sys.Write("cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n");
  sys.Write("cgroup/memory/memory.usage_in_bytes", "1000\n");
  Result<MemoryHeadroom> r = ReadMemoryHeadroom(sys.paths());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().source, "meminfo");
}

TEST(MemoryHeadroom, UsageAboveLimitMeansNoHeadroom) {
  FakeSystem sys;
  sys.Write("proc/self/cgroup", "4:memory:/\n");
  sys.Write("cgroup/memory/memory.limit_in_bytes", "1000\n");
  sys.Write("cgroup/memory/memory.usage_in_bytes", "2000\n");
  Result<MemoryHeadroom> r = ReadMemoryHeadroom(sys.paths());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().available, 0u);
}

TEST(MemoryHeadroom, NothingReadableIsUnsupported) {
  SystemPaths paths;
  paths.proc = "/nonexistent-proc";
  paths.cgroup_root = "/nonexistent-cgroup";
  EXPECT_EQ(ReadMemoryHeadroom(paths).status().code(),
            StatusCode::kUnsupported);
}

TEST(MemoryHeadroom, ThisMachineHasAnAnswer) {
  Result<MemoryHeadroom> r = ReadMemoryHeadroom();
  ASSERT_TRUE(r.ok());
  EXPECT_GT(r.value().available, 0u);
}

TEST(MemoryBudget, EstimateAndCheck) {
  const uint64_t heap = 100ull << 20;
  const uint64_t need = EstimateSnapshotBytes(heap);
  // A heap of small objects: ~30 times the heap (bench/snapshot.js).
  EXPECT_GT(need, 25 * heap);
  EXPECT_LT(need, 40 * heap);
  // A heap of big objects, as seen in the last snapshot, costs far less.
  EXPECT_LT(EstimateSnapshotBytes(heap, 2000), 2 * heap);
  // An absurd ratio is clamped.
  EXPECT_EQ(EstimateSnapshotBytes(heap, 1), EstimateSnapshotBytes(heap, 16));
  MemoryHeadroom h;
  h.available = need;
  h.source = "cgroup-v2";
  EXPECT_TRUE(CheckHeadroom(need, h).ok());
  h.available = need - 1;
  h.limit = 1ull << 30;
  Status s = CheckHeadroom(need, h);
  EXPECT_EQ(s.code(), StatusCode::kNoHeadroom);
  EXPECT_NE(s.message().find("cgroup-v2"), std::string::npos);
  EXPECT_NE(s.message().find("1.00 GiB"), std::string::npos);
}

}  // namespace
}  // namespace leakguard

namespace leakguard {
namespace {

// One cost model for both questions a capture raises: the memory it needs
// and the pause it costs, both learned per snapshot node.
TEST(CaptureCostModel, LearnsBytesAndPausePerNode) {
  CaptureCostModel model;
  const uint64_t heap = 96ull << 20;
  EXPECT_EQ(model.heap_bytes_per_node(), 0);
  EXPECT_EQ(model.EstimateBytes(heap), EstimateSnapshotBytes(heap, 0));
  EXPECT_DOUBLE_EQ(model.EstimatePauseMs(heap),
                   heap / kDefaultHeapBytesPerNode * kDefaultPauseMsPerNode);
  // A capture of 1,000,000 nodes in 64 MiB that paused 2 s: 67 bytes and
  // 2 us per node, so twice the heap costs twice the pause.
  model.Observe(64ull << 20, 1000000, 2000);
  EXPECT_DOUBLE_EQ(model.heap_bytes_per_node(), (64ull << 20) / 1e6);
  EXPECT_NEAR(model.EstimatePauseMs(128ull << 20), 4000, 1e-6);
  EXPECT_EQ(model.EstimateBytes(heap),
            EstimateSnapshotBytes(heap, model.heap_bytes_per_node()));
  // A failed or empty capture teaches nothing.
  model.Observe(0, 0, 5);
  EXPECT_NEAR(model.EstimatePauseMs(128ull << 20), 4000, 1e-6);
}

}  // namespace
}  // namespace leakguard
