// The three-snapshot leak report ("analyze").
//
// Take a baseline snapshot, let the program do the work suspected of
// leaking, take a target snapshot, do the work again, take a final one. A
// leak candidate is an object that is new in the target (its id is not in
// the baseline) and still alive in the final snapshot: it survived a whole
// extra round of the same work, which transient objects do not.
//
// What counts as an object: nodes reachable from the root through strong
// edges (an object that only weak edges hold will be collected, so it is no
// leak), of a type a program allocates itself. V8's internals (node types
// hidden, array, code, synthetic and object shape, and objects named
// "system / ...") are never counted on their own: they follow what holds
// them, and their bytes are in its retained size. Likewise a candidate that
// another candidate dominates (a leaked request's url string) is part of
// that one's retained size and not counted again, so counts say how many
// things leaked, not how many V8 nodes.
//
// Candidates are grouped by class and by the shape of their shortest
// retainer path (the edge names and classes along it): 5000 requests in one
// Map form one group, the same class leaking through a second Map another.
// Keys are not part of a shape: element indices, a Map's or Set's slots and
// the properties of a dictionary-mode object (one whose property store
// holds its keys, as V8 makes an object used as a cache of many keys) are
// wildcards, so a cache keyed by URL is one group with a few example keys,
// not one group per URL. Functions are grouped by where they were created
// (their SharedFunctionInfo), not as one "(closure)" class, so two on(...)
// lines leaking listeners give two groups, each named by its source
// location. Groups are ranked by retained size; those below the noise
// threshold (min_count, min_retained_bytes) are dropped.
//
// For each reported group the report says what its objects keep alive
// (`retains`: the program's classes in their dominator subtrees, by
// retained size, V8 internals folded into their owners; an object nested in
// one of its own class counts but adds no retained bytes again), and who
// holds it (`holder`: the last object of the program's on the
// representative path before the group, with the expression that reaches
// it from the nearest variable, "serviceBus._events['config-reload']").
#ifndef LEAKGUARD_CORE_LEAK_CANDIDATES_H_
#define LEAKGUARD_CORE_LEAK_CANDIDATES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/base/json_writer.h"
#include "core/base/option_kinds.h"
#include "core/heap/dominators.h"
#include "core/heap/functions.h"
#include "core/heap/heap_graph.h"
#include "core/heap/node_classes.h"
#include "core/heap/retainer_paths.h"

namespace leakguard {

// V(jsName, field, Type, kind, min, max, default, doc): the leak report's
// options (analyze(), findLeaks(), explain: 'snapshots'). The noise
// threshold: a group is reported only with at least min_count objects and
// min_retained_bytes retained. A program's first requests warm caches and
// compile code; a few dozen survivors are normal, a leak grows with every
// unit of work.
#define LEAKGUARD_LEAK_OPTIONS(V)                              \
  V(top,                                                       \
    top,                                                       \
    size_t,                                                    \
    kInteger,                                                  \
    0,                                                         \
    1e6,                                                       \
    10,                                                        \
    "groups reported, largest retained size first; 0 for all") \
  V(minCount,                                                  \
    min_count,                                                 \
    uint64_t,                                                  \
    kInteger,                                                  \
    1,                                                         \
    option_limits::kMaxSafeInteger,                            \
    20,                                                        \
    "objects a group needs to be reported (the noise floor)")  \
  V(minRetainedBytes,                                          \
    min_retained_bytes,                                        \
    uint64_t,                                                  \
    kInteger,                                                  \
    0,                                                         \
    option_limits::kMaxSafeInteger,                            \
    16 * 1024,                                                 \
    "retained bytes a group needs to be reported (the noise floor)")

struct LeakOptions {
#define V(js, field, Type, kind, min, max, def, doc) \
  Type field = static_cast<Type>(def);
  LEAKGUARD_LEAK_OPTIONS(V)
#undef V
  // Not a row of the table: the directory scripts are shown relative to
  // (the process's cwd, which JavaScript passes as scriptRoot).
  std::string script_root;
  // Not a row either: leakguard's own lib/ directory (JavaScript passes
  // ownScripts), whose functions paths avoid.
  std::string own_scripts;
};

// Where a function was created, for JSON (1-based; line 0: unknown).
struct LeakLocation {
  std::string script;
  uint32_t line = 0;
  uint32_t column = 0;
};

// One step of a representative path, for structured output.
struct LeakPathHop {
  std::string edge;       // label: property/variable name, [i], internal
  std::string edge_type;  // "property", "context", "element", ... ("" first)
  std::string node;       // class of the node reached
  std::string node_type;  // "object", "closure", ...
  std::string name;       // the node's own name (truncated to 100 bytes)
  uint32_t id = 0;        // the node's snapshot id
  bool has_location = false;  // a program's function
  LeakLocation location;
};

// One class (or one function's creation site) of what a group retains.
struct LeakComposition {
  std::string what;  // "SessionToken", "(string)", "handle() at app.js:3:1"
  uint64_t count = 0;
  uint64_t self_size = 0;
  uint64_t retained_size = 0;
};

// The object that keeps a group alive.
struct LeakHolder {
  std::string expression;  // "serviceBus._events['config-reload']"
  std::string node;        // its class: "Array"
  uint32_t id = 0;
  // When the expression starts at a variable of a program's function scope
  // (a module-level variable, a closure's): that function, as
  // "anonymous function at app.js:24:15", and where it is.
  bool has_scope = false;
  std::string scope;
  LeakLocation scope_location;
};

struct LeakGroup {
  // The class, or for functions their label ("anonymous function at
  // app.js:17:52").
  std::string constructor;
  bool has_location = false;  // a group of functions
  LeakLocation location;
  uint64_t count = 0;
  uint64_t self_size = 0;
  uint64_t retained_size = 0;
  std::string path;  // "global → requests (Map) → table → [12] (LeakedRequest)"
  std::vector<LeakPathHop> hops;
  std::vector<LeakComposition> retains;  // largest retained first, at most 8
  bool has_holder = false;
  LeakHolder holder;
  std::vector<std::string> keys;  // a few keys a wildcard stood for
};

struct LeakReport {
  uint64_t baseline_nodes = 0;
  uint64_t target_nodes = 0;
  uint64_t final_nodes = 0;
  uint64_t new_in_target = 0;    // ids in target, not in baseline
  uint64_t still_alive = 0;      // of those, reachable in final
  uint64_t candidates = 0;       // counted objects (see above)
  uint64_t groups_total = 0;     // before the noise threshold
  uint64_t groups_reported = 0;  // after it (before `top`)
  LeakOptions options;
  std::vector<LeakGroup> groups;
};

// `baseline_ids` and `target_ids` are sorted and unique (ReadSnapshotIds).
LeakReport FindLeakCandidates(const std::vector<uint32_t>& baseline_ids,
                              const std::vector<uint32_t>& target_ids,
                              const HeapGraph& final_graph,
                              const NodeClasses& classes,
                              const DominatorTree& dominators,
                              const FunctionSites& sites,
                              const ShortestPaths& paths,
                              const LeakOptions& options);

void WriteLeakReportJson(const LeakReport& report, JsonWriter* out);

}  // namespace leakguard

#endif  // LEAKGUARD_CORE_LEAK_CANDIDATES_H_
