// The streaming parser (snapshot_parser.h): the input window, the JSON
// tokens, the node, edge, location and string sections, and the checks
// that need the whole input. The per-number and per-string loops live
// here, in one translation unit, so they stay inlined.
#include "core/heap/snapshot_parser.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>

namespace leakguard {

using namespace snapshot_detail;  // NOLINT: this file's own helpers

void SnapshotParser::Refill() {
  if (eof_)
    return;
  size_t keep = static_cast<size_t>(end_ - p_);
  if (p_ != buf_.get()) {
    std::memmove(buf_.get(), p_, keep);
    base_ += static_cast<uint64_t>(p_ - buf_.get());
    p_ = buf_.get();
    end_ = p_ + keep;
  }
  size_t room = cap_ - keep;
  size_t got = 0;
  if (fd_ >= 0) {
    ssize_t r;
    do {
      r = read(fd_, end_, room);
    } while (r < 0 && errno == EINTR);
    if (r < 0) {
      int err = errno;
      eof_ = true;
      if (error_.ok()) {
        error_ = Status(StatusCode::kIoError,
                        "at byte " + Num(Offset() + keep) +
                            ": read: " + std::strerror(err));
      }
    } else if (r == 0) {
      eof_ = true;
    } else {
      got = static_cast<size_t>(r);
    }
  } else {
    got = std::min(room, mem_left_);
    std::memcpy(end_, mem_, got);
    mem_ += got;
    mem_left_ -= got;
    if (mem_left_ == 0)
      eof_ = true;
  }
  end_ += got;
  *end_ = '\0';
}

bool SnapshotParser::Expect(char c) {
  SkipWs();
  if (*p_ != c || p_ == end_) {
    return Fail(std::string("expected '") + c + "'");
  }
  ++p_;
  return true;
}

// Parses a JSON string at p_ (which must be '"'), appending its decoded
// UTF-8 to `out` unless it is nullptr. Lone surrogates become U+FFFD.
bool SnapshotParser::ParseString(std::string* out) {
  SkipWs();
  if (*p_ != '"' || p_ == end_)
    return Fail("expected a string");
  ++p_;
  for (;;) {
    const char* start = p_;
    while (kPlain[static_cast<unsigned char>(*p_)])
      ++p_;
    if (out != nullptr)
      out->append(start, static_cast<size_t>(p_ - start));
    char c = *p_;
    if (c == '"') {
      ++p_;
      return true;
    }
    if (p_ == end_) {
      if (eof_)
        return Fail("unterminated string");
      Refill();
      continue;
    }
    if (c != '\\')
      return Fail("control character in string");
    Ensure(12);  // \uXXXX\uXXXX
    char e = p_[1];
    uint32_t cp = 0;
    switch (e) {
      case '"':
      case '\\':
      case '/':
        cp = static_cast<unsigned char>(e);
        break;
      case 'b':
        cp = '\b';
        break;
      case 'f':
        cp = '\f';
        break;
      case 'n':
        cp = '\n';
        break;
      case 'r':
        cp = '\r';
        break;
      case 't':
        cp = '\t';
        break;
      case 'u': {
        uint32_t v = 0;
        for (int i = 2; i < 6; i++) {
          int h = HexValue(p_[i]);
          if (h < 0)
            return Fail("bad \\u escape in string");
          v = v * 16 + static_cast<uint32_t>(h);
        }
        p_ += 4;
        cp = v;
        if (v >= 0xD800 && v <= 0xDBFF && p_[2] == '\\' && p_[3] == 'u') {
          uint32_t lo = 0;
          bool ok = true;
          for (int i = 4; i < 8; i++) {
            int h = HexValue(p_[i]);
            if (h < 0)
              ok = false;
            lo = lo * 16 + static_cast<uint32_t>(h < 0 ? 0 : h);
          }
          if (ok && lo >= 0xDC00 && lo <= 0xDFFF) {
            cp = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00);
            p_ += 6;
          }
        }
        if (cp >= 0xD800 && cp <= 0xDFFF)
          cp = 0xFFFD;
        break;
      }
      default:
        if (p_ + 1 == end_)
          return Fail("unterminated string");
        return Fail("bad escape in string");
    }
    p_ += 2;
    if (out != nullptr)
      AppendUtf8(out, cp);
  }
}

