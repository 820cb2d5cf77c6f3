// The leak report's words on graphs built by hand, shaped as V8 writes
// them: closures grouped by creation site and named by their location,
// what a group retains, who holds it, dictionary keys as wildcards, and
// paths that prefer the program's edges to Node's bookkeeping.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/analysis/leak_candidates.h"
#include "core/heap/dominators.h"
#include "core/heap/functions.h"
#include "core/heap/heap_graph.h"
#include "core/heap/node_classes.h"
#include "core/heap/retainer_paths.h"
#include "core/heap/snapshot_reader.h"

namespace leakguard {
namespace {

// V8's type numbers (HeapGraph::SetV8Types).
enum NodeType : uint8_t {
  kHidden = 0,
  kArray = 1,
  kString = 2,
  kObject = 3,
  kCode = 4,
  kClosure = 5,
  kSynthetic = 9,
};
enum EdgeType : uint8_t {
  kContext = 0,
  kElement = 1,
  kProperty = 2,
  kInternal = 3,
  kShortcut = 5,
};

// Nodes and edges in any order; Build() adds them as the builder wants
// (each node's edges right after it). Ids are 2 * index + 1, as V8's are
// odd for heap objects.
class GraphSketch {
 public:
  uint32_t Node(uint8_t type, const std::string& name, uint64_t size) {
    nodes_.push_back({type, name, size, {}});
    return static_cast<uint32_t>(nodes_.size() - 1);
  }
  void Edge(uint32_t from, uint8_t type, const std::string& name, uint32_t to) {
    nodes_[from].edges.push_back({type, name, 0, to});
  }
  void Element(uint32_t from, uint8_t type, uint32_t index, uint32_t to) {
    nodes_[from].edges.push_back({type, "", index, to});
  }
  void Locate(uint32_t closure, uint32_t line, uint32_t column) {
    locations_.push_back({closure, 7, line, column});
  }
  static uint32_t Id(uint32_t n) { return 2 * n + 1; }
  uint32_t size() const { return static_cast<uint32_t>(nodes_.size()); }

  HeapGraph Build(bool with_locations = true) const {
    HeapGraph g;
    g.SetV8Types();
    for (const NodeSpec& n : nodes_) {
      uint32_t id = Id(static_cast<uint32_t>(&n - nodes_.data()));
      g.AddNode(n.type, g.InternString(n.name), id, n.size);
      for (const EdgeSpec& e : n.edges) {
        const bool index = e.type == kElement || e.type == 4;
        g.AddEdge(e.type, index ? e.index : g.InternString(e.name), e.to);
      }
    }
    for (const SourceLocation& l : locations_) {
      if (with_locations)
        g.AddLocation(l);
    }
    Status s = g.Finish();
    EXPECT_TRUE(s.ok()) << s.message();
    return g;
  }

