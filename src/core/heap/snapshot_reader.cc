#include "core/heap/snapshot_reader.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <string_view>

#include "core/base/byte_format.h"

namespace leakguard {

namespace {

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
constexpr std::array<bool, 256> kPlain = MakePlainTable();

std::string Num(uint64_t v) {
  return std::to_string(v);
}

int HexValue(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

void AppendUtf8(std::string* out, uint32_t cp) {
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

}  // namespace

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
        cap_(std::max(options.chunk_bytes, kMinChunk)),
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
      while (IsWs(*p_))
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
      error_ = Status(StatusCode::kParseError,
                      "at byte " + Num(offset) + ": " + reason);
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
                 "at byte " + Num(Offset()) + ": reading it needs more than " +
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
      error_ =
          Status(StatusCode::kOutOfRange, "at byte " + Num(at) + ": " + reason);
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
  bool ParseTypeList(std::vector<TypeEntry>* out);
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
  std::vector<TypeEntry> node_types_;
  std::vector<TypeEntry> edge_types_;
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
  uint64_t record_[kMaxFields] = {};
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
  uint64_t loc_record_[kMaxFields] = {};
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

namespace {

Status OpenForRead(const std::string& path, int* fd, uint64_t* size) {
  do {
    *fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  } while (*fd < 0 && errno == EINTR);
  if (*fd < 0) {
    return Status(StatusCode::kIoError,
                  "open " + path + ": " + std::strerror(errno));
  }
  struct stat st;
  if (fstat(*fd, &st) != 0) {
    int err = errno;
    close(*fd);
    return Status(StatusCode::kIoError,
                  "fstat " + path + ": " + std::strerror(err));
  }
  if (S_ISDIR(st.st_mode)) {
    close(*fd);
    return Status(StatusCode::kIoError, "open " + path + ": is a directory");
  }
  *size = static_cast<uint64_t>(st.st_size);
#ifdef POSIX_FADV_SEQUENTIAL
  posix_fadvise(*fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
  return Status::Ok();
}

}  // namespace

uint64_t DefaultReadBudget() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page <= 0)
    return uint64_t{4} << 30;
  return static_cast<uint64_t>(pages) * static_cast<uint64_t>(page) / 2;
}

Result<HeapGraph> ReadSnapshotFile(const std::string& path,
                                   const SnapshotReadOptions& options) {
  int fd;
  uint64_t size;
  Status s = OpenForRead(path, &fd, &size);
  if (!s.ok())
    return s;
  HeapGraph graph;
  SnapshotParser parser(fd, nullptr, 0, size, options, &graph, nullptr);
  s = parser.Parse();
  close(fd);
  if (!s.ok())
    return s;
  return Result<HeapGraph>(std::move(graph));
}

Result<HeapGraph> ReadSnapshotBuffer(const char* data,
                                     size_t size,
                                     const SnapshotReadOptions& options) {
  HeapGraph graph;
  SnapshotParser parser(-1, data, size, size, options, &graph, nullptr);
  Status s = parser.Parse();
  if (!s.ok())
    return s;
  return Result<HeapGraph>(std::move(graph));
}

void SortUniqueIds(std::vector<uint32_t>* ids) {
  // V8 writes nodes in id order, so this is usually a no-op scan.
  if (!std::is_sorted(ids->begin(), ids->end())) {
    std::sort(ids->begin(), ids->end());
  }
  ids->erase(std::unique(ids->begin(), ids->end()), ids->end());
}

Result<std::vector<uint32_t>> ReadSnapshotIds(
    const std::string& path, const SnapshotReadOptions& options) {
  int fd;
  uint64_t size;
  Status s = OpenForRead(path, &fd, &size);
  if (!s.ok())
    return s;
  std::vector<uint32_t> ids;
  SnapshotParser parser(fd, nullptr, 0, size, options, nullptr, &ids);
  s = parser.Parse();
  close(fd);
  if (!s.ok())
    return s;
  SortUniqueIds(&ids);
  return Result<std::vector<uint32_t>>(std::move(ids));
}

Result<std::vector<uint32_t>> ReadSnapshotIdsBuffer(
    const char* data, size_t size, const SnapshotReadOptions& options) {
  std::vector<uint32_t> ids;
  SnapshotParser parser(-1, data, size, size, options, nullptr, &ids);
  Status s = parser.Parse();
  if (!s.ok())
    return s;
  SortUniqueIds(&ids);
  return Result<std::vector<uint32_t>>(std::move(ids));
}

}  // namespace leakguard
