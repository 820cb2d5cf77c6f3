// The "snapshot" section's meta: field names and positions, type lists,
// read once per file (snapshot_parser.h). Cold: nothing here runs per
// node or edge.
#include "core/heap/snapshot_parser.h"

namespace leakguard {

using namespace snapshot_detail;  // NOLINT: this file's own helpers

bool SnapshotParser::ParseStringList(std::vector<std::string>* out) {
  if (!Expect('['))
    return false;
  SkipWs();
  if (*p_ == ']' && p_ != end_) {
    ++p_;
    return true;
  }
  for (;;) {
    out->emplace_back();
    if (!ParseString(&out->back()))
      return false;
    SkipWs();
    if (*p_ == ',' && p_ != end_) {
      ++p_;
    } else if (*p_ == ']' && p_ != end_) {
      ++p_;
      return true;
    } else {
      return Fail("expected ',' or ']' in string list");
    }
  }
}

bool SnapshotParser::ParseTypeList(std::vector<TypeEntry>* out) {
  if (!Expect('['))
    return false;
  SkipWs();
  if (*p_ == ']' && p_ != end_) {
    ++p_;
    return true;
  }
  for (;;) {
    out->emplace_back();
    SkipWs();
    if (*p_ == '[') {
      out->back().is_list = true;
      if (!ParseStringList(&out->back().names))
        return false;
    } else {
      out->back().names.emplace_back();
      if (!ParseString(&out->back().names.back()))
        return false;
    }
    SkipWs();
    if (*p_ == ',' && p_ != end_) {
      ++p_;
    } else if (*p_ == ']' && p_ != end_) {
      ++p_;
      return true;
    } else {
      return Fail("expected ',' or ']' in type list");
    }
  }
}

bool SnapshotParser::ParseMeta() {
  uint64_t meta_offset = Offset();
  const bool ok = ParseObject([this](const std::string& key, uint64_t) {
    if (key == "node_fields") {
      node_fields_.clear();
      return ParseStringList(&node_fields_);
    }
    if (key == "edge_fields") {
      edge_fields_.clear();
      return ParseStringList(&edge_fields_);
    }
    if (key == "node_types") {
      node_types_.clear();
      return ParseTypeList(&node_types_);
    }
    if (key == "edge_types") {
      edge_types_.clear();
      return ParseTypeList(&edge_types_);
    }
    if (key == "location_fields") {
      location_fields_.clear();
      return ParseStringList(&location_fields_);
    }
    return SkipValue();
  });
  if (!ok)
    return false;
  return ApplyMeta(meta_offset);
}

// Derives the record layout from meta. Field positions and type names are
// looked up by name; nothing about V8's current order is assumed.
bool SnapshotParser::ApplyMeta(uint64_t meta_offset) {
  auto bad = [&](const std::string& why) {
    return FailAt(meta_offset, "wrong meta: " + why);
  };
  auto find = [](const std::vector<std::string>& v, const char* name) {
    auto it = std::find(v.begin(), v.end(), name);
    return it == v.end() ? -1 : static_cast<int>(it - v.begin());
  };
  const char* node_required[] = {
      "type", "name", "id", "self_size", "edge_count"};
  for (const char* f : node_required) {
    if (find(node_fields_, f) < 0) {
      return bad(std::string("node_fields lacks \"") + f + "\"");
    }
  }
  const char* edge_required[] = {"type", "name_or_index", "to_node"};
  for (const char* f : edge_required) {
    if (find(edge_fields_, f) < 0) {
      return bad(std::string("edge_fields lacks \"") + f + "\"");
    }
  }
  size_t node_type_field = static_cast<size_t>(find(node_fields_, "type"));
  size_t edge_type_field = static_cast<size_t>(find(edge_fields_, "type"));
  if (node_types_.size() <= node_type_field ||
      !node_types_[node_type_field].is_list) {
    return bad("node_types has no list of names for the \"type\" field");
  }
  if (edge_types_.size() <= edge_type_field ||
      !edge_types_[edge_type_field].is_list) {
    return bad("edge_types has no list of names for the \"type\" field");
  }
  // The easy slip: edge type names are in edge_types, not node_types.
  const std::vector<std::string>& node_type_names =
      node_types_[node_type_field].names;
  const std::vector<std::string>& edge_type_names =
      edge_types_[edge_type_field].names;
  if (node_type_names.empty() || node_type_names.size() > 255 ||
      edge_type_names.empty() || edge_type_names.size() > 255) {
    return bad("a type list is empty or has more than 255 names");
  }
  node_type_count_ = static_cast<uint32_t>(node_type_names.size());
  edge_type_count_ = static_cast<uint32_t>(edge_type_names.size());
  for (size_t i = 0; i < edge_type_names.size(); i++) {
    index_edge_type_[i] =
        edge_type_names[i] == "element" || edge_type_names[i] == "hidden";
  }
  if (node_fields_.size() > kMaxFields || edge_fields_.size() > kMaxFields) {
    return bad("more than " + Num(kMaxFields) + " node or edge fields");
  }
  node_at_type_ = static_cast<size_t>(find(node_fields_, "type"));
  node_at_name_ = static_cast<size_t>(find(node_fields_, "name"));
  node_at_id_ = static_cast<size_t>(find(node_fields_, "id"));
  node_at_size_ = static_cast<size_t>(find(node_fields_, "self_size"));
  node_at_edges_ = static_cast<size_t>(find(node_fields_, "edge_count"));
  edge_at_type_ = static_cast<size_t>(find(edge_fields_, "type"));
  edge_at_name_ = static_cast<size_t>(find(edge_fields_, "name_or_index"));
  edge_at_to_ = static_cast<size_t>(find(edge_fields_, "to_node"));
  efc_ = edge_fields_.size();
  nfc_ = node_fields_.size();
  nfc_divisor_ = ~uint64_t{0} / nfc_ + 1;
  // Locations are an extra: a layout without the four fields V8 writes
  // (or with too many) leaves them out instead of failing the read.
  const char* location_names[] = {
      "object_index", "script_id", "line", "column"};
  lfc_ = location_fields_.size();
  locations_usable_ = lfc_ > 0 && lfc_ <= kMaxFields;
  for (size_t i = 0; i < 4 && locations_usable_; i++) {
    const int at = find(location_fields_, location_names[i]);
    locations_usable_ = at >= 0;
    loc_at_[i] = at < 0 ? 0 : static_cast<size_t>(at);
  }
  closure_type_ = -1;
  for (size_t i = 0; i < node_type_names.size(); i++) {
    if (node_type_names[i] == "closure")
      closure_type_ = static_cast<int>(i);
  }
  if (g_ != nullptr) {
    Status s = g_->SetNodeTypes(node_type_names);
    if (s.ok())
      s = g_->SetEdgeTypes(edge_type_names);
    if (!s.ok())
      return bad(s.message());
  }
  have_meta_ = true;
  return true;
}

}  // namespace leakguard
