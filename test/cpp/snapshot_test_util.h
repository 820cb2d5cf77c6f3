// Helpers shared by the heap-graph tests: fixture files and small
// snapshots written from code.
#ifndef LEAKGUARD_TEST_CPP_SNAPSHOT_TEST_UTIL_H_
#define LEAKGUARD_TEST_CPP_SNAPSHOT_TEST_UTIL_H_

#include <fstream>
#include <sstream>
#include <string>

namespace leakguard {
namespace testing_util {

inline std::string FixturePath(const std::string& name) {
  return std::string(LEAKGUARD_FIXTURES) + "/" + name;
}

inline std::string ReadFixture(const std::string& name) {
  std::ifstream in(FixturePath(name), std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The meta block of current V8, up to and including the comma after it.
inline std::string V8Meta() {
  return R"({"snapshot":{"meta":{"node_fields":["type","name","id","self_size","edge_count","trace_node_id","detachedness"],)"
         R"("node_types":[["hidden","array","string","object","code","closure","regexp","number","native","synthetic","concatenated string","sliced string","symbol","bigint","object shape","wasm object"],"string","number","number","number","number","number"],)"
         R"("edge_fields":["type","name_or_index","to_node"],)"
         R"("edge_types":[["context","element","property","internal","hidden","shortcut","weak"],"string_or_number","node"]}},)";
}

// Replaces the first `from` in `s` (which must occur).
inline std::string Replace(std::string s,
                           const std::string& from,
                           const std::string& to) {
  size_t at = s.find(from);
  if (at != std::string::npos)
    s.replace(at, from.size(), to);
  return s;
}

}  // namespace testing_util
}  // namespace leakguard

#endif  // LEAKGUARD_TEST_CPP_SNAPSHOT_TEST_UTIL_H_