 private:
  struct EdgeSpec {
    uint8_t type;
    std::string name;
    uint32_t index;
    uint32_t to;
  };
  struct NodeSpec {
    uint8_t type;
    std::string name;
    uint64_t size;
    std::vector<EdgeSpec> edges;
  };
  std::vector<NodeSpec> nodes_;
  std::vector<SourceLocation> locations_;
};

// A function literal: its SharedFunctionInfo and script.
struct Literal {
  uint32_t shared;
};

Literal MakeLiteral(GraphSketch* s,
                    const std::string& name,
                    const std::string& script_name) {
  const uint32_t shared = s->Node(kCode, name, 40);
  const uint32_t script = s->Node(kCode, script_name, 80);
  const uint32_t source = s->Node(kString, "'use strict';", 100);
  const uint32_t text = s->Node(kString, script_name, 32);
  s->Edge(shared, kInternal, "script", script);
  s->Edge(script, kInternal, "source", source);
  s->Edge(script, kInternal, "name", text);
  return Literal{shared};
}

uint32_t MakeClosure(GraphSketch* s,
                     const Literal& literal,
                     const std::string& name,
                     uint32_t context) {
  const uint32_t c = s->Node(kClosure, name, 32);
  s->Edge(c, kInternal, "shared", literal.shared);
  if (context != kNoNode)
    s->Edge(c, kInternal, "context", context);
  return c;
}

struct Analysed {
  HeapGraph g;
  NodeClasses classes;
  DominatorTree dom;
  FunctionSites sites;
  ShortestPaths paths;
  explicit Analysed(HeapGraph graph, const std::string& root = "/srv")
      : g(std::move(graph)),
        classes(g),
        dom(ComputeDominators(&g)),
        sites(g, root),
        paths(g, &sites) {}
  // Every node at or after `first_new` is new in the target.
  LeakReport Report(uint32_t first_new, uint64_t min_count = 1) {
    std::vector<uint32_t> baseline;
    std::vector<uint32_t> target;
    for (uint32_t n = 0; n < g.node_count(); n++) {
      target.push_back(GraphSketch::Id(n));
      if (n < first_new)
        baseline.push_back(GraphSketch::Id(n));
    }
    LeakOptions options;
    options.min_count = min_count;
    options.min_retained_bytes = 0;
    options.script_root = "/srv";
    return FindLeakCandidates(
        baseline, target, g, classes, dom, sites, paths, options);
  }
};

// A listener leak: bus._events.reload and bus._events.audit are arrays of
// closures from two lines of app.js, each keeping a SessionToken (with a
// claims object) alive through its context.
TEST(LeakReport, ListenersByCreationSiteWithWhatTheyRetain) {
  GraphSketch s;
  const uint32_t root = s.Node(kSynthetic, "", 0);
  const uint32_t global = s.Node(kObject, "global", 100);
  const uint32_t bus = s.Node(kObject, "EventEmitter", 40);
  const uint32_t events = s.Node(kObject, "Object", 40);
  const uint32_t reload = s.Node(kObject, "Array", 32);
  const uint32_t audit = s.Node(kObject, "Array", 32);
  const uint32_t reload_store = s.Node(kArray, "", 16);
  const uint32_t audit_store = s.Node(kArray, "", 16);
  s.Edge(root, kShortcut, "global", global);
  s.Edge(global, kProperty, "bus", bus);
  s.Edge(bus, kProperty, "_events", events);
  s.Edge(events, kProperty, "reload", reload);
  s.Edge(events, kProperty, "audit", audit);
  s.Edge(reload, kInternal, "elements", reload_store);
  s.Edge(audit, kInternal, "elements", audit_store);
  const Literal on_reload = MakeLiteral(&s, "", "/srv/app.js");
  const Literal on_audit = MakeLiteral(&s, "", "/srv/app.js");
  const uint32_t first_new = s.size();
  constexpr uint32_t kLeaked = 30;
  for (uint32_t i = 0; i < 2 * kLeaked; i++) {
    const bool is_reload = i < kLeaked;
    const uint32_t context = s.Node(kObject, "system / Context", 24);
    const uint32_t token = s.Node(kObject, "SessionToken", 48);
    const uint32_t claims = s.Node(kObject, "Object", 64);
    const uint32_t nested = s.Node(kObject, "Object", 16);
    s.Edge(context, kContext, "token", token);
    s.Edge(token, kProperty, "claims", claims);
    s.Edge(claims, kProperty, "roles", nested);
    const uint32_t c =
        MakeClosure(&s, is_reload ? on_reload : on_audit, "", context);
    s.Locate(c, is_reload ? 16 : 20, is_reload ? 51 : 9);
    s.Element(is_reload ? reload_store : audit_store,
              kElement,
              is_reload ? i : i - kLeaked,
              c);
  }
  Analysed a(s.Build());
  LeakReport r = a.Report(first_new);
  ASSERT_EQ(r.groups.size(), 2u);
  const LeakGroup& first = r.groups[0];
  EXPECT_EQ(first.count, kLeaked);
  EXPECT_TRUE(first.has_location);
  EXPECT_EQ(first.location.script, "app.js");
  const bool reload_first = first.location.line == 17;
  const LeakGroup& on17 = reload_first ? r.groups[0] : r.groups[1];
  const LeakGroup& on21 = reload_first ? r.groups[1] : r.groups[0];
  EXPECT_EQ(on17.constructor, "anonymous function at app.js:17:52");
  EXPECT_EQ(on17.location.line, 17u);
  EXPECT_EQ(on17.location.column, 52u);
  EXPECT_EQ(on21.constructor, "anonymous function at app.js:21:10");
  // Each closure dominates its context, token, claims and nested object.
  EXPECT_EQ(on17.retained_size, kLeaked * (32u + 24 + 48 + 64 + 16));
  ASSERT_GE(on17.retains.size(), 2u);
  EXPECT_EQ(on17.retains[0].what, "SessionToken");
  EXPECT_EQ(on17.retains[0].count, kLeaked);
  EXPECT_EQ(on17.retains[0].retained_size, kLeaked * (48u + 64 + 16));
  // Two Objects per token, the inner one inside the outer: counted, but
  // its bytes are already in the outer one's retained size.
  EXPECT_EQ(on17.retains[1].what, "Object");
  EXPECT_EQ(on17.retains[1].count, 2 * kLeaked);
  EXPECT_EQ(on17.retains[1].self_size, kLeaked * (64u + 16));
  EXPECT_EQ(on17.retains[1].retained_size, kLeaked * (64u + 16));
  for (const LeakComposition& c : on17.retains)
    EXPECT_EQ(c.what.find("system / "), std::string::npos) << c.what;
  // Who holds them, in words.
  ASSERT_TRUE(on17.has_holder);
  EXPECT_EQ(on17.holder.expression, "bus._events.reload");
  EXPECT_EQ(on17.holder.node, "Array");
  ASSERT_TRUE(on21.has_holder);
  EXPECT_EQ(on21.holder.expression, "bus._events.audit");
  EXPECT_EQ(on17.path,
            "global \xE2\x86\x92 bus (EventEmitter) \xE2\x86\x92 _events "
            "(Object) \xE2\x86\x92 reload (Array) \xE2\x86\x92 elements "
            "\xE2\x86\x92 anonymous function at app.js:17:52");
  ASSERT_FALSE(on17.hops.empty());
  EXPECT_TRUE(on17.hops.back().has_location);
  EXPECT_EQ(on17.hops.back().location.line, 17u);
  EXPECT_TRUE(on17.keys.empty());

  // Without locations (the addon's copy from V8) the script still names
  // the site, and the two lines are still two groups.
  Analysed bare(s.Build(false));
  LeakReport r2 = bare.Report(first_new);
  ASSERT_EQ(r2.groups.size(), 2u);
  EXPECT_EQ(r2.groups[0].constructor, "anonymous function in app.js");
  EXPECT_EQ(r2.groups[1].constructor, "anonymous function in app.js");
  EXPECT_EQ(r2.groups[0].location.line, 0u);
  EXPECT_EQ(r2.groups[0].count, kLeaked);
}

// A cache in a dictionary-mode object: the values under unique keys are
// one group with a few example keys; the same shape in a fast object (no
// keys in its property store) keeps one group per property.
TEST(LeakReport, DictionaryKeysAreWildcards) {
  GraphSketch s;
  const uint32_t root = s.Node(kSynthetic, "", 0);
  const uint32_t global = s.Node(kObject, "global", 100);
  const uint32_t cache = s.Node(kObject, "Object", 40);
  const uint32_t dict = s.Node(kArray, "(object properties)", 64);
  const uint32_t fast = s.Node(kObject, "Object", 40);
  const uint32_t fast_store = s.Node(kArray, "(object properties)", 64);
  s.Edge(root, kShortcut, "global", global);
  s.Edge(global, kProperty, "cache", cache);
  s.Edge(global, kProperty, "config", fast);
  s.Edge(cache, kInternal, "properties", dict);
  s.Edge(fast, kInternal, "properties", fast_store);
  const uint32_t first_new = s.size();
  constexpr uint32_t kEntries = 25;
  for (uint32_t i = 0; i < kEntries; i++) {
    const std::string url = "/api/items?page=" + std::to_string(i);
    const uint32_t key = s.Node(kString, url, 32);
    const uint32_t buffer = s.Node(kObject, "Buffer", 80);
    const uint32_t bytes = s.Node(kObject, "ArrayBuffer", 1000);
    s.Edge(buffer, kInternal, "buffer", bytes);
    s.Edge(cache, kProperty, url, buffer);
    s.Edge(dict, kInternal, std::to_string(3 * i + 3), key);
    s.Edge(dict, kInternal, std::to_string(3 * i + 4), buffer);
  }
  for (uint32_t i = 0; i < 3; i++) {
    const uint32_t value = s.Node(kObject, "Setting", 50);
    s.Edge(fast, kProperty, "field" + std::to_string(i), value);
    s.Edge(fast_store, kInternal, std::to_string(i), value);
  }
  Analysed a(s.Build());
  LeakReport r = a.Report(first_new);
  ASSERT_FALSE(r.groups.empty());
  const LeakGroup& top = r.groups[0];
  EXPECT_EQ(top.constructor, "Buffer");
  EXPECT_EQ(top.count, kEntries);
  EXPECT_EQ(top.retained_size, kEntries * (80u + 1000));
  ASSERT_EQ(top.keys.size(), 3u);
  EXPECT_EQ(top.keys[0].rfind("/api/items?page=", 0), 0u);
  EXPECT_NE(top.keys[0], top.keys[1]);
  ASSERT_TRUE(top.has_holder);
  EXPECT_EQ(top.holder.expression, "cache");

  // Reached from the global's native context (Node 26 writes such paths),
  // the global's properties are still global variables.
  GraphSketch t;
  const uint32_t troot = t.Node(kSynthetic, "", 0);
  const uint32_t native_context = t.Node(kObject, "system / NativeContext", 64);
  const uint32_t tglobal = t.Node(kObject, "global (global*)", 100);
  const uint32_t holder = t.Node(kObject, "Object", 40);
  const uint32_t things = t.Node(kObject, "Array", 32);
  t.Edge(troot, kElement, "1", native_context);
  t.Edge(native_context, kInternal, "global_object", tglobal);
  t.Edge(tglobal, kProperty, "leakHolder", holder);
  t.Edge(holder, kProperty, "things", things);
  const uint32_t tfirst = t.size();
  for (uint32_t i = 0; i < 3; i++)
    t.Element(things, kElement, i, t.Node(kObject, "LeakedThing", 48));
  Analysed b(t.Build());
  LeakReport rt = b.Report(tfirst);
  ASSERT_EQ(rt.groups.size(), 1u);
  ASSERT_TRUE(rt.groups[0].has_holder);
  EXPECT_EQ(rt.groups[0].holder.expression, "leakHolder.things");
  ASSERT_EQ(top.retains.size(), 1u);
  EXPECT_EQ(top.retains[0].what, "ArrayBuffer");
  // The key strings rank below the values they index.
  for (size_t i = 1; i < r.groups.size(); i++)
    EXPECT_LT(r.groups[i].retained_size, top.retained_size);
  size_t settings = 0;
  for (const LeakGroup& g : r.groups) {
    if (g.constructor == "Setting") {
      settings++;
      EXPECT_EQ(g.count, 1u);
      EXPECT_TRUE(g.keys.empty());
    }
  }
  EXPECT_EQ(settings, 3u);  // field0, field1, field2: three shapes
}

// Node's own functions, their contexts, `process` and a root category
// holding a program object directly are detours: a program-level path wins
// even when it is longer, and without one the detour is still taken.
TEST(RetainerPaths, PreferTheProgramsEdgesToNodesBookkeeping) {
  GraphSketch s;
  const uint32_t root = s.Node(kSynthetic, "", 0);
  const uint32_t gc_roots = s.Node(kSynthetic, "(GC roots)", 0);
  const uint32_t handles = s.Node(kSynthetic, "(Global handles)", 0);
  const uint32_t global = s.Node(kObject, "global", 100);
  const Literal task_queues =
      MakeLiteral(&s, "queueMicrotask", "node:internal/process/task_queues");
  const Literal app = MakeLiteral(&s, "handler", "/srv/app.js");
  const uint32_t internal_context = s.Node(kObject, "system / Context", 24);
  const uint32_t process = s.Node(kObject, "process", 200);
  const uint32_t main_module = s.Node(kObject, "Module", 60);
  const uint32_t exports = s.Node(kObject, "Object", 40);
  const uint32_t stack = s.Node(kSynthetic, "(Stack roots)", 0);
  const uint32_t wrap = s.Node(8 /* native */, "Node / TCPServerWrap", 16);
  const uint32_t server = s.Node(kObject, "Server", 80);
  const uint32_t listeners = s.Node(kObject, "Object", 40);
  const uint32_t app_context = s.Node(kObject, "system / Context", 24);
  const uint32_t requests = s.Node(kObject, "Map", 32);
  const uint32_t queue_fn =
      MakeClosure(&s, task_queues, "queueMicrotask", internal_context);
  const uint32_t handler = MakeClosure(&s, app, "handler", app_context);
  s.Locate(handler, 2, 0);
  const uint32_t orphan = s.Node(kObject, "Timeout", 40);
  s.Edge(root, kShortcut, "global", global);
  s.Edge(root, kElement, "1", gc_roots);
  s.Edge(gc_roots, kElement, "1", handles);
  s.Edge(global, kProperty, "queueMicrotask", queue_fn);
  s.Edge(internal_context, kContext, "process", process);
  s.Edge(internal_context, kContext, "timer", orphan);
  s.Edge(process, kProperty, "mainModule", main_module);
  s.Edge(main_module, kProperty, "exports", exports);
  s.Edge(exports, kProperty, "requests", requests);
  s.Edge(gc_roots, kElement, "2", stack);
  // A stack slot holds the Map directly: shorter, but it names nothing.
  s.Element(stack, kElement, 0, requests);
  s.Element(handles, kElement, 0, wrap);
  s.Edge(wrap, kInternal, "owner", server);
  s.Edge(server, kProperty, "_events", listeners);
  s.Edge(listeners, kProperty, "request", handler);
  s.Edge(app_context, kContext, "requests", requests);
  HeapGraph g = s.Build();
  NodeClasses classes(g);
  FunctionSites sites(g, "/srv");
  EXPECT_TRUE(sites.IsInternal(queue_fn));
  EXPECT_FALSE(sites.IsInternal(handler));
  EXPECT_EQ(sites.Label(handler), "handler() at app.js:3:1");
  EXPECT_EQ(sites.Label(queue_fn),
            "queueMicrotask() in node:internal/process/task_queues");

  ShortestPaths plain(g);
  EXPECT_EQ(FormatPath(g, classes, plain.PathTo(requests)),
            "global \xE2\x86\x92 queueMicrotask() \xE2\x86\x92 context "
            "\xE2\x86\x92 process \xE2\x86\x92 mainModule (Module) "
            "\xE2\x86\x92 exports (Object) \xE2\x86\x92 requests (Map)");
  ShortestPaths paths(g, &sites);
  EXPECT_EQ(FormatPath(g, classes, paths.PathTo(requests), &sites),
            "(GC roots) \xE2\x86\x92 (Global handles) \xE2\x86\x92 Node / "
            "TCPServerWrap \xE2\x86\x92 owner (Server) \xE2\x86\x92 _events "
            "(Object) \xE2\x86\x92 request (handler() at app.js:3:1) "
            "\xE2\x86\x92 context \xE2\x86\x92 requests (Map)");
  EXPECT_EQ(paths.detours(requests), 0u);
  // Only Node's timer context holds the Timeout: the detour is taken.
  ASSERT_TRUE(paths.reachable(orphan));
  EXPECT_EQ(paths.detours(orphan), 2u);  // the function, then its context
  EXPECT_EQ(FormatPath(g, classes, paths.PathTo(orphan), &sites),
            "global \xE2\x86\x92 queueMicrotask() \xE2\x86\x92 context "
            "\xE2\x86\x92 timer (Timeout)");
}

// leakguard's own functions, their contexts and its LeakGuard instance are
// the last resort: its listener list holds the program's scope by a
// shorter way than the program's own, and even a longer one through
// Node's timer code (a detour) wins over it; with no other way in it is
// still taken.
TEST(RetainerPaths, LeakguardsOwnObjectsAreTheLastResort) {
  GraphSketch s;
  const uint32_t root = s.Node(kSynthetic, "", 0);
  const uint32_t gc_roots = s.Node(kSynthetic, "(GC roots)", 0);
  const uint32_t handles = s.Node(kSynthetic, "(Global handles)", 0);
  const Literal own = MakeLiteral(
      &s, "#onEvents", "/opt/srv/node_modules/leakguard/lib/index.js");
  const Literal copy = MakeLiteral(&s, "emit", "/work/leakguard/lib/index.js");
  const Literal timers =
      MakeLiteral(&s, "listOnTimeout", "node:internal/timers");
  const Literal app = MakeLiteral(&s, "tick", "/srv/app.js");
  const uint32_t own_context = s.Node(kObject, "system / Context", 24);
  const uint32_t guard = s.Node(kObject, "LeakGuard", 40);
  const uint32_t events = s.Node(kObject, "Object", 40);
  const uint32_t timer_context = s.Node(kObject, "system / Context", 24);
  const uint32_t app_context = s.Node(kObject, "system / Context", 24);
  const uint32_t orders = s.Node(kObject, "Map", 32);
  const uint32_t only_ours = s.Node(kObject, "Explainer", 32);
  const uint32_t on_events = MakeClosure(&s, own, "#onEvents", own_context);
  const uint32_t list = MakeClosure(&s, timers, "listOnTimeout", timer_context);
  const uint32_t listener = MakeClosure(&s, app, "onLeak", app_context);
  const uint32_t tick = MakeClosure(&s, app, "tick", app_context);
  const uint32_t emit = MakeClosure(&s, copy, "emit", own_context);
  s.Edge(root, kElement, "1", gc_roots);
  s.Edge(gc_roots, kElement, "1", handles);
  s.Element(handles, kElement, 0, on_events);
  s.Edge(own_context, kContext, "this", guard);
  s.Edge(guard, kProperty, "_events", events);
  s.Edge(events, kProperty, "leak", listener);
  s.Edge(guard, kInternal, "explainer", only_ours);
  s.Element(handles, kElement, 1, list);
  const uint32_t timer_list = s.Node(kObject, "TimersList", 40);
  const uint32_t timeout = s.Node(kObject, "Timeout", 40);
  s.Edge(timer_context, kContext, "list", timer_list);
  const uint32_t earlier = s.Node(kObject, "Timeout", 40);
  s.Edge(timer_list, kProperty, "_idleNext", earlier);
  s.Edge(earlier, kProperty, "_idleNext", timeout);
  s.Edge(timeout, kProperty, "_onTimeout", tick);
  s.Edge(app_context, kContext, "orders", orders);
  s.Edge(events, kProperty, "emit", emit);
  HeapGraph g = s.Build();
  NodeClasses classes(g);
  FunctionSites sites(g, "/srv", "/work/leakguard/lib/");
  EXPECT_TRUE(sites.IsOwnFunction(on_events));  // under node_modules/leakguard
  EXPECT_TRUE(sites.IsOwnFunction(emit));       // under own_dir
  EXPECT_FALSE(sites.IsOwnFunction(tick));
  EXPECT_FALSE(sites.IsOwnFunction(list));

  ShortestPaths paths(g, &sites);
  EXPECT_EQ(FormatPath(g, classes, paths.PathTo(orders), &sites),
            "(GC roots) \xE2\x86\x92 (Global handles) \xE2\x86\x92 "
            "listOnTimeout() \xE2\x86\x92 context \xE2\x86\x92 list "
            "(TimersList) \xE2\x86\x92 _idleNext (Timeout) \xE2\x86\x92 "
            "_idleNext (Timeout) \xE2\x86\x92 _onTimeout (tick() in app.js) "
            "\xE2\x86\x92 context "
            "\xE2\x86\x92 orders (Map)");
  // The way through leakguard is shorter.
  EXPECT_LT(ShortestPaths(g).distance(orders), paths.distance(orders));
  // Held by leakguard alone: still reachable, through it.
  ASSERT_TRUE(paths.reachable(only_ours));
  EXPECT_EQ(FormatPath(g, classes, paths.PathTo(only_ours), &sites),
            "(GC roots) \xE2\x86\x92 (Global handles) \xE2\x86\x92 "
            "#onEvents() in /opt/srv/node_modules/leakguard/lib/index.js "
            "\xE2\x86\x92 context \xE2\x86\x92 this (LeakGuard) "
            "\xE2\x86\x92 explainer (Explainer)");
}

TEST(FunctionSites, ScriptsRelativeToTheRootAndFileUrls) {
  GraphSketch s;
  s.Node(kSynthetic, "", 0);
  const Literal esm = MakeLiteral(&s, "load", "file:///srv/lib/esm.mjs");
  const Literal outside = MakeLiteral(&s, "", "/opt/other.js");
  const uint32_t a = MakeClosure(&s, esm, "load", kNoNode);
  const uint32_t b = MakeClosure(&s, outside, "", kNoNode);
  const uint32_t builtin = s.Node(kClosure, "native_bind", 32);
  s.Locate(a, 0, 0);
  HeapGraph g = s.Build();
  FunctionSites sites(g, "/srv/");
  EXPECT_EQ(sites.Label(a), "load() at lib/esm.mjs:1:1");
  EXPECT_EQ(sites.Label(b), "anonymous function in /opt/other.js");
  EXPECT_EQ(sites.Label(builtin), "native_bind()");
  EXPECT_EQ(sites.SharedOf(builtin), kNoNode);
  EXPECT_TRUE(sites.IsInternal(builtin));
  FunctionSites no_root(g, "");
  EXPECT_EQ(no_root.Label(a), "load() at /srv/lib/esm.mjs:1:1");
}

}  // namespace
}  // namespace leakguard
