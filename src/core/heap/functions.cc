#include "core/heap/functions.h"

#include <utility>

namespace leakguard {

FunctionSites::FunctionSites(const HeapGraph& graph,
                             std::string script_root,
                             std::string own_dir)
    : graph_(graph),
      script_root_(std::move(script_root)),
      own_dir_(std::move(own_dir)),
      closure_type_(graph.FindNodeType("closure")),
      internal_type_(graph.FindEdgeType("internal")) {
  while (script_root_.size() > 1 && script_root_.back() == '/')
    script_root_.pop_back();
  while (!own_dir_.empty() && own_dir_.back() == '/')
    own_dir_.pop_back();
  if (!own_dir_.empty())
    own_dir_ += '/';
}

uint32_t FunctionSites::InternalEdge(uint32_t node,
                                     std::string_view name) const {
  if (internal_type_ < 0)
    return kNoNode;
  for (uint32_t e = graph_.first_edge(node); e < graph_.edge_end(node); e++) {
    if (graph_.edge_type(e) == internal_type_ &&
        graph_.string(graph_.edge_name_or_index(e)) == name) {
      return graph_.edge_target(e);
    }
  }
  return kNoNode;
}

uint32_t FunctionSites::SharedOf(uint32_t closure) const {
  return IsClosure(closure) ? InternalEdge(closure, "shared") : kNoNode;
}

uint32_t FunctionSites::ScriptOf(uint32_t closure) const {
  const uint32_t shared = SharedOf(closure);
  if (shared == kNoNode)
    return kNoNode;
  uint32_t script = InternalEdge(shared, "script");
  if (script == kNoNode)
    script = InternalEdge(shared, "script_or_debug_info");
  // A function being debugged links its DebugInfo here instead.
  if (script != kNoNode && InternalEdge(script, "source") == kNoNode) {
    const uint32_t inner = InternalEdge(script, "script");
    script = inner;
  }
  return script;
}

std::string_view FunctionSites::ScriptName(uint32_t script) const {
  if (script == kNoNode)
    return {};
  const uint32_t name = InternalEdge(script, "name");
  if (name != kNoNode)
    return graph_.node_name_string(name);
  return graph_.node_name_string(script);
}

bool FunctionSites::IsInternal(uint32_t closure) const {
  return ScriptName(ScriptOf(closure)).empty() || IsNodeFunction(closure);
}

bool FunctionSites::IsOwnFunction(uint32_t closure) const {
  std::string_view name = ScriptName(ScriptOf(closure));
  constexpr std::string_view kFile = "file://";
  if (name.rfind(kFile, 0) == 0)
    name.remove_prefix(kFile.size());
  if (!own_dir_.empty() && name.rfind(own_dir_, 0) == 0)
    return true;
  return name.find("/node_modules/leakguard/lib/") != std::string_view::npos;
}

std::string FunctionSites::ShortScript(std::string_view name) const {
  constexpr std::string_view kFile = "file://";
  if (name.rfind(kFile, 0) == 0)
    name.remove_prefix(kFile.size());
  const std::string_view root = script_root_;
  if (!root.empty() && root != "/" && name.size() > root.size() + 1 &&
      name.compare(0, root.size(), root) == 0 && name[root.size()] == '/') {
    name.remove_prefix(root.size() + 1);
  }
  return std::string(name);
}

FunctionLocation FunctionSites::Locate(uint32_t closure) const {
  FunctionLocation where;
  if (!IsClosure(closure))
    return where;
  where.script = ShortScript(ScriptName(ScriptOf(closure)));
  if (const SourceLocation* l = graph_.FindLocation(closure)) {
    where.line = l->line + 1;
    where.column = l->column + 1;
  }
  return where;
}

std::string FunctionSites::Label(uint32_t closure) const {
  std::string_view name = graph_.node_name_string(closure);
  std::string out = name.empty() ? std::string("anonymous function")
                                 : std::string(name) + "()";
  const FunctionLocation where = Locate(closure);
  if (where.script.empty())
    return out;
  out += where.line != 0 ? " at " : " in ";
  out += where.script;
  if (where.line != 0) {
    out += ':';
    out += std::to_string(where.line);
    out += ':';
    out += std::to_string(where.column);
  }
  return out;
}

}  // namespace leakguard