// One non-negative integer of `nodes` or `edges`: the general path, used
// when ParseUintArray's fast loop meets anything but "digits,".
inline bool SnapshotParser::ParseUint(uint64_t* out) {
  if (end_ - p_ < kLookAhead && !eof_)
    Refill();
  const char* q = p_;
  uint64_t v = static_cast<unsigned char>(*q - '0');
  if (v > 9) {
    if (*q == '-')
      return Fail("negative number where a count or index belongs");
    return Fail("expected a number");
  }
  ++q;
  if (v == 0 && IsDigit(*q))
    return Fail("number with a leading zero");
  for (uint32_t d; (d = static_cast<unsigned char>(*q - '0')) <= 9; ++q) {
    v = v * 10 + d;
  }
  // 16 digits hold every integer up to 2^53; longer ones may have wrapped.
  if (q - p_ > 16 || v > kMaxExactInt) {
    return Fail("number too large (above 2^53)");
  }
  char c = *q;
  if (c == '.' || c == 'e' || c == 'E') {
    return Fail("expected an integer, found a fraction or exponent");
  }
  p_ = const_cast<char*>(q);
  *out = v;
  return true;
}

template <typename Sink>
bool SnapshotParser::ParseUintArray(Sink&& sink) {
  if (!Expect('['))
    return false;
  SkipWs();
  if (*p_ == ']' && p_ != end_) {
    ++p_;
    return true;
  }
  for (;;) {
    // Fast path: while plenty of input is buffered, take the common form
    // (digits, optional whitespace, a comma) in a loop over a local pointer
    // the compiler can keep in a register. Anything else (leading
    // whitespace, a refill, an error to report) falls through to the
    // general code below for one value.
    {
      char* p = p_;
      const char* limit = end_ - p_ > kLookAhead ? end_ - kLookAhead : p_;
      while (p < limit) {
        char* start = p;
        uint64_t v = static_cast<unsigned char>(*p - '0');
        if (v > 9 || (v == 0 && IsDigit(p[1])))
          break;
        ++p;
        for (uint32_t d; (d = static_cast<unsigned char>(*p - '0')) <= 9; ++p)
          v = v * 10 + d;
        char c = *p;
        while (IsWs(c))
          c = *++p;
        if (p - start > 16 || v > kMaxExactInt || (c != ',' && c != ']')) {
          p = start;
          break;
        }
        p_ = p;  // for error offsets reported by the sink
        if (!sink(v))
          return false;
        ++p;
        if (c == ']') {
          p_ = p;
          return true;
        }
      }
      p_ = p;
    }
    uint64_t v;
    if (!IsDigit(*p_))
      SkipWs();
    if (!ParseUint(&v))
      return false;
    if (!sink(v))
      return false;
    char c = *p_;
    if (c != ',' && c != ']') {
      SkipWs();
      c = *p_;
    }
    if (c == ',') {
      ++p_;
      continue;
    }
    if (c == ']' && p_ != end_) {
      ++p_;
      return true;
    }
    return Fail("expected ',' or ']' in number array");
  }
}

// Checks one JSON number (any form) and moves past it.
bool SnapshotParser::SkipNumber() {
  Ensure(kLookAhead);
  if (*p_ == '-')
    ++p_;
  auto digits = [this]() {
    size_t n = 0;
    for (;;) {
      while (IsDigit(*p_)) {
        ++p_;
        n++;
      }
      if (p_ != end_ || eof_)
        return n;
      Refill();
    }
  };
  if (digits() == 0)
    return Fail("expected a number");
  if (*p_ == '.') {
    ++p_;
    if (digits() == 0)
      return Fail("expected digits after '.'");
  }
  if (*p_ == 'e' || *p_ == 'E') {
    ++p_;
    Ensure(2);
    if (*p_ == '+' || *p_ == '-')
      ++p_;
    if (digits() == 0)
      return Fail("expected digits in exponent");
  }
  return true;
}

