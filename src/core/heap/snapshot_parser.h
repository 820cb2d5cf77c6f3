// The streaming .heapsnapshot parser behind snapshot_reader.h: internal
// to core/heap (snapshot_parser.cc has the input, the tokens, the node,
// edge, location and string sections and the final checks;
// snapshot_meta.cc the "snapshot" section's meta, which is read once per
// file). Nothing outside core/heap includes this header.
#ifndef LEAKGUARD_CORE_HEAP_SNAPSHOT_PARSER_H_
#define LEAKGUARD_CORE_HEAP_SNAPSHOT_PARSER_H_

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/base/byte_format.h"
#include "core/base/status.h"
#include "core/heap/heap_graph.h"
#include "core/heap/snapshot_reader.h"

namespace leakguard {

namespace snapshot_detail {

// Numbers above this are not exact in JavaScript, so no V8 field holds one.
constexpr uint64_t kMaxExactInt = (uint64_t{1} << 53) - 1;
constexpr uint64_t kMaxIndex = 0xFFFFFFFEu;  // 0xFFFFFFFF is kNoNode
// A number token (at most 16 digits plus a separator) always fits in this
// much look-ahead; the buffer is refilled whenever less is left.
constexpr ptrdiff_t kLookAhead = 64;
constexpr size_t kMinChunk = 256;
// Nesting limit for skipped sections (trace_tree nests one level per frame).
constexpr size_t kMaxDepth = 100000;
// Fields per node or edge record (V8 writes 7 and 3).
constexpr size_t kMaxFields = 32;

constexpr bool IsWs(char c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}
constexpr bool IsDigit(char c) {
  return static_cast<unsigned char>(c - '0') < 10;
}

// Bytes that a string scan can copy without looking twice: not the closing
// quote, not a backslash, not a control character (the sentinel NUL that
// ends the buffer is a control character, so scans stop there too).
constexpr std::array<bool, 256> MakePlainTable() {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; c++)
    t[c] = c >= 0x20 && c != '"' && c != '\\';
  return t;
}
inline constexpr std::array<bool, 256> kPlain = MakePlainTable();

inline std::string Num(uint64_t v) {
  return std::to_string(v);
}

inline int HexValue(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

inline void AppendUtf8(std::string* out, uint32_t cp) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// A type list from meta: node_types[i] is either a list of names (an enum)
// or a single string such as "number".
struct TypeEntry {
  bool is_list = false;
  std::vector<std::string> names;
};

}  // namespace snapshot_detail

// Parses one snapshot. Not a public class: the functions in
// snapshot_reader.h create one per call. Declared in heap_graph.h as a
// friend so it can fill the graph's arrays without per-value calls.
class SnapshotParser {
 public:
  SnapshotParser(int fd,
                 const char* mem,
                 size_t mem_size,
                 uint64_t input_size,
                 const SnapshotReadOptions& options,
                 HeapGraph* graph,
                 std::vector<uint32_t>* ids)
      : fd_(fd),
        mem_(mem),
        mem_left_(mem_size),
        input_size_(input_size),
        budget_(options.max_memory_bytes != 0 ? options.max_memory_bytes
                                              : DefaultReadBudget()),
        cap_(std::max(options.chunk_bytes, snapshot_detail::kMinChunk)),
        buf_(new char[cap_ + 1]),
        g_(graph),
        ids_(graph != nullptr ? &graph->ids_ : ids) {
    p_ = end_ = buf_.get();
    *end_ = '\0';
  }

  Status Parse();

 private:
  // --- Input --------------------------------------------------------------
  void Refill();
  void SkipWs() {
    for (;;) {
      while (snapshot_detail::IsWs(*p_))
        ++p_;
      if (p_ != end_ || eof_)
        return;
      Refill();
    }
  }
  // Makes `n` bytes visible unless the input ends first.
  void Ensure(ptrdiff_t n) {
    while (end_ - p_ < n && !eof_)
      Refill();
  }
  uint64_t Offset() const { return base_ + (p_ - buf_.get()); }
  bool AtEnd() const { return p_ == end_ && eof_; }

