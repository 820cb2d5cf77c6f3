#include "core/heap/node_classes.h"

#include <string_view>
#include <unordered_map>

namespace leakguard {

NodeClasses::NodeClasses(const HeapGraph& graph) {
  const uint32_t nodes = graph.node_count();
  const std::vector<std::string>& types = graph.node_type_names();
  class_of_.resize(nodes);
  // Named types: the node's own name is its class.
  std::vector<bool> named(types.size(), false);
  // One class per unnamed type, created on first use.
  std::vector<uint32_t> type_class(types.size(), kNoNode);
  for (size_t t = 0; t < types.size(); t++) {
    named[t] = types[t] == "object" || types[t] == "native";
  }
  // string index -> class, then text -> class (a builder may repeat text).
  std::vector<uint32_t> string_class(graph.string_count(), kNoNode);
  std::unordered_map<std::string_view, uint32_t> by_text;
  for (uint32_t n = 0; n < nodes; n++) {
    const uint8_t t = graph.node_type(n);
    uint32_t c;
    if (named[t]) {
      const uint32_t s = graph.node_name(n);
      c = string_class[s];
      if (c == kNoNode) {
        std::string_view text = graph.string(s);
        auto it = by_text.find(text);
        if (it == by_text.end()) {
          c = static_cast<uint32_t>(names_.size());
          names_.emplace_back(text);
          by_text.emplace(text, c);
        } else {
          c = it->second;
        }
        string_class[s] = c;
      }
    } else {
      c = type_class[t];
      if (c == kNoNode) {
        c = static_cast<uint32_t>(names_.size());
        const std::string& type = types[t];
        if (type == "hidden") {
          names_.emplace_back("(system)");
        } else if (type == "code") {
          names_.emplace_back("(compiled code)");
        } else {
          names_.push_back("(" + type + ")");
        }
        type_class[t] = c;
      }
    }
    class_of_[n] = c;
  }
}

}  // namespace leakguard