// Checks and skips any JSON value, iteratively (no recursion: a deep
// trace_tree must not overflow the stack).
bool SnapshotParser::SkipValue() {
  std::vector<char> stack;  // '{' or '[' per open container
  for (;;) {
    // Expecting a value.
    SkipWs();
    char c = *p_;
    bool scalar = true;
    if (p_ == end_)
      return Fail("expected a value");
    if (c == '{' || c == '[') {
      ++p_;
      SkipWs();
      char close = c == '{' ? '}' : ']';
      if (*p_ == close && p_ != end_) {
        ++p_;
      } else {
        if (stack.size() >= kMaxDepth)
          return Fail("nesting too deep");
        stack.push_back(c);
        if (c == '{') {
          if (!ParseString(nullptr) || !Expect(':'))
            return false;
        }
        scalar = false;
      }
    } else if (c == '"') {
      if (!ParseString(nullptr))
        return false;
    } else if (c == '-' || IsDigit(c)) {
      if (!SkipNumber())
        return false;
    } else if (c == ']' || c == '}') {
      return Fail("expected a value");
    } else {
      Ensure(5);
      if (std::strncmp(p_, "true", 4) == 0 ||
          std::strncmp(p_, "null", 4) == 0) {
        p_ += 4;
      } else if (std::strncmp(p_, "false", 5) == 0) {
        p_ += 5;
      } else {
        return Fail("unexpected character");
      }
    }
    if (!scalar)
      continue;
    // After a value: close containers until one continues with ','.
    for (;;) {
      if (stack.empty())
        return true;
      SkipWs();
      c = *p_;
      char open = stack.back();
      if (c == ',' && p_ != end_) {
        ++p_;
        if (open == '{') {
          if (!ParseString(nullptr) || !Expect(':'))
            return false;
        }
        break;
      }
      if (p_ != end_ &&
          ((open == '[' && c == ']') || (open == '{' && c == '}'))) {
        ++p_;
        stack.pop_back();
        continue;
      }
      return Fail(open == '[' ? "expected ',' or ']'" : "expected ',' or '}'");
    }
  }
}

bool SnapshotParser::ParseSnapshotSection() {
  bool seen_meta = false;
  const bool ok = ParseObject(
      [this, &seen_meta](const std::string& key, uint64_t key_offset) {
        if (key == "meta") {
          if (seen_meta)
            return FailAt(key_offset, "duplicate key \"meta\"");
          seen_meta = true;
          return ParseMeta();
        }
        if (key == "node_count" || key == "edge_count") {
          SkipWs();
          uint64_t v = 0;
          const bool parsed = ParseUint(&v);
          (key == "node_count" ? meta_node_count_ : meta_edge_count_) = v;
          return parsed;
        }
        return SkipValue();
      });
  if (!ok)
    return false;
  if (!seen_meta)
    return Fail("wrong meta: \"snapshot\" has no \"meta\"");
  return true;
}