  // --- Errors -------------------------------------------------------------
  // Records the first error only; later ones are consequences.
  bool FailAt(uint64_t offset, const std::string& reason) {
    if (error_.ok()) {
      error_ =
          Status(StatusCode::kParseError,
                 "at byte " + snapshot_detail::Num(offset) + ": " + reason);
    }
    return false;
  }
  bool Fail(const std::string& reason) {
    if (p_ == end_ && eof_) {
      return FailAt(Offset(), "unexpected end of input (truncated?)");
    }
    return FailAt(Offset(), reason);
  }
  // The arrays would outgrow the memory budget.
  [[gnu::noinline, gnu::cold]] bool FailBudget(uint64_t wanted) {
    if (error_.ok()) {
      error_ =
          Status(StatusCode::kNoHeadroom,
                 "at byte " + snapshot_detail::Num(Offset()) +
                     ": reading it needs more than " +
                     FormatBytesIec(static_cast<double>(budget_)) +
                     " of memory (the reader's limit: half the machine's "
                     "memory, or what the container has left; " +
                     FormatBytesIec(static_cast<double>(wanted)) + " wanted)");
    }
    return false;
  }
  // Takes `bytes` more of the budget, or fails.
  bool Charge(uint64_t bytes) {
    if (bytes > budget_ || charged_ > budget_ - bytes)
      return FailBudget(charged_ + bytes);
    charged_ += bytes;
    return true;
  }
  // Room for one more record in arrays that grow together (`per` bytes per
  // record), reserved geometrically within the budget.
  template <typename... V>
  bool Room(size_t size, size_t capacity, uint64_t per, V*... arrays) {
    if (size < capacity)
      return true;
    const uint64_t next =
        std::max<uint64_t>(4096, static_cast<uint64_t>(capacity) * 2);
    if (!Charge((next - capacity) * per))
      return false;
    (arrays->reserve(static_cast<size_t>(next)), ...);
    return true;
  }
  bool FailRange(const std::string& reason) {
    uint64_t at = replay_offset_ != kNoOffset ? replay_offset_ : Offset();
    if (error_.ok()) {
      error_ = Status(StatusCode::kOutOfRange,
                      "at byte " + snapshot_detail::Num(at) + ": " + reason);
    }
    return false;
  }

  // --- Tokens -------------------------------------------------------------
  bool Expect(char c);
  bool ParseString(std::string* out);
  bool ParseUint(uint64_t* out);
  template <typename Sink>
  bool ParseUintArray(Sink&& sink);
  // `{ "key": value, ... }`: member(key, key_offset) parses each value and
  // returns false, with the error set, to stop.
  template <typename Member>
  bool ParseObject(Member&& member);
  bool SkipNumber();
  bool SkipValue();

