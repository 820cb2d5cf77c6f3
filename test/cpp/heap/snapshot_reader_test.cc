#include "core/heap/snapshot_reader.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "snapshot_test_util.h"

namespace leakguard {
namespace {

using testing_util::FixturePath;
using testing_util::ReadFixture;
using testing_util::Replace;
using testing_util::V8Meta;

Result<HeapGraph> Parse(const std::string& text, size_t chunk = 8u << 20) {
  SnapshotReadOptions options;
  options.chunk_bytes = chunk;
  return ReadSnapshotBuffer(text.data(), text.size(), options);
}

// The error message for `text`, or "" if it parses.
std::string ErrorOf(const std::string& text) {
  Result<HeapGraph> r = Parse(text);
  return r.ok() ? "" : r.status().message();
}

const char kTiny[] =
    R"("nodes":[9,0,1,0,1,0,0,3,1,3,16,0,0,0],"edges":[2,2,7],)"
    R"("strings":["","Foo","bar"]})";

TEST(SnapshotReader, ReadsTheDominatorFixture) {
  Result<HeapGraph> r = ReadSnapshotFile(FixturePath("dominators.json"));
  ASSERT_TRUE(r.ok()) << r.status().message();
  const HeapGraph& g = r.value();
  EXPECT_EQ(g.node_count(), 9u);
  EXPECT_EQ(g.edge_count(), 10u);
  EXPECT_EQ(g.string_count(), 16u);
  EXPECT_EQ(g.node_name_string(2), "A");
  EXPECT_EQ(g.node_id(2), 5u);
  EXPECT_EQ(g.self_size(4), 30u);
  EXPECT_EQ(g.node_type_names()[g.node_type(0)], "synthetic");
  EXPECT_EQ(g.first_edge(2), 2u);
  EXPECT_EQ(g.edge_end(2), 4u);
  // A's edges: b -> B, c -> C (to_node offsets became node indices).
  EXPECT_EQ(g.string(g.edge_name_or_index(2)), "b");
  EXPECT_EQ(g.edge_target(2), 3u);
  EXPECT_EQ(g.edge_target(3), 4u);
  // Edge type names come from edge_types, not node_types.
  EXPECT_EQ(g.edge_type_names()[g.edge_type(7)], "weak");
  EXPECT_EQ(g.edge_type_names()[g.edge_type(0)], "element");
  EXPECT_FALSE(g.edge_has_name(0));
  EXPECT_TRUE(g.edge_has_name(2));
}

TEST(SnapshotReader, TinyChunksGiveTheSameGraph) {
  std::string text = ReadFixture("dominators.json");
  Result<HeapGraph> big = Parse(text);
  ASSERT_TRUE(big.ok()) << big.status().message();
  for (size_t chunk : {256, 257, 300, 511}) {
    Result<HeapGraph> small = Parse(text, chunk);
    ASSERT_TRUE(small.ok()) << chunk << ": " << small.status().message();
    const HeapGraph& a = big.value();
    const HeapGraph& b = small.value();
    ASSERT_EQ(a.node_count(), b.node_count());
    ASSERT_EQ(a.edge_count(), b.edge_count());
    for (uint32_t n = 0; n < a.node_count(); n++) {
      EXPECT_EQ(a.node_id(n), b.node_id(n));
      EXPECT_EQ(a.node_name_string(n), b.node_name_string(n));
      EXPECT_EQ(a.first_edge(n), b.first_edge(n));
    }
    for (uint32_t e = 0; e < a.edge_count(); e++) {
      EXPECT_EQ(a.edge_target(e), b.edge_target(e));
    }
  }
}

TEST(SnapshotReader, ToleratesKeyOrderAndUnknownSections) {
  // Sections before meta, unknown keys, whitespace everywhere, fields of
  // node and edge records in a different order.
  std::string text =
      R"( { "strings" : [ "", "Foo", "bar" ] ,
        "trace_tree":[1,2,[3,[4,{"a":[true,false,null,-1.5e3]}]]],
        "nodes" : [ 1 , 1 , 0 , 9 , 0 , 0 , 3 , 0 , 1 , 5 , 16 , 0 ] ,
        "edges" : [ 6 , 2 , 2 ] ,
        "samples": [], "locations": [6,1,2,3,0,4,5,6],
        "snapshot" : { "node_count" : 2 , "extra_native_bytes": 0,
          "meta" : { "sample_fields" : ["x"],
            "node_fields" : ["id","edge_count","name","type","self_size","detachedness"],
            "node_types" : ["number","number","string",["hidden","array","string","object","code","closure","regexp","number","native","synthetic"],"number","number"],
            "edge_fields" : ["to_node","type","name_or_index"],
            "edge_types" : ["node",["context","element","property","internal","hidden","shortcut","weak"],"string_or_number"] } } } )";
  Result<HeapGraph> r = Parse(text);
  ASSERT_TRUE(r.ok()) << r.status().message();
  const HeapGraph& g = r.value();
  ASSERT_EQ(g.node_count(), 2u);
  EXPECT_EQ(g.node_id(0), 1u);
  EXPECT_EQ(g.node_type_names()[g.node_type(0)], "synthetic");
  EXPECT_EQ(g.node_name_string(1), "Foo");
  EXPECT_EQ(g.self_size(1), 16u);
  ASSERT_EQ(g.edge_count(), 1u);
  EXPECT_EQ(g.edge_target(0), 1u);
  EXPECT_EQ(g.edge_type_names()[g.edge_type(0)], "property");
  EXPECT_EQ(g.string(g.edge_name_or_index(0)), "bar");
  // `locations` came before meta: kept, and replayed once meta was known;
  // only the function's (node 1), not the synthetic root's.
  ASSERT_EQ(g.location_count(), 1u);
  EXPECT_EQ(g.FindLocation(0), nullptr);
  ASSERT_NE(g.FindLocation(1), nullptr);
  EXPECT_EQ(g.FindLocation(1)->script_id, 1u);
  EXPECT_EQ(g.FindLocation(1)->line, 2u);
  EXPECT_EQ(g.FindLocation(1)->column, 3u);
}