// Values are gathered into a record and checked a whole record at a time:
// the field positions come from meta, so a record is a few indexed loads
// rather than a switch per number.
// The error paths of NodeValue and EdgeValue, kept out of line so the hot
// loop does not carry their string building.
bool SnapshotParser::FailRecord(RecordError what, uint64_t v) {
  switch (what) {
    case kNodeType:
      return FailRange("node " + Num(node_count_) + " has type " + Num(v) +
                       " but meta lists " + Num(node_type_count_) +
                       " node types");
    case kNodeName:
      return FailRange("node name index too large");
    case kNodeId:
      return FailRange("node id above 2^32");
    case kTooManyEdges:
      return FailRange("too many edges");
    case kTooManyNodes:
      return FailRange("too many nodes");
    case kEdgeType:
      return FailRange("edge " + Num(edges_seen_) + " has type " + Num(v) +
                       " but meta lists " + Num(edge_type_count_) +
                       " edge types");
    case kEdgeName:
      return FailRange("edge name or index above 2^32");
    case kEdgeTargetMultiple:
      return FailRange("edge " + Num(edges_seen_) + " target " + Num(v) +
                       " is not a multiple of the node field count " +
                       Num(nfc_));
    case kEdgeTargetRange:
      return FailRange("edge " + Num(edges_seen_) + " target " + Num(v) +
                       " is past the last node (" + Num(node_count_) +
                       " nodes)");
  }
  return false;
}

inline bool SnapshotParser::NodeValue(uint64_t v) {
  record_[field_] = v;
  if (++field_ != nfc_)
    return true;
  field_ = 0;
  const uint64_t type = record_[node_at_type_];
  const uint64_t name = record_[node_at_name_];
  const uint64_t id = record_[node_at_id_];
  const uint64_t edges = record_[node_at_edges_];
  if (type >= node_type_count_) {
    return FailRecord(kNodeType, type);
  }
  if (name > kMaxIndex)
    return FailRecord(kNodeName, name);
  if (id > 0xFFFFFFFFu)
    return FailRecord(kNodeId, id);
  edge_total_ += edges;
  if (edge_total_ > kMaxIndex)
    return FailRecord(kTooManyEdges, edge_total_);
  if (++node_count_ > kMaxIndex)
    return FailRecord(kTooManyNodes, node_count_);
  if (name > max_node_name_)
    max_node_name_ = name;
  if (ids_->size() == ids_->capacity() && !GrowNodes())
    return false;
  ids_->push_back(static_cast<uint32_t>(id));
  if (g_ != nullptr) {
    g_->node_types_.push_back(static_cast<uint8_t>(type));
    g_->node_names_.push_back(static_cast<uint32_t>(name));
    g_->self_sizes_.push_back(record_[node_at_size_]);
    // Holds the count for now; Validate() turns counts into offsets.
    g_->first_edges_.push_back(static_cast<uint32_t>(edges));
  }
  return true;
}

inline bool SnapshotParser::EdgeValue(uint64_t v) {
  record_[field_] = v;
  if (++field_ != efc_)
    return true;
  field_ = 0;
  const uint64_t type = record_[edge_at_type_];
  const uint64_t name = record_[edge_at_name_];
  const uint64_t to = record_[edge_at_to_];
  if (type >= edge_type_count_) {
    return FailRecord(kEdgeType, type);
  }
  if (name > 0xFFFFFFFFu)
    return FailRecord(kEdgeName, name);
  // to_node is an offset into `nodes`; store the node index. The
  // multiply-shift is an exact division for 32-bit numerators.
  const uint64_t q =
      to <= 0xFFFFFFFFu
          ? static_cast<uint64_t>(
                (static_cast<unsigned __int128>(nfc_divisor_) * to) >> 64)
          : to / nfc_;
  if (q * nfc_ != to) {
    return FailRecord(kEdgeTargetMultiple, to);
  }
  if (q > kMaxIndex || (nodes_done_ && q >= node_count_)) {
    return FailRecord(kEdgeTargetRange, to);
  }
  if (q > max_target_)
    max_target_ = q;
  // Named edges index the string table; checked in Validate(), when the
  // string count is known.
  if (!index_edge_type_[type] && name > max_edge_name_)
    max_edge_name_ = name;
  any_edge_name_ |= !index_edge_type_[type];
  edges_seen_++;
  if (g_ != nullptr) {
    if (!Room(g_->edge_targets_.size(),
              g_->edge_targets_.capacity(),
              kEdgeBytes,
              &g_->edge_types_,
              &g_->edge_names_,
              &g_->edge_targets_)) {
      return false;
    }
    g_->edge_types_.push_back(static_cast<uint8_t>(type));
    g_->edge_names_.push_back(static_cast<uint32_t>(name));
    g_->edge_targets_.push_back(static_cast<uint32_t>(q));
  }
  return true;
}

