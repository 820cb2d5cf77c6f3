// Helpers for the tests that make real files: a temporary directory
// removed with everything in it, its sorted listing, a file's text.
#ifndef LEAKGUARD_TEST_FILE_TEST_UTIL_H_
#define LEAKGUARD_TEST_FILE_TEST_UTIL_H_

#include <dirent.h>
#include <stdlib.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace leakguard {
namespace test_files {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/leakguard-file-test-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { std::system(("rm -rf '" + path_ + "'").c_str()); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const {
    return path_ + "/" + name;
  }

 private:
  std::string path_;
};

inline std::vector<std::string> List(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr)
    return out;
  while (struct dirent* e = readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..")
      out.push_back(n);
  }
  closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

inline std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace test_files
}  // namespace leakguard

#endif  // LEAKGUARD_TEST_FILE_TEST_UTIL_H_