// `locations` names a function's node by its offset in `nodes`; the
// reader keeps script, line and column (0-based, as V8 writes them) and
// checks every record like the others.
TEST(SnapshotReader, KeepsFunctionLocations) {
  // Node 1 a function (type 5, "closure"); V8 also writes a location for
  // the root, which is not kept.
  const std::string with =
      Replace(Replace(V8Meta() + kTiny, "0,0,3,1,3,16", "0,0,5,1,3,16"),
              R"("strings")",
              R"("locations":[0,5,1,1,7,5,10,4],"strings")");
  Result<HeapGraph> r = Parse(with);
  ASSERT_TRUE(r.ok()) << r.status().message();
  const HeapGraph& g = r.value();
  ASSERT_EQ(g.location_count(), 1u);
  EXPECT_EQ(g.FindLocation(0), nullptr);
  const SourceLocation* l = g.FindLocation(1);
  ASSERT_NE(l, nullptr);
  EXPECT_EQ(l->script_id, 5u);
  EXPECT_EQ(l->line, 10u);
  EXPECT_EQ(l->column, 4u);

  // location_fields in another order.
  std::string reordered = Replace(
      with,
      R"("edge_fields")",
      R"("location_fields":["line","column","object_index","script_id"],"edge_fields")");
  reordered = Replace(reordered, "[0,5,1,1,7,5,10,4]", "[10,4,7,5]");
  Result<HeapGraph> r2 = Parse(reordered);
  ASSERT_TRUE(r2.ok()) << r2.status().message();
  ASSERT_NE(r2.value().FindLocation(1), nullptr);
  EXPECT_EQ(r2.value().FindLocation(1)->line, 10u);

  // A layout without the four fields leaves locations out.
  Result<HeapGraph> r3 =
      Parse(Replace(with,
                    R"("edge_fields")",
                    R"("location_fields":["object_index"],"edge_fields")"));
  ASSERT_TRUE(r3.ok()) << r3.status().message();
  EXPECT_EQ(r3.value().location_count(), 0u);

  // The ids-only read skips them.
  Result<std::vector<uint32_t>> ids =
      ReadSnapshotIdsBuffer(with.data(), with.size());
  ASSERT_TRUE(ids.ok());

  EXPECT_NE(ErrorOf(Replace(with, "[0,5,1,1,7,5,10,4]", "[8,5,10,4]"))
                .find("not a multiple of the node field count 7"),
            std::string::npos);
  EXPECT_NE(ErrorOf(Replace(with, "[0,5,1,1,7,5,10,4]", "[14,5,10,4]"))
                .find("a location names node 2"),
            std::string::npos)
      << ErrorOf(Replace(with, "[0,5,1,1,7,5,10,4]", "[14,5,10,4]"));
  EXPECT_NE(ErrorOf(Replace(with, "[0,5,1,1,7,5,10,4]", "[7,5,10]"))
                .find("not a multiple of the location field count 4"),
            std::string::npos);
  EXPECT_NE(ErrorOf(Replace(with, "[0,5,1,1,7,5,10,4]", "[7,5,10,4294967296]"))
                .find("above 2^32"),
            std::string::npos);
  EXPECT_NE(ErrorOf(Replace(with, "[0,5,1,1,7,5,10,4]", "[7,5,-1,4]")), "");
}

