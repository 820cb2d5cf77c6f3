// Functions in a heap graph: where each closure was created, and whether it
// is the program's or Node's own.
//
// A closure node (type "closure") links to its SharedFunctionInfo by the
// internal edge "shared"; closures made by one function literal share it,
// so it names the creation site, in-process copies included. The
// SharedFunctionInfo links to its Script ("script", "script_or_debug_info"
// before V8 12), whose "name" edge is the script's name: a path, a file://
// URL for ES modules, "node:internal/..." for Node's own code. The line and
// column come from the snapshot's `locations` (HeapGraph::FindLocation);
// V8's in-memory snapshot API has none, so copies name the script only.
//
// Labels read as DevTools writes them, 1-based:
// "handle() at app.js:12:3", "anonymous function at lib/bus.js:17:52",
// "handle() in app.js" without a location. A script under `script_root`
// (the process's cwd) is shortened to the path relative to it.
//
// Lookups follow a few edges per call and keep no per-node state; safe to
// share between threads once constructed.
#ifndef LEAKGUARD_CORE_HEAP_FUNCTIONS_H_
#define LEAKGUARD_CORE_HEAP_FUNCTIONS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "core/heap/heap_graph.h"

namespace leakguard {

// Where a function was created, 1-based; line 0 when only the script is
// known, script empty when neither is.
struct FunctionLocation {
  std::string script;
  uint32_t line = 0;
  uint32_t column = 0;
};

class FunctionSites {
 public:
  // `own_dir`: leakguard's own lib/ directory ("" for none); its functions,
  // and those of any copy under node_modules/leakguard/lib/, are "own".
  FunctionSites(const HeapGraph& graph,
                std::string script_root,
                std::string own_dir = "");

  bool IsClosure(uint32_t node) const {
    return closure_type_ >= 0 && graph_.node_type(node) == closure_type_;
  }
  // The closure's SharedFunctionInfo (its creation site), or kNoNode.
  uint32_t SharedOf(uint32_t closure) const;
  // The closure's scope (its internal "context" edge), or kNoNode.
  uint32_t ContextOf(uint32_t closure) const {
    return IsClosure(closure) ? InternalEdge(closure, "context") : kNoNode;
  }
  // Node's own function: a script named "node:...".
  bool IsNodeFunction(uint32_t closure) const {
    return ScriptName(ScriptOf(closure)).rfind("node:", 0) == 0;
  }
  // The Script node of a closure, or kNoNode (V8's builtins have none).
  uint32_t ScriptOf(uint32_t closure) const;
  // The script's name as the snapshot holds it ("" if unnamed).
  std::string_view ScriptName(uint32_t script) const;
  // Node's or V8's own function: a script named "node:..." or none at all.
  bool IsInternal(uint32_t closure) const;
  // leakguard's own function (see the constructor).
  bool IsOwnFunction(uint32_t closure) const;

  FunctionLocation Locate(uint32_t closure) const;
  // "name()" or "anonymous function", then " at script:line:column" or
  // " in script" when known.
  std::string Label(uint32_t closure) const;
  // `name` without a file:// scheme, relative to the script root when
  // under it.
  std::string ShortScript(std::string_view name) const;

 private:
  uint32_t InternalEdge(uint32_t node, std::string_view name) const;

  const HeapGraph& graph_;
  std::string script_root_;
  std::string own_dir_;
  int closure_type_;
  int internal_type_;
};

}  // namespace leakguard

#endif  // LEAKGUARD_CORE_HEAP_FUNCTIONS_H_
