#include "core/capture/snapshot_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include "file_test_util.h"

namespace leakguard {
namespace {

using test_files::List;
using test_files::Slurp;
using test_files::TempDir;

TEST(SnapshotName, DefaultTemplate) {
  SnapshotNameParts p;
  p.pid = 42;
  p.unix_ms = 1795455705123;  // 2026-11-23T17:41:45.123Z
  p.reason = "signal";
  EXPECT_EQ(ExpandNameTemplate(kDefaultNameTemplate, p),
            "leakguard-42-20261123T174145.123Z-signal.heapsnapshot");
  EXPECT_EQ(ExpandNameTemplate(kDefaultNameTemplate, p, 2),
            "leakguard-42-20261123T174145.123Z-signal-2.heapsnapshot");
}

TEST(SnapshotName, TemplateGetsExtensionAndPlaceholders) {
  SnapshotNameParts p;
  p.pid = 7;
  p.thread_id = 3;
  p.reason = "../etc/passwd";
  EXPECT_EQ(ExpandNameTemplate("app-{pid}-{tid}-{reason}", p),
            "app-7-3-___etc_passwd.heapsnapshot");
}

TEST(SnapshotName, RejectsTemplatesThatLeaveTheDirectory) {
  EXPECT_TRUE(ValidateNameTemplate(kDefaultNameTemplate).ok());
  EXPECT_TRUE(ValidateNameTemplate("x-{time}.heapsnapshot").ok());
  for (const char* bad : {"",
                          "../x",
                          "a/b",
                          "/abs",
                          "..",
                          ".",
                          ".hidden",
                          "a..b",
                          "a\\b",
                          "x-{nope}",
                          "x-{pid",
                          "x}",
                          "a\nb"}) {
    Status s = ValidateNameTemplate(bad);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_NE(ValidateNameTemplate("../x").message().find(".."),
            std::string::npos);
}

TEST(SnapshotName, SanitizeReason) {
  EXPECT_EQ(SanitizeReason(""), "snapshot");
  EXPECT_EQ(SanitizeReason("near-heap-limit"), "near-heap-limit");
  EXPECT_EQ(SanitizeReason("a b/c"), "a_b_c");
  EXPECT_EQ(SanitizeReason(std::string(100, 'x')).size(), 64u);
}

TEST(SnapshotName, MatchesOnlyOurFiles) {
  const std::string t = kDefaultNameTemplate;
  EXPECT_TRUE(MatchesNameTemplate(
      t, "leakguard-1-20261123T000000.000Z-api.heapsnapshot"));
  EXPECT_TRUE(MatchesNameTemplate(
      t, "leakguard-1-20261123T000000.000Z-api-3.heapsnapshot"));
  EXPECT_FALSE(MatchesNameTemplate(
      t, "leakguard-1-20261123T000000.000Z-api.heapsnapshot.tmp"));
  EXPECT_FALSE(MatchesNameTemplate(t, "Heap.20261123.heapsnapshot"));
  EXPECT_FALSE(MatchesNameTemplate(t, "leakguard-notes.txt"));
  EXPECT_TRUE(MatchesNameTemplate("fixed", "fixed.heapsnapshot"));
  EXPECT_TRUE(MatchesNameTemplate("fixed", "fixed-2.heapsnapshot"));
  EXPECT_FALSE(MatchesNameTemplate("fixed", "fixedX.heapsnapshot"));
  EXPECT_FALSE(MatchesNameTemplate("a[1]", "a1.heapsnapshot"));
  EXPECT_TRUE(MatchesNameTemplate("a[1]", "a[1].heapsnapshot"));
}

TEST(AtomicFileWriter, WritesSyncsAndPublishes) {
  TempDir tmp;
  const std::string dir = tmp.path() + "/a/b";
  AtomicFileWriter w;
  ASSERT_TRUE(w.Open(dir, "s.heapsnapshot").ok());
  EXPECT_EQ(List(dir), std::vector<std::string>{"s.heapsnapshot.tmp"});
  struct stat st;
  ASSERT_EQ(stat(dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(stat(w.tmp_path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_TRUE(w.Write("{\"a\":", 5).ok());
  ASSERT_TRUE(w.Write("1}", 2).ok());
  ASSERT_TRUE(w.Sync().ok());
  ASSERT_TRUE(w.Publish().ok());
  EXPECT_EQ(w.path(), dir + "/s.heapsnapshot");
  EXPECT_EQ(w.bytes_written(), 7u);
  EXPECT_EQ(List(dir), std::vector<std::string>{"s.heapsnapshot"});
  EXPECT_EQ(Slurp(w.path()), "{\"a\":1}");
}

TEST(AtomicFileWriter, NeverReplacesAnExistingFile) {
  TempDir tmp;
  std::ofstream(tmp.path() + "/s.heapsnapshot") << "old";
  AtomicFileWriter w;
  ASSERT_TRUE(w.Open(tmp.path(), "s.heapsnapshot").ok());
  ASSERT_TRUE(w.Write("new", 3).ok());
  ASSERT_TRUE(w.Sync().ok());
  // Another writer takes the chosen name between Open and Publish.
  std::ofstream(tmp.path() + "/s-1.heapsnapshot") << "racer";
  ASSERT_TRUE(w.Publish().ok());
  EXPECT_EQ(Slurp(tmp.path() + "/s.heapsnapshot"), "old");
  EXPECT_EQ(Slurp(tmp.path() + "/s-1.heapsnapshot"), "racer");
  EXPECT_EQ(w.path(), tmp.path() + "/s-2.heapsnapshot");
  EXPECT_EQ(Slurp(w.path()), "new");
}

TEST(AtomicFileWriter, WriteFailureRemovesTheTemporaryFile) {
  TempDir tmp;
  AtomicFileWriter w;
  w.set_fail_after_bytes(4);
  ASSERT_TRUE(w.Open(tmp.path(), "s.heapsnapshot").ok());
  Status s = w.Write("0123456789", 10);
  EXPECT_EQ(s.code(), StatusCode::kIoError);
  EXPECT_EQ(w.error().syscall, "write");
  EXPECT_EQ(w.error().error, ENOSPC);
  EXPECT_EQ(w.error().path, tmp.path() + "/s.heapsnapshot.tmp");
  EXPECT_NE(s.message().find("No space left"), std::string::npos);
  EXPECT_TRUE(List(tmp.path()).empty());
}

TEST(AtomicFileWriter, DestructionBeforePublishRemovesTheFile) {
  TempDir tmp;
  {
    AtomicFileWriter w;
    ASSERT_TRUE(w.Open(tmp.path(), "s.heapsnapshot").ok());
    ASSERT_TRUE(w.Write("x", 1).ok());
  }
  EXPECT_TRUE(List(tmp.path()).empty());
}

TEST(AtomicFileWriter, OpenFailureNamesSyscallAndPath) {
  TempDir tmp;
  std::ofstream(tmp.path() + "/file") << "x";
  AtomicFileWriter w;
  Status s = w.Open(tmp.path() + "/file/sub", "s.heapsnapshot");
  EXPECT_EQ(s.code(), StatusCode::kIoError);
  EXPECT_EQ(w.error().syscall, "mkdir");
  EXPECT_EQ(w.error().error, ENOTDIR);
}

TEST(Retention, RemovesOldestOfOursOnly) {
  TempDir tmp;
  const std::string d = tmp.path();
  const char* names[] = {
      "leakguard-1-20260101T000000.000Z-api.heapsnapshot",
      "leakguard-1-20260101T000001.000Z-api.heapsnapshot",
      "leakguard-1-20260101T000002.000Z-api.heapsnapshot",
      "leakguard-1-20260101T000003.000Z-api.heapsnapshot",
  };
  int age = 100;
  for (const char* n : names) {
    const std::string p = d + "/" + n;
    std::ofstream(p) << "x";
    chmod(p.c_str(), 0600);  // as AtomicFileWriter makes them
    struct timespec times[2] = {{1000 - age, 0}, {1000 - age, 0}};
    utimensat(AT_FDCWD, p.c_str(), times, 0);
    age -= 10;
  }
  std::ofstream(d + "/other.heapsnapshot") << "keep";
  std::ofstream(d + "/leakguard-1-x-api.heapsnapshot.tmp") << "keep";
  // Matches the template, but is not ours: another tool's 0644 file, the
  // oldest of all.
  {
    const std::string p =
        d + "/leakguard-2-20250101T000000.000Z-api.heapsnapshot";
    std::ofstream(p) << "theirs";
    chmod(p.c_str(), 0644);
    struct timespec times[2] = {{1, 0}, {1, 0}};
    utimensat(AT_FDCWD, p.c_str(), times, 0);
  }
  symlink((d + "/other.heapsnapshot").c_str(),
          (d + "/leakguard-9-link-api.heapsnapshot").c_str());
  std::vector<std::string> removed;
  IoError err;
  ASSERT_TRUE(ApplyRetention(d, kDefaultNameTemplate, 2, &removed, &err).ok());
  ASSERT_EQ(removed.size(), 2u);
  EXPECT_EQ(removed[0], d + "/" + names[0]);
  EXPECT_EQ(removed[1], d + "/" + names[1]);
  std::vector<std::string> want = {
      "leakguard-1-20260101T000002.000Z-api.heapsnapshot",
      "leakguard-1-20260101T000003.000Z-api.heapsnapshot",
      "leakguard-1-x-api.heapsnapshot.tmp",
      "leakguard-2-20250101T000000.000Z-api.heapsnapshot",
      "leakguard-9-link-api.heapsnapshot",
      "other.heapsnapshot",
  };
  EXPECT_EQ(List(d), want);
}

TEST(FreeDisk, ReportsForMissingDirectoryViaParent) {
  TempDir tmp;
  uint64_t bytes = 0;
  IoError err;
  ASSERT_TRUE(FreeDiskBytes(tmp.path() + "/not/yet", &bytes, &err).ok());
  EXPECT_GT(bytes, 0u);
}

// What a writer that died leaves is removed; what a live writer holds, a
// young file, another tool's file and a foreign name are not.
TEST(StaleTemporaries, OnlyUnlockedOldOnesOfOursGo) {
  TempDir dir;
  const std::string t = "snap-{time}.heapsnapshot";
  auto make = [&](const std::string& name, time_t age) {
    const std::string path = dir.path() + "/" + name;
    std::ofstream(path) << "partial";
    chmod(path.c_str(), 0600);  // as AtomicFileWriter makes them
    struct timespec times[2];
    times[0].tv_sec = times[1].tv_sec = time(nullptr) - age;
    times[0].tv_nsec = times[1].tv_nsec = 0;
    utimensat(AT_FDCWD, path.c_str(), times, 0);
    return path;
  };
  make("snap-20260101T000000.000Z.heapsnapshot.tmp", 600);   // dead writer
  make("snap-20260101T000001.000Z.heapsnapshot.tmp", 5);     // too young
  make("other-20260101T000000.000Z.heapsnapshot.tmp", 600);  // not ours
  make("snap-20260101T000002.000Z.heapsnapshot", 600);       // published
  // A live writer: an AtomicFileWriter in the middle of its file.
  AtomicFileWriter live;
  ASSERT_TRUE(
      live.Open(dir.path(), "snap-20260101T000003.000Z.heapsnapshot").ok());
  {
    struct timespec times[2];
    times[0].tv_sec = times[1].tv_sec = time(nullptr) - 600;
    times[0].tv_nsec = times[1].tv_nsec = 0;
    utimensat(
        AT_FDCWD,
        (dir.path() + "/snap-20260101T000003.000Z.heapsnapshot.tmp").c_str(),
        times,
        0);
  }
  std::vector<std::string> removed;
  RemoveStaleTemporaries(dir.path(), t, 60, &removed);
  ASSERT_EQ(removed.size(), 1u);
  EXPECT_EQ(removed[0],
            dir.path() + "/snap-20260101T000000.000Z.heapsnapshot.tmp");
  EXPECT_EQ(
      List(dir.path()),
      (std::vector<std::string>{"other-20260101T000000.000Z.heapsnapshot.tmp",
                                "snap-20260101T000001.000Z.heapsnapshot.tmp",
                                "snap-20260101T000002.000Z.heapsnapshot",
                                "snap-20260101T000003.000Z.heapsnapshot.tmp"}));
  live.Abort();
}

// The directory itself is checked, on the descriptor the files are then
// made in: a symbolic link, another user's directory, a group- or
// world-writable one without the sticky bit are refused.
TEST(SnapshotDirectory, RefusesWhatCouldRedirectTheFiles) {
  TempDir tmp;
  const std::string d = tmp.path();
  int fd = -1;
  IoError err;
  // Missing: created 0700.
  ASSERT_TRUE(OpenSnapshotDirectory(d + "/a/b", &fd, &err).ok());
  close(fd);
  struct stat st;
  ASSERT_EQ(stat((d + "/a/b").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  // A link to it is refused, and says where it points.
  ASSERT_EQ(symlink((d + "/a/b").c_str(), (d + "/link").c_str()), 0);
  Status s = OpenSnapshotDirectory(d + "/link", &fd, &err);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("is a symbolic link (to '" + d + "/a/b')"),
            std::string::npos)
      << s.message();
  EXPECT_EQ(fd, -1);
  // World-writable without the sticky bit, then with it (as /tmp).
  ASSERT_EQ(chmod((d + "/a/b").c_str(), 0777), 0);
  s = OpenSnapshotDirectory(d + "/a/b", &fd, &err);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("writable by everyone (mode 0777)"),
            std::string::npos)
      << s.message();
  ASSERT_EQ(chmod((d + "/a/b").c_str(), 01777), 0);
  EXPECT_TRUE(OpenSnapshotDirectory(d + "/a/b", &fd, &err).ok());
  close(fd);
  // Group-writable by this user's own group (umask 002 with user private
  // groups) is fine; by another group it is not.
  ASSERT_EQ(chmod((d + "/a/b").c_str(), 0770), 0);
  EXPECT_TRUE(OpenSnapshotDirectory(d + "/a/b", &fd, &err).ok());
  close(fd);
  if (geteuid() == 0) {
    ASSERT_EQ(chown((d + "/a/b").c_str(), 0, 4243), 0);
    s = OpenSnapshotDirectory(d + "/a/b", &fd, &err);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_NE(s.message().find("writable by group 4243"), std::string::npos)
        << s.message();
    ASSERT_EQ(chown((d + "/a/b").c_str(), 0, 0), 0);
  }
  // Another user's directory (only root can make one here).
  if (geteuid() == 0) {
    ASSERT_EQ(chmod((d + "/a/b").c_str(), 0700), 0);
    ASSERT_EQ(chown((d + "/a/b").c_str(), 4242, 4242), 0);
    s = OpenSnapshotDirectory(d + "/a/b", &fd, &err);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_NE(s.message().find("belongs to uid 4242"), std::string::npos)
        << s.message();
  }
  // The writer refuses the link too, and leaves nothing behind.
  AtomicFileWriter w;
  EXPECT_EQ(w.Open(d + "/link", "x.heapsnapshot").code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace leakguard