TEST(SnapshotReader, DecodesStringEscapes) {
  std::string text = V8Meta() +
                     R"("nodes":[9,0,1,0,0,0,0],"edges":[],"strings":[)"
                     R"("a\"b\\c\/d\n\t\u00e9\ud83d\ude00\ud800x"]})";
  Result<HeapGraph> r = Parse(text);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r.value().string(0),
            "a\"b\\c/d\n\t\xC3\xA9\xF0\x9F\x98\x80\xEF\xBF\xBDx");
}

TEST(SnapshotReader, ReadsIdsOnly) {
  Result<std::vector<uint32_t>> r =
      ReadSnapshotIds(FixturePath("leak_target.json"));
  ASSERT_TRUE(r.ok()) << r.status().message();
  std::vector<uint32_t> expected = {
      1, 3, 5, 7, 9, 11, 12, 13, 14, 15, 16, 21, 23};
  EXPECT_EQ(r.value(), expected);
  std::string text = V8Meta() + kTiny;
  Result<std::vector<uint32_t>> ids =
      ReadSnapshotIdsBuffer(text.data(), text.size());
  ASSERT_TRUE(ids.ok()) << ids.status().message();
  EXPECT_EQ(ids.value(), (std::vector<uint32_t>{1, 3}));
}

TEST(SnapshotReader, EveryTruncationIsAnError) {
  std::string text = ReadFixture("dominators.json");
  while (!text.empty() && text.back() == '\n')
    text.pop_back();
  for (size_t len = 0; len < text.size(); len++) {
    Result<HeapGraph> r = Parse(text.substr(0, len), 256);
    ASSERT_FALSE(r.ok()) << "prefix of " << len << " bytes parsed";
    EXPECT_EQ(r.status().message().rfind("at byte ", 0), 0u)
        << r.status().message();
  }
  std::string cut = text.substr(0, 600);
  EXPECT_NE(ErrorOf(cut).find("truncated"), std::string::npos) << ErrorOf(cut);
}

TEST(SnapshotReader, ReportsByteOffsets) {
  std::string text = V8Meta() + Replace(kTiny, "[9,0,1", "[9,x,1");
  std::string err = ErrorOf(text);
  size_t at = text.find("[9,x,1") + 3;
  EXPECT_EQ(err.rfind("at byte " + std::to_string(at) + ": ", 0), 0u) << err;
}

TEST(SnapshotReader, RejectsWrongMeta) {
  std::string tiny = kTiny;
  EXPECT_NE(ErrorOf(Replace(V8Meta(), "\"edge_count\",", "") + tiny)
                .find("wrong meta: node_fields lacks \"edge_count\""),
            std::string::npos);
  EXPECT_NE(ErrorOf(Replace(V8Meta(), "\"to_node\"", "\"target\"") + tiny)
                .find("edge_fields lacks \"to_node\""),
            std::string::npos);
  // edge_types without a list of names for the type field.
  EXPECT_NE(
      ErrorOf(
          Replace(V8Meta(), R"("edge_types":[[)", R"("edge_types":["x",[)") +
          tiny)
          .find("edge_types has no list"),
      std::string::npos);
  EXPECT_NE(ErrorOf(R"({"nodes":[],"edges":[],"strings":[]})")
                .find("no \"snapshot\""),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"snapshot":{},"nodes":[],"edges":[],"strings":[]})")
                .find("has no \"meta\""),
            std::string::npos);
  EXPECT_NE(ErrorOf("[1,2,3]").find("expected '{'"), std::string::npos);
}

