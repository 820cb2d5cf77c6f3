// The class ("constructor") of every node, named the way Chrome DevTools
// names it, so leakguard's tables line up with what users see there:
// objects and native objects by their own name ("Map", "LeakedRequest",
// "system / Context"), everything else by its type in parentheses
// ("(string)", "(closure)", "(array)", "(compiled code)", "(system)" for
// hidden nodes). Classes are numbered densely so analyses can keep per-class
// totals in plain vectors.
//
// Immutable after construction; safe to share between threads.
#ifndef LEAKGUARD_CORE_NODE_CLASSES_H_
#define LEAKGUARD_CORE_NODE_CLASSES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/heap/heap_graph.h"

namespace leakguard {

class NodeClasses {
 public:
  explicit NodeClasses(const HeapGraph& graph);

  uint32_t class_of(uint32_t node) const { return class_of_[node]; }
  uint32_t class_count() const { return static_cast<uint32_t>(names_.size()); }
  const std::string& name(uint32_t klass) const { return names_[klass]; }
  const std::string& node_class_name(uint32_t node) const {
    return names_[class_of_[node]];
  }

 private:
  std::vector<uint32_t> class_of_;
  std::vector<std::string> names_;
};

}  // namespace leakguard

#endif  // LEAKGUARD_CORE_NODE_CLASSES_H_
