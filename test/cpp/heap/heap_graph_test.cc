#include "core/heap/heap_graph.h"

#include <gtest/gtest.h>

namespace leakguard {
namespace {

// Sets V8's node and edge types on `g` and looks up the ones these tests use.
struct V8Types {
  explicit V8Types(HeapGraph* g) {
    g->SetV8Types();
    object = static_cast<uint8_t>(g->FindNodeType("object"));
    synthetic = static_cast<uint8_t>(g->FindNodeType("synthetic"));
    property = static_cast<uint8_t>(g->FindEdgeType("property"));
    element = static_cast<uint8_t>(g->FindEdgeType("element"));
  }
  uint8_t object, synthetic, property, element;
};

TEST(HeapGraph, BuilderMakesCsrArrays) {
  HeapGraph g;
  const V8Types t(&g);
  const uint8_t kObject = t.object, kSynthetic = t.synthetic;
  const uint8_t kProperty = t.property, kElement = t.element;
  uint32_t empty = g.InternString("");
  uint32_t foo = g.InternString("Foo");
  EXPECT_EQ(g.InternString("Foo"), foo);  // interned once
  uint32_t root = g.AddNode(kSynthetic, empty, 1, 0);
  g.AddEdge(kElement, 0, 1);  // forward reference to node 1
  g.AddEdge(kProperty, g.InternString("x"), 2);
  g.AddNode(kObject, foo, 3, 16);
  g.AddNode(kObject, foo, 5, 24);
  g.AddEdge(kProperty, g.InternString("back"), root);
  ASSERT_TRUE(g.Finish().ok());
  EXPECT_EQ(g.node_count(), 3u);
  EXPECT_EQ(g.edge_count(), 3u);
  EXPECT_EQ(g.string_count(), 4u);
  EXPECT_EQ(g.first_edge(0), 0u);
  EXPECT_EQ(g.edge_end(0), 2u);
  EXPECT_EQ(g.edge_end(1), 2u);  // node 1 has no edges
  EXPECT_EQ(g.edge_end(2), 3u);
  EXPECT_EQ(g.string(g.edge_name_or_index(1)), "x");
  EXPECT_FALSE(g.edge_has_name(0));
  EXPECT_EQ(g.node_name_string(2), "Foo");
  EXPECT_EQ(g.FindEdgeType("weak"), 6);
  EXPECT_EQ(g.FindNodeType("nope"), kNoType);

  g.BuildIdIndex();
  EXPECT_EQ(g.FindNodeById(5), 2u);
  EXPECT_EQ(g.FindNodeById(4), kNoNode);

  g.BuildRetainers();
  // Node 2 is retained by the root's "x" edge; the root by node 2's "back".
  ASSERT_EQ(g.retainer_end(2) - g.retainer_begin(2), 1u);
  EXPECT_EQ(g.retainer_node(g.retainer_begin(2)), 0u);
  EXPECT_EQ(g.retainer_edge(g.retainer_begin(2)), 1u);
  ASSERT_EQ(g.retainer_end(0) - g.retainer_begin(0), 1u);
  EXPECT_EQ(g.retainer_node(g.retainer_begin(0)), 2u);
  EXPECT_GT(g.MemoryUsage(), 0u);
}

TEST(HeapGraph, FinishRejectsBadIndices) {
  {
    HeapGraph g;
    g.SetV8Types();
    g.AddNode(9, g.InternString(""), 1, 0);
    g.AddEdge(2, g.InternString("x"), 7);
    Status s = g.Finish();
    EXPECT_EQ(s.code(), StatusCode::kOutOfRange);
    EXPECT_NE(s.message().find("targets node 7 of 1"), std::string::npos);
  }
  {
    HeapGraph g;
    g.SetV8Types();
    g.AddNode(9, 42, 1, 0);
    EXPECT_NE(g.Finish().message().find("name index 42"), std::string::npos);
  }
  {
    HeapGraph g;
    g.SetV8Types();
    g.AddNode(200, g.InternString(""), 1, 0);
    EXPECT_NE(g.Finish().message().find("has type 200"), std::string::npos);
  }
  {
    HeapGraph g;
    EXPECT_FALSE(g.Finish().ok());  // no type names
  }
  HeapGraph g;
  EXPECT_FALSE(g.SetNodeTypes({}).ok());
  EXPECT_FALSE(g.SetEdgeTypes(std::vector<std::string>(256, "x")).ok());
}

TEST(HeapGraph, InternsManyStringsAcrossGrowth) {
  HeapGraph g;
  g.AddString("pre");  // added without interning, still found later
  std::vector<uint32_t> first;
  for (int i = 0; i < 5000; i++) {
    first.push_back(g.InternString("s" + std::to_string(i)));
  }
  for (int i = 0; i < 5000; i++) {
    ASSERT_EQ(g.InternString("s" + std::to_string(i)), first[i]);
  }
  EXPECT_EQ(g.InternString("pre"), 0u);
  EXPECT_EQ(g.string_count(), 5001u);
  EXPECT_EQ(g.string(first[4321]), "s4321");
}

// Two builds of one small graph: the second adds its strings in another
// order and twice over, which must not count as a difference.
HeapGraph SmallGraph(bool shuffled_strings, const char* field) {
  HeapGraph g;
  const V8Types t(&g);
  const uint8_t kObject = t.object, kSynthetic = t.synthetic;
  const uint8_t kProperty = t.property, kElement = t.element;
  if (shuffled_strings) {
    g.AddString(field);
    g.AddString("Foo");
    g.AddString("Foo");
  }
  g.AddNode(kSynthetic, g.InternString(""), 1, 0);
  g.AddEdge(kElement, 7, 1);
  g.AddNode(kObject, g.InternString("Foo"), 3, 16);
  g.AddEdge(kProperty, g.InternString(field), 0);
  EXPECT_TRUE(g.Finish().ok());
  return g;
}

TEST(HeapGraph, FirstDifferenceComparesContentNotStringTables) {
  HeapGraph a = SmallGraph(false, "x");
  HeapGraph b = SmallGraph(true, "x");
  ASSERT_NE(a.string_count(), b.string_count());
  EXPECT_EQ(FirstDifference(a, b), "");
  HeapGraph c = SmallGraph(false, "y");
  EXPECT_EQ(FirstDifference(a, c),
            "node 1 (id 3): edge 0: names differ at byte 0: \"x\" vs \"y\"");
  HeapGraph d;
  d.SetV8Types();
  d.AddNode(0, d.InternString(""), 1, 0);
  ASSERT_TRUE(d.Finish().ok());
  EXPECT_EQ(FirstDifference(a, d), "node counts differ: 2 vs 1");
}

TEST(HeapGraph, FirstDifferenceAllowsV8sSpellingOfTheReplacementCharacter) {
  EXPECT_EQ(V8FileSpelling("a\xEF\xBF\xBD b \xEF\xBF\xBD"), "a??? b ???");
  EXPECT_EQ(V8FileSpelling("plain"), "plain");
  HeapGraph copy = SmallGraph(false, "k\xEF\xBF\xBD");
  EXPECT_EQ(FirstDifference(copy, SmallGraph(false, "k???")), "");
  // Only in that direction, and only for U+FFFD.
  EXPECT_NE(FirstDifference(SmallGraph(false, "k???"), copy), "");
  EXPECT_NE(FirstDifference(copy, SmallGraph(false, "k??")), "");
  EXPECT_NE(FirstDifference(SmallGraph(false, "k?"), SmallGraph(false, "k???")),
            "");
}

}  // namespace
}  // namespace leakguard