bool SnapshotParser::FinishNodes(uint64_t values) {
  if (values % nfc_ != 0) {
    replay_offset_ = nodes_offset_;
    return FailRange("nodes array has " + Num(values) +
                     " numbers, not a multiple of the node field count " +
                     Num(nfc_));
  }
  nodes_done_ = true;
  return true;
}

bool SnapshotParser::FinishEdges(uint64_t values) {
  if (values % efc_ != 0) {
    replay_offset_ = edges_offset_;
    return FailRange("edges array has " + Num(values) +
                     " numbers, not a multiple of the edge field count " +
                     Num(edge_fields_.size()));
  }
  return true;
}

template <SnapshotParser::Section S>
bool SnapshotParser::BufferNumbers() {
  std::vector<uint64_t>& raw = Buffered<S>();
  return ParseUintArray([this, &raw](uint64_t v) {
    if (!Room(raw.size(), raw.capacity(), sizeof(uint64_t), &raw))
      return false;
    raw.push_back(v);
    return true;
  });
}

template <SnapshotParser::Section S>
bool SnapshotParser::ParseNumbers() {
  Restart<S>();
  uint64_t values = 0;
  if (!ParseUintArray([this, &values](uint64_t v) {
        values++;
        return Value<S>(v);
      })) {
    return false;
  }
  return Finish<S>(values);
}

template <SnapshotParser::Section S>
bool SnapshotParser::Replay() {
  std::vector<uint64_t> raw;
  raw.swap(Buffered<S>());
  replay_offset_ = BeganAt<S>();
  Restart<S>();
  for (uint64_t v : raw) {
    if (!Value<S>(v))
      return false;
  }
  return Finish<S>(raw.size());
}

bool SnapshotParser::ParseNodes() {
  SkipWs();
  Begin<Section::kNodes>(Offset());
  if (!have_meta_)
    return BufferNumbers<Section::kNodes>();
  // Reserve from the declared count, but never beyond what the input could
  // hold (two bytes per number) nor beyond the budget, so a lying header
  // (or a sparse file that claims to be huge) cannot exhaust memory.
  const uint64_t per_node = NodeBytes();
  uint64_t hint = std::min(meta_node_count_ == kNoOffset ? 0 : meta_node_count_,
                           input_size_ / (2 * nfc_) + 1);
  hint = std::min(
      {hint, kMaxReserve, (budget_ - std::min(budget_, charged_)) / per_node});
  if (!Charge(hint * per_node))
    return false;
  ids_->reserve(hint);
  if (g_ != nullptr) {
    g_->node_types_.reserve(hint);
    g_->node_names_.reserve(hint);
    g_->self_sizes_.reserve(hint);
    g_->first_edges_.reserve(hint + 1);
  }
  return ParseNumbers<Section::kNodes>();
}

bool SnapshotParser::ParseEdges() {
  SkipWs();
  Begin<Section::kEdges>(Offset());
  if (!have_meta_)
    return BufferNumbers<Section::kEdges>();
  uint64_t efc = edge_fields_.size();
  uint64_t hint = std::min(edge_total_, input_size_ / (2 * efc) + 1);
  if (g_ != nullptr && nodes_done_) {
    hint = std::min({hint,
                     kMaxReserve,
                     (budget_ - std::min(budget_, charged_)) / kEdgeBytes});
    if (!Charge(hint * kEdgeBytes))
      return false;
    g_->edge_types_.reserve(hint);
    g_->edge_names_.reserve(hint);
    g_->edge_targets_.reserve(hint);
  }
  return ParseNumbers<Section::kEdges>();
}

