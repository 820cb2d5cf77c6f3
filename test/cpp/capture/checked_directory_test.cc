// The file layer: a directory checked once, names read and written
// relative to it (docs/security.md).
#include "core/capture/checked_directory.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include "core/capture/snapshot_file.h"
#include "file_test_util.h"

namespace leakguard {
namespace {

using test_files::List;
using test_files::Slurp;
using test_files::TempDir;

void Write(const std::string& path, const std::string& text, mode_t mode) {
  std::ofstream(path) << text;
  chmod(path.c_str(), mode);
}

int OpenDir(const std::string& dir) {
  return open(dir.c_str(), O_RDONLY | O_DIRECTORY);
}

TEST(CheckedDirectory, StickySharedIsAcceptedForFilesAndRefusedForRequests) {
  TempDir t;
  chmod(t.path().c_str(), 01777);
  int fd = -1;
  DirectoryInfo info;
  IoError io;
  DirectoryPolicy files;
  ASSERT_TRUE(OpenCheckedDirectory(t.path(), files, &fd, &info, &io).ok());
  EXPECT_TRUE(info.shared);
  close(fd);
  DirectoryPolicy requests;
  requests.allow_shared = false;
  requests.role = "profile request directory";
  const Status s = OpenCheckedDirectory(t.path(), requests, &fd, &info, &io);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("profile request directory"), std::string::npos);
  EXPECT_NE(s.message().find("anyone could leave a request"), std::string::npos)
      << s.message();
  EXPECT_EQ(fd, -1);
  // A private one is not shared.
  chmod(t.path().c_str(), 0700);
  ASSERT_TRUE(OpenCheckedDirectory(t.path(), requests, &fd, &info, &io).ok());
  EXPECT_FALSE(info.shared);
  close(fd);
}

TEST(CheckedDirectory, MissingIsEnoentWithoutCreate) {
  TempDir t;
  DirectoryPolicy p;
  p.create = false;
  int fd = -1;
  IoError io;
  const Status s = OpenCheckedDirectory(t / "none", p, &fd, nullptr, &io);
  EXPECT_EQ(s.code(), StatusCode::kIoError);
  EXPECT_EQ(io.error, ENOENT);
  EXPECT_TRUE(List(t.path()).empty());
}

TEST(CheckedDirectory, OwnerMustBeTheNamedUser) {
  if (geteuid() != 0)
    GTEST_SKIP() << "needs root to give a directory to another user";
  TempDir t;
  const std::string d = t / "svc";
  mkdir(d.c_str(), 0700);
  ASSERT_EQ(chown(d.c_str(), 4343, 4343), 0);
  int fd = -1;
  IoError io;
  DirectoryPolicy mine;  // root's own: another user's directory is refused
  Status s = OpenCheckedDirectory(d, mine, &fd, nullptr, &io);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("belongs to uid 4343"), std::string::npos);
  DirectoryPolicy theirs;  // root's CLI writing for the service's user
  theirs.owner_uid = 4343;
  theirs.owner_gid = 4343;
  ASSERT_TRUE(OpenCheckedDirectory(d, theirs, &fd, nullptr, &io).ok());
  close(fd);
  // Group-writable by that user's own group is still theirs alone.
  chmod(d.c_str(), 0770);
  ASSERT_TRUE(OpenCheckedDirectory(d, theirs, &fd, nullptr, &io).ok());
  close(fd);
}

TEST(ReadGuardedFile, ReadsARegularFileOfOurs) {
  TempDir t;
  Write(t / "req", "{\"id\":\"0123456789abcdef\"}", 0600);
  const int dfd = OpenDir(t.path());
  std::string text;
  int64_t mtime = 0;
  IoError io;
  ASSERT_TRUE(
      ReadGuardedFile(dfd, t.path(), "req", kThisUser, 4096, &text, &mtime, &io)
          .ok());
  EXPECT_EQ(text, "{\"id\":\"0123456789abcdef\"}");
  EXPECT_GT(mtime, 0);
  close(dfd);
}

TEST(ReadGuardedFile, RefusesLinksFifosDevicesAndLargeFiles) {
  TempDir t;
  Write(t / "secret", "root only", 0600);
  ASSERT_EQ(symlink((t / "secret").c_str(), (t / "link").c_str()), 0);
  ASSERT_EQ(mkfifo((t / "fifo").c_str(), 0600), 0);
  ASSERT_EQ(symlink("/dev/zero", (t / "zero").c_str()), 0);
  Write(t / "big", std::string(5000, 'x'), 0600);
  const int dfd = OpenDir(t.path());
  for (const char* name : {"link", "fifo", "zero", "big"}) {
    std::string text = "unchanged";
    IoError io;
    // A FIFO with no writer would block a plain open forever.
    const Status s = ReadGuardedFile(
        dfd, t.path(), name, kThisUser, 4096, &text, nullptr, &io);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << name;
    EXPECT_TRUE(text.empty()) << name;
  }
  std::string text;
  IoError io;
  EXPECT_FALSE(
      ReadGuardedFile(
          dfd, t.path(), "../secret", kThisUser, 4096, &text, nullptr, &io)
          .ok());
  EXPECT_FALSE(ReadGuardedFile(
                   dfd, t.path(), "none", kThisUser, 4096, &text, nullptr, &io)
                   .ok());
  EXPECT_EQ(io.error, ENOENT);
  close(dfd);
}