TEST(SnapshotReader, RejectsIndicesOutOfRange) {
  std::string m = V8Meta();
  std::string tiny = kTiny;
  // Edge target not a multiple of the node field count.
  EXPECT_NE(ErrorOf(m + Replace(tiny, "[2,2,7]", "[2,2,8]"))
                .find("not a multiple of the node field count 7"),
            std::string::npos);
  // Edge target past the last node.
  EXPECT_NE(ErrorOf(m + Replace(tiny, "[2,2,7]", "[2,2,14]"))
                .find("past the last node"),
            std::string::npos);
  // Node name index out of range.
  EXPECT_NE(ErrorOf(m + Replace(tiny, "3,1,3,16", "3,9,3,16"))
                .find("name index (9) is out of range (3 strings)"),
            std::string::npos);
  // Edge name index out of range.
  EXPECT_NE(ErrorOf(m + Replace(tiny, "[2,2,7]", "[2,5,7]"))
                .find("edge name index (5) is out of range"),
            std::string::npos);
  // Element edges carry an index, not a string: any value is fine.
  EXPECT_EQ(ErrorOf(m + Replace(tiny, "[2,2,7]", "[1,500,7]")), "");
  // Node and edge types out of range.
  EXPECT_NE(ErrorOf(m + Replace(tiny, "[9,0,1", "[16,0,1"))
                .find("has type 16 but meta lists 16 node types"),
            std::string::npos);
  EXPECT_NE(ErrorOf(m + Replace(tiny, "[2,2,7]", "[7,2,7]"))
                .find("but meta lists 7 edge types"),
            std::string::npos);
  // Counts that do not add up.
  EXPECT_NE(ErrorOf(m + Replace(tiny, "[2,2,7]", "[2,2,7,2,2,7]"))
                .find("edge counts add up to 1 but edges holds 2"),
            std::string::npos);
  EXPECT_NE(ErrorOf(m + Replace(tiny, "0,0,0]", "0,0]"))
                .find("not a multiple of the node field count"),
            std::string::npos);
  EXPECT_NE(ErrorOf(m + Replace(tiny, "[2,2,7]", "[2,2]"))
                .find("not a multiple of the edge field count"),
            std::string::npos);
  EXPECT_NE(ErrorOf(Replace(m, "}},", "},\"node_count\":3},") + tiny)
                .find("node_count is 3 but nodes holds 2"),
            std::string::npos);
}

TEST(SnapshotReader, RejectsBadNumbers) {
  std::string m = V8Meta();
  std::string tiny = kTiny;
  EXPECT_NE(ErrorOf(m + Replace(tiny, "3,16,0", "3,99999999999999999999,0"))
                .find("number too large"),
            std::string::npos);
  EXPECT_NE(ErrorOf(m + Replace(tiny, "3,16,0", "3,9007199254740992,0"))
                .find("number too large"),
            std::string::npos);
  EXPECT_EQ(ErrorOf(m + Replace(tiny, "3,16,0", "3,9007199254740991,0")), "");
  EXPECT_NE(ErrorOf(m + Replace(tiny, "3,1,3,16", "3,1,4294967296,16"))
                .find("node id above 2^32"),
            std::string::npos);
  EXPECT_NE(ErrorOf(m + Replace(tiny, "3,16,0", "3,-16,0")).find("negative"),
            std::string::npos);
  EXPECT_NE(ErrorOf(m + Replace(tiny, "3,16,0", "3,16.5,0")).find("integer"),
            std::string::npos);
  EXPECT_NE(ErrorOf(m + Replace(tiny, "3,16,0", "3,1e3,0")).find("integer"),
            std::string::npos);
  EXPECT_NE(
      ErrorOf(m + Replace(tiny, "3,16,0", "3,016,0")).find("leading zero"),
      std::string::npos);
  EXPECT_NE(ErrorOf(m + Replace(tiny, "3,16,0", "3,,0")).find("number"),
            std::string::npos);
}