// `locations` (graph mode only): one record per function, whose
// object_index is a node's offset in `nodes` (a multiple of the node field
// count). Kept in the graph at 16 bytes per function; the records are not
// held in between, except when the section comes before meta.
bool SnapshotParser::ParseLocations() {
  SkipWs();
  Begin<Section::kLocations>(Offset());
  if (!have_meta_)
    return BufferNumbers<Section::kLocations>();
  return ParseNumbers<Section::kLocations>();
}

bool SnapshotParser::LocationValue(uint64_t v) {
  if (!locations_usable_)
    return true;
  loc_record_[loc_field_++] = v;
  if (loc_field_ < lfc_)
    return true;
  loc_field_ = 0;
  const uint64_t object = loc_record_[loc_at_[0]];
  if (object % nfc_ != 0) {
    return FailRange("a location's object_index (" + Num(object) +
                     ") is not a multiple of the node field count " +
                     Num(nfc_));
  }
  const uint64_t node = object / nfc_;
  if (node > kMaxIndex || (nodes_done_ && node >= node_count_)) {
    return FailRange("a location names node " + Num(node) + ", past the " +
                     "last node");
  }
  const uint64_t script = loc_record_[loc_at_[1]];
  const uint64_t line = loc_record_[loc_at_[2]];
  const uint64_t column = loc_record_[loc_at_[3]];
  if (script > kMaxIndex || line > kMaxIndex || column > kMaxIndex)
    return FailRange("a location's script, line or column is above 2^32");
  // V8 also writes a location for every object with a constructor (the
  // constructor's); only functions' are kept: 16 bytes each, where an
  // object-heavy heap has several objects per function.
  if (nodes_done_ && closure_type_ >= 0 &&
      g_->node_types_[static_cast<size_t>(node)] != closure_type_) {
    return true;
  }
  std::vector<SourceLocation>& out = g_->locations_;
  if (!Room(out.size(), out.capacity(), sizeof(SourceLocation), &out))
    return false;
  out.push_back(SourceLocation{static_cast<uint32_t>(node),
                               static_cast<uint32_t>(script),
                               static_cast<uint32_t>(line),
                               static_cast<uint32_t>(column)});
  return true;
}

bool SnapshotParser::FinishLocations(uint64_t values) {
  if (locations_usable_ && values % lfc_ != 0) {
    return FailRange("locations holds " + Num(values) +
                     " numbers, not a multiple of the location field count " +
                     Num(lfc_));
  }
  return true;
}

bool SnapshotParser::ParseStrings() {
  if (!Expect('['))
    return false;
  SkipWs();
  if (*p_ == ']' && p_ != end_) {
    ++p_;
    return true;
  }
  std::string* data = g_ != nullptr ? &g_->string_data_ : nullptr;
  size_t data_capacity = data != nullptr ? data->capacity() : 0;
  for (;;) {
    if (!ParseString(data))
      return false;
    if (++string_count_ > kMaxIndex)
      return Fail("too many strings");
    if (g_ != nullptr) {
      // The text grows as it is read; its growth counts against the budget
      // after the fact, so one string past it stops the read.
      if (data->capacity() != data_capacity) {
        if (!Charge(data->capacity() - data_capacity))
          return false;
        data_capacity = data->capacity();
      }
      if (!Room(g_->string_offsets_.size(),
                g_->string_offsets_.capacity(),
                sizeof(g_->string_offsets_[0]),
                &g_->string_offsets_)) {
        return false;
      }
      g_->string_offsets_.push_back(data->size());
    }
    SkipWs();
    if (*p_ == ',' && p_ != end_) {
      ++p_;
    } else if (*p_ == ']' && p_ != end_) {
      ++p_;
      return true;
    } else {
      return Fail("expected ',' or ']' in strings");
    }
  }
}