TEST(ReadGuardedFile, RefusesAnotherUsersFile) {
  if (geteuid() != 0)
    GTEST_SKIP() << "needs root to give a file to another user";
  TempDir t;
  Write(t / "planted", "{}", 0644);
  ASSERT_EQ(chown((t / "planted").c_str(), 4343, 4343), 0);
  const int dfd = OpenDir(t.path());
  std::string text;
  IoError io;
  // Root reads only root's or the named user's files.
  Status s = ReadGuardedFile(
      dfd, t.path(), "planted", 4444, 4096, &text, nullptr, &io);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("belongs to uid 4343"), std::string::npos);
  EXPECT_TRUE(
      ReadGuardedFile(dfd, t.path(), "planted", 4343, 4096, &text, nullptr, &io)
          .ok());
  close(dfd);
}

Status WriteWhole(const std::string& dir,
                  const std::string& name,
                  const std::string& text,
                  PublishMode mode,
                  std::string* path = nullptr) {
  AtomicFileWriter w;
  w.set_mode(mode);
  Status s = w.Open(dir, name);
  if (s.ok())
    s = w.Write(text.data(), text.size());
  if (s.ok())
    s = w.Sync();
  if (s.ok())
    s = w.Publish();
  if (path != nullptr)
    *path = w.path();
  return s;
}

TEST(AtomicFileWriterModes, ReplaceNoReplaceAndNextFreeName) {
  TempDir t;
  ASSERT_TRUE(
      WriteWhole(t.path(), "r.html", "one", PublishMode::kReplace).ok());
  ASSERT_TRUE(
      WriteWhole(t.path(), "r.html", "two", PublishMode::kReplace).ok());
  EXPECT_EQ(Slurp(t / "r.html"), "two");
  const Status s =
      WriteWhole(t.path(), "r.html", "three", PublishMode::kNoReplace);
  EXPECT_EQ(s.code(), StatusCode::kIoError);
  EXPECT_EQ(Slurp(t / "r.html"), "two");
  std::string path;
  ASSERT_TRUE(
      WriteWhole(t.path(), "r.html", "four", PublishMode::kNextFreeName, &path)
          .ok());
  EXPECT_EQ(path, t / "r-1.html");
  EXPECT_EQ(List(t.path()), (std::vector<std::string>{"r-1.html", "r.html"}));
}

TEST(AtomicFileWriterModes, AnotherWritersTemporaryIsLeftAlone) {
  TempDir t;
  Write(t / "r.html.tmp", "someone else's", 0600);
  ASSERT_TRUE(
      WriteWhole(t.path(), "r.html", "mine", PublishMode::kReplace).ok());
  EXPECT_EQ(Slurp(t / "r.html"), "mine");
  EXPECT_EQ(Slurp(t / "r.html.tmp"), "someone else's");
}

TEST(AtomicFileWriterModes, OwnerIsGivenThroughTheDescriptor) {
  if (geteuid() != 0)
    GTEST_SKIP() << "needs root to give a file to another user";
  TempDir t;
  const std::string d = t / "svc";
  mkdir(d.c_str(), 0700);
  ASSERT_EQ(chown(d.c_str(), 4343, 4343), 0);
  DirectoryPolicy theirs;
  theirs.owner_uid = 4343;
  theirs.owner_gid = 4343;
  AtomicFileWriter w;
  w.set_mode(PublishMode::kNoReplace);
  w.set_owner(4343, 4343);
  ASSERT_TRUE(w.Open(d, "req", theirs).ok());
  ASSERT_TRUE(w.Write("x", 1).ok());
  ASSERT_TRUE(w.Sync().ok());
  ASSERT_TRUE(w.Publish().ok());
  struct stat st;
  ASSERT_EQ(lstat((d + "/req").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 4343u);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(DeadTemporaries, ReclaimedAtAnyAgeUnlessLocked) {
  TempDir t;
  const std::string dead = "leakguard-1-a-report.html.tmp";
  const std::string live = "leakguard-2-b-report.html.tmp";
  Write(t / dead, "partial", 0600);
  Write(t / live, "being written", 0600);
  const int held = open((t / live).c_str(), O_RDONLY);
  ASSERT_EQ(flock(held, LOCK_EX | LOCK_NB), 0);
  std::vector<std::string> removed;
  RemoveStaleTemporaries(
      t.path(), "leakguard-{pid}-{time}-report", 0, &removed, ".html");
  EXPECT_EQ(removed, std::vector<std::string>{t / dead});
  EXPECT_EQ(List(t.path()), std::vector<std::string>{live});
  close(held);
}

TEST(Retention, ReportsByTheirOwnExtension) {
  TempDir t;
  for (const char* n : {"leakguard-1-a-report.html",
                        "leakguard-1-b-report.html",
                        "leakguard-1-c-report.html"}) {
    Write(t / n, "r", 0600);
    usleep(5000);  // distinct modification times
  }
  ASSERT_EQ(symlink("/etc/hostname", (t / "leakguard-0-0-report.html").c_str()),
            0);
  std::vector<std::string> removed;
  IoError io;
  ASSERT_TRUE(
      ApplyRetention(
          t.path(), "leakguard-{pid}-{time}-report", 1, &removed, &io, ".html")
          .ok());
  EXPECT_EQ(removed,
            (std::vector<std::string>{t / "leakguard-1-a-report.html",
                                      t / "leakguard-1-b-report.html"}));
  EXPECT_EQ(List(t.path()),
            (std::vector<std::string>{"leakguard-0-0-report.html",
                                      "leakguard-1-c-report.html"}));
}

}  // namespace
}  // namespace leakguard