  // --- Sections -----------------------------------------------------------
  bool ParseSnapshotSection();
  bool ParseMeta();
  bool ParseStringList(std::vector<std::string>* out);
  bool ParseTypeList(std::vector<snapshot_detail::TypeEntry>* out);
  bool ApplyMeta(uint64_t meta_offset);
  bool ParseNodes();
  bool ParseEdges();
  bool ParseStrings();
  bool ParseLocations();
  bool LocationValue(uint64_t v);
  bool FinishLocations(uint64_t values);
  enum RecordError {
    kNodeType,
    kNodeName,
    kNodeId,
    kTooManyEdges,
    kTooManyNodes,
    kEdgeType,
    kEdgeName,
    kEdgeTargetMultiple,
    kEdgeTargetRange,
  };
  [[gnu::noinline, gnu::cold]] bool FailRecord(RecordError what, uint64_t v);
  bool NodeValue(uint64_t v);
  bool EdgeValue(uint64_t v);
  // Bytes the arrays take per node (ids only, or the whole graph) and per
  // edge.
  uint64_t NodeBytes() const {
    return g_ == nullptr
               ? sizeof(uint32_t)
               : sizeof(uint32_t) + sizeof(uint8_t) + sizeof(uint32_t) +
                     sizeof(uint64_t) + sizeof(uint32_t);
  }
  // Records reserved up front at most: declared counts are a hint, and
  // beyond this the arrays grow as the records arrive.
  static constexpr uint64_t kMaxReserve = uint64_t{1} << 25;
  static constexpr uint64_t kEdgeBytes =
      sizeof(uint8_t) + sizeof(uint32_t) + sizeof(uint32_t);
  [[gnu::noinline]] bool GrowNodes() {
    if (g_ == nullptr)
      return Room(ids_->size(), ids_->capacity(), NodeBytes(), ids_);
    return Room(ids_->size(),
                ids_->capacity(),
                NodeBytes(),
                ids_,
                &g_->node_types_,
                &g_->node_names_,
                &g_->self_sizes_,
                &g_->first_edges_);
  }
  bool FinishNodes(uint64_t values);
  bool FinishEdges(uint64_t values);
  // The three number sections, handled alike. Once meta is known a
  // section's numbers go straight into the graph (Value, then Finish on
  // the count); one that comes before meta is buffered and replayed
  // through the same two in Validate(). Templates, so the per-number call
  // stays direct.
  enum class Section { kNodes, kEdges, kLocations };
  template <Section S>
  bool Value(uint64_t v) {
    if constexpr (S == Section::kNodes)
      return NodeValue(v);
    else if constexpr (S == Section::kEdges)
      return EdgeValue(v);
    else
      return LocationValue(v);
  }
  template <Section S>
  bool Finish(uint64_t values) {
    if constexpr (S == Section::kNodes)
      return FinishNodes(values);
    else if constexpr (S == Section::kEdges)
      return FinishEdges(values);
    else
      return FinishLocations(values);
  }
  template <Section S>
  std::vector<uint64_t>& Buffered() {
    if constexpr (S == Section::kNodes)
      return raw_nodes_;
    else if constexpr (S == Section::kEdges)
      return raw_edges_;
    else
      return raw_locations_;
  }
  // Where the section began, and its record field back to the first.
  template <Section S>
  void Begin(uint64_t offset) {
    if constexpr (S == Section::kNodes)
      nodes_offset_ = offset;
    else if constexpr (S == Section::kEdges)
      edges_offset_ = offset;
    else
      locations_offset_ = offset;
    Restart<S>();
  }
  template <Section S>
  void Restart() {
    if constexpr (S == Section::kLocations)
      loc_field_ = 0;
    else
      field_ = 0;
  }
  template <Section S>
  uint64_t BeganAt() const {
    if constexpr (S == Section::kNodes)
      return nodes_offset_;
    else if constexpr (S == Section::kEdges)
      return edges_offset_;
    else
      return locations_offset_;
  }
  // The section's numbers, buffered within the budget (before meta).
  template <Section S>
  bool BufferNumbers();
  // The section's numbers into the graph (after meta).
  template <Section S>
  bool ParseNumbers();
  // A buffered section, through Value and Finish.
  template <Section S>
  bool Replay();
  bool Validate();

  static constexpr uint64_t kNoOffset = ~uint64_t{0};

  // Input state. buf_[0] is byte base_ of the input; [p_, end_) is unread;
  // *end_ is always '\0' so scans stop at the end without a bounds check.
  int fd_;
  const char* mem_;
  size_t mem_left_;
  uint64_t input_size_;
  uint64_t budget_;       // bytes the arrays may take (SnapshotReadOptions)
  uint64_t charged_ = 0;  // bytes reserved for them so far
  size_t cap_;
  std::unique_ptr<char[]> buf_;
  char* p_;
  char* end_;
  uint64_t base_ = 0;
  bool eof_ = false;
  Status error_;