Status SnapshotParser::Parse() {
  const bool ok =
      ParseObject([this](const std::string& key, uint64_t key_offset) {
        bool* seen = nullptr;
        if (key == "snapshot")
          seen = &seen_snapshot_;
        if (key == "nodes")
          seen = &seen_nodes_;
        if (key == "edges")
          seen = &seen_edges_;
        if (key == "strings")
          seen = &seen_strings_;
        if (key == "locations" && g_ != nullptr)
          seen = &seen_locations_;
        if (seen != nullptr) {
          if (*seen)
            return FailAt(key_offset, "duplicate key \"" + key + "\"");
          *seen = true;
        }
        if (key == "snapshot")
          return ParseSnapshotSection();
        if (key == "nodes")
          return ParseNodes();
        if (key == "edges")
          return ParseEdges();
        if (key == "strings")
          return ParseStrings();
        if (key == "locations" && g_ != nullptr)
          return ParseLocations();
        return SkipValue();
      });
  if (!ok)
    return error_;
  SkipWs();
  if (!AtEnd()) {
    Fail("unexpected data after the snapshot object");
    return error_;
  }
  if (!error_.ok())
    return error_;  // e.g. a read error at the very end
  Validate();
  return error_;
}

// Checks what only the whole input can tell: required sections, buffered
// sections (when meta came late), counts and index ranges.
bool SnapshotParser::Validate() {
  const uint64_t end = Offset();
  if (!seen_snapshot_)
    return FailAt(end, "no \"snapshot\" section (not a heap snapshot?)");
  if (!seen_nodes_)
    return FailAt(end, "no \"nodes\" section");
  if (!seen_edges_)
    return FailAt(end, "no \"edges\" section");
  if (!seen_strings_)
    return FailAt(end, "no \"strings\" section");
  // Replay sections that preceded meta, nodes first (edges check targets).
  // An empty nodes section is finished here too (FinishNodes).
  if ((!raw_nodes_.empty() || !nodes_done_) && !Replay<Section::kNodes>())
    return false;
  if (!raw_edges_.empty() && !Replay<Section::kEdges>())
    return false;
  if (!raw_locations_.empty() && !Replay<Section::kLocations>())
    return false;
  replay_offset_ = nodes_offset_;
  if (meta_node_count_ != kNoOffset && meta_node_count_ != node_count_) {
    return FailRange("snapshot.node_count is " + Num(meta_node_count_) +
                     " but nodes holds " + Num(node_count_));
  }
  if (node_count_ > 0 && max_node_name_ >= string_count_) {
    return FailRange("a node name index (" + Num(max_node_name_) +
                     ") is out of range (" + Num(string_count_) + " strings)");
  }
  replay_offset_ = edges_offset_;
  if (edge_total_ != edges_seen_) {
    return FailRange("node edge counts add up to " + Num(edge_total_) +
                     " but edges holds " + Num(edges_seen_));
  }
  if (meta_edge_count_ != kNoOffset && meta_edge_count_ != edges_seen_) {
    return FailRange("snapshot.edge_count is " + Num(meta_edge_count_) +
                     " but edges holds " + Num(edges_seen_));
  }
  if (edges_seen_ > 0 && max_target_ >= node_count_) {
    return FailRange("an edge targets node " + Num(max_target_) +
                     ", past the last node (" + Num(node_count_) + " nodes)");
  }
  if (any_edge_name_ && max_edge_name_ >= string_count_) {
    return FailRange("an edge name index (" + Num(max_edge_name_) +
                     ") is out of range (" + Num(string_count_) + " strings)");
  }
  if (g_ != nullptr) {
    // Edge counts become CSR offsets.
    std::vector<uint32_t>& first = g_->first_edges_;
    uint32_t sum = 0;
    for (uint32_t& f : first) {
      uint32_t count = f;
      f = sum;
      sum += count;
    }
    first.push_back(sum);
    Status s = g_->Finish();
    if (!s.ok())
      return FailRange(s.message());
  }
  return true;
}

}  // namespace leakguard