TEST(SnapshotReader, RejectsMalformedJson) {
  std::string m = V8Meta();
  std::string tiny = kTiny;
  EXPECT_NE(ErrorOf(m + tiny + "x").find("unexpected data after"),
            std::string::npos);
  EXPECT_NE(ErrorOf(m + Replace(tiny, "\"Foo\"", "\"F\x01oo\""))
                .find("control character"),
            std::string::npos);
  EXPECT_NE(
      ErrorOf(m + Replace(tiny, "\"Foo\"", "\"F\\qoo\"")).find("bad escape"),
      std::string::npos);
  EXPECT_NE(ErrorOf(m + Replace(tiny, "\"Foo\"", "\"F\\u12G4\""))
                .find("bad \\u escape"),
            std::string::npos);
  EXPECT_NE(ErrorOf(m + R"("samples":[1,2,],)" + tiny).find("expected a value"),
            std::string::npos);
  EXPECT_NE(ErrorOf(m + R"("samples":[1,2},)" + tiny).find("expected ','"),
            std::string::npos);
  EXPECT_NE(
      ErrorOf(m + R"("samples":[tru],)" + tiny).find("unexpected character"),
      std::string::npos);
  EXPECT_NE(ErrorOf(m + R"("nodes":[],)" + tiny).find("duplicate key"),
            std::string::npos);
  EXPECT_NE(
      ErrorOf(m + Replace(tiny, ",\"strings\":[\"\",\"Foo\",\"bar\"]", ""))
          .find("no \"strings\""),
      std::string::npos);
  // Deep nesting in a skipped section is fine (no recursion) up to a limit.
  std::string deep(50000, '[');
  deep += std::string(50000, ']');
  EXPECT_EQ(ErrorOf(m + "\"trace_tree\":" + deep + "," + tiny), "");
  std::string deeper = std::string(100001, '[') + "1";
  std::string err = ErrorOf(m + "\"trace_tree\":" + deeper);
  EXPECT_NE(err.find("nesting too deep"), std::string::npos) << err;
}

TEST(SnapshotReader, ReportsMissingFiles) {
  Result<HeapGraph> r = ReadSnapshotFile("/nonexistent/x.heapsnapshot");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kIoError);
  EXPECT_NE(r.status().message().find("open /nonexistent/x.heapsnapshot"),
            std::string::npos);
}

}  // namespace
}  // namespace leakguard

namespace leakguard {
namespace {

// The reader's arrays stay within SnapshotReadOptions::max_memory_bytes:
// past it the read fails with kNoHeadroom naming the limit (under
// -fno-exceptions, std::bad_alloc would abort the process instead).
TEST(SnapshotReaderBudget, FailsWithTheLimitInsteadOfAborting) {
  const std::string text = testing_util::ReadFixture("dominators.json");
  SnapshotReadOptions small;
  small.max_memory_bytes = 1000;  // below one growth step of the arrays
  Result<HeapGraph> r = ReadSnapshotBuffer(text.data(), text.size(), small);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNoHeadroom);
  EXPECT_NE(r.status().message().find("1000 B of memory"), std::string::npos)
      << r.status().message();
  // Ids only take 4 bytes a node: the fixture's 9 fit in 1000 bytes, not
  // in 20.
  SnapshotReadOptions ids_only = small;
  EXPECT_TRUE(
      ReadSnapshotIds(testing_util::FixturePath("dominators.json"), ids_only)
          .ok());
  ids_only.max_memory_bytes = 20;
  Result<std::vector<uint32_t>> ids =
      ReadSnapshotIds(testing_util::FixturePath("dominators.json"), ids_only);
  ASSERT_FALSE(ids.ok());
  EXPECT_EQ(ids.status().code(), StatusCode::kNoHeadroom);
  // Within a budget that holds it, the same input reads.
  SnapshotReadOptions enough;
  enough.max_memory_bytes = 64u << 20;
  EXPECT_TRUE(ReadSnapshotBuffer(text.data(), text.size(), enough).ok());
  EXPECT_GT(DefaultReadBudget(), 0u);
}

// A header that declares 1e11 nodes over a sparse 200 GB file reserves
// nothing near that: the read fails on the zeros, not on the allocation.
TEST(SnapshotReaderBudget, ASparseHugeFileIsAParseErrorNotAnAbort) {
  char tmpl[] = "/tmp/leakguard-sparse-XXXXXX";
  const int fd = mkstemp(tmpl);
  ASSERT_GE(fd, 0);
  const std::string head =
      Replace(V8Meta(),
              R"("node"]}},)",
              R"("node"]},"node_count":100000000000,"edge_count":1},)") +
      R"("nodes":[)";
  ASSERT_EQ(write(fd, head.data(), head.size()),
            static_cast<ssize_t>(head.size()));
  ASSERT_EQ(ftruncate(fd, off_t{200} * 1000 * 1000 * 1000), 0);
  close(fd);
  Result<HeapGraph> r = ReadSnapshotFile(tmpl);
  unlink(tmpl);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kParseError) << r.status().message();
}

}  // namespace
}  // namespace leakguard