  // Output. In ids-only mode g_ is nullptr and only ids_ is filled.
  HeapGraph* g_;
  std::vector<uint32_t>* ids_;

  // Meta.
  bool have_meta_ = false;
  std::vector<std::string> node_fields_;
  std::vector<std::string> edge_fields_;
  std::vector<snapshot_detail::TypeEntry> node_types_;
  std::vector<snapshot_detail::TypeEntry> edge_types_;
  // Position of each field in a node or edge record.
  size_t node_at_type_ = 0;
  size_t node_at_name_ = 0;
  size_t node_at_id_ = 0;
  size_t node_at_size_ = 0;
  size_t node_at_edges_ = 0;
  size_t edge_at_type_ = 0;
  size_t edge_at_name_ = 0;
  size_t edge_at_to_ = 0;
  uint64_t efc_ = 0;  // edge field count
  // index_edge_type_[t]: edges of type t carry an index, not a string.
  bool index_edge_type_[256] = {};
  uint64_t record_[snapshot_detail::kMaxFields] = {};
  uint32_t node_type_count_ = 0;
  uint32_t edge_type_count_ = 0;
  uint64_t nfc_ = 0;          // node field count
  uint64_t nfc_divisor_ = 0;  // ceil(2^64 / nfc_), for exact division below
  uint64_t meta_node_count_ = kNoOffset;
  uint64_t meta_edge_count_ = kNoOffset;

  // Sections seen, and buffered numbers for sections that came before meta.
  bool seen_snapshot_ = false;
  bool seen_nodes_ = false;
  bool seen_edges_ = false;
  bool seen_strings_ = false;
  bool nodes_done_ = false;
  std::vector<uint64_t> raw_nodes_;
  std::vector<uint64_t> raw_edges_;
  std::vector<uint64_t> raw_locations_;  // `locations` before meta
  uint64_t locations_offset_ = 0;
  bool seen_locations_ = false;
  // Position of object_index, script_id, line and column in a location
  // record (location_fields; V8's order when meta has none), and the
  // record length.
  std::vector<std::string> location_fields_{
      "object_index", "script_id", "line", "column"};
  size_t loc_at_[4] = {0, 1, 2, 3};
  bool locations_usable_ = true;
  uint64_t lfc_ = 4;
  size_t loc_field_ = 0;
  uint64_t loc_record_[snapshot_detail::kMaxFields] = {};
  int closure_type_ = -1;  // the "closure" node type, once meta is known
  uint64_t nodes_offset_ = 0;
  uint64_t edges_offset_ = 0;
  uint64_t replay_offset_ = kNoOffset;

  // Decoding state.
  size_t field_ = 0;
  uint64_t node_count_ = 0;
  uint64_t edge_total_ = 0;  // sum of edge_count fields
  uint64_t edges_seen_ = 0;
  uint64_t max_node_name_ = 0;
  uint64_t max_edge_name_ = 0;
  uint64_t max_target_ = 0;
  bool any_edge_name_ = false;
  uint32_t string_count_ = 0;
};

template <typename Member>
bool SnapshotParser::ParseObject(Member&& member) {
  if (!Expect('{'))
    return false;
  SkipWs();
  bool first = true;
  std::string key;
  while (!(*p_ == '}' && p_ != end_ && first)) {
    key.clear();
    const uint64_t key_offset = Offset();
    if (!ParseString(&key) || !Expect(':'))
      return false;
    if (!member(key, key_offset))
      return false;
    first = false;
    SkipWs();
    if (*p_ == ',' && p_ != end_) {
      ++p_;
      continue;
    }
    break;
  }
  return Expect('}');
}

}  // namespace leakguard

#endif  // LEAKGUARD_CORE_HEAP_SNAPSHOT_PARSER_H_
