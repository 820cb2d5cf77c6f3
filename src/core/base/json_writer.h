// A small JSON text builder for leakguard's reports (`--json` output and the
// strings the addon resolves its Promises with).
//
// The writer tracks commas itself: call Key() before each member's value in
// an object, and values one after another in an array. Strings are escaped
// per RFC 8259 and made valid UTF-8 (snapshot strings can hold any bytes;
// invalid sequences become U+FFFD), so JSON.parse always accepts the output.
// Numbers are integers; doubles are printed with enough digits to round-trip.
//
// Not thread-safe; one writer per report.
#ifndef LEAKGUARD_CORE_JSON_WRITER_H_
#define LEAKGUARD_CORE_JSON_WRITER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace leakguard {

class JsonWriter {
 public:
  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view value);
  JsonWriter& Uint(uint64_t value);
  JsonWriter& Int(int64_t value);
  JsonWriter& Double(double value);
  JsonWriter& Bool(bool value);
  JsonWriter& Null();

  const std::string& str() const { return out_; }
  std::string Take() { return std::move(out_); }

  // Appends `s` as a quoted, escaped JSON string.
  static void AppendQuoted(std::string* out, std::string_view s);

 private:
  void Separate();

  std::string out_;
  // Per open container: whether a value has been written in it yet.
  std::vector<bool> has_value_;
  bool after_key_ = false;
};

}  // namespace leakguard

#endif  // LEAKGUARD_CORE_JSON_WRITER_H_
