// Building JS objects through the C API, for what runs where node-addon-api
// must not: from a uv callback (see Instance::DeliverEvents), or while an
// environment may be going away under a call (a worker terminated inside
// its require()). node-addon-api without C++ exceptions turns a failed
// napi call into a throw, and a throw that cannot be thrown aborts the
// process; here a failure only makes Done() return nullptr.
#ifndef LEAKGUARD_ADDON_RAW_OBJECT_H_
#define LEAKGUARD_ADDON_RAW_OBJECT_H_

#include <node_api.h>

#include <string>
#include <vector>

namespace leakguard {

class RawObject {
 public:
  explicit RawObject(napi_env env) : env_(env) {
    ok_ = napi_create_object(env, &object_) == napi_ok;
  }
  RawObject& Num(const char* key, double v) {
    napi_value value;
    if (ok_)
      ok_ = napi_create_double(env_, v, &value) == napi_ok && Set(key, value);
    return *this;
  }
  RawObject& Str(const char* key, const std::string& v) {
    napi_value value;
    if (ok_) {
      ok_ = napi_create_string_utf8(env_, v.c_str(), v.size(), &value) ==
                napi_ok &&
            Set(key, value);
    }
    return *this;
  }
  RawObject& Bool(const char* key, bool v) {
    napi_value value;
    if (ok_)
      ok_ = napi_get_boolean(env_, v, &value) == napi_ok && Set(key, value);
    return *this;
  }
  RawObject& Strings(const char* key, const std::vector<std::string>& list) {
    napi_value array;
    if (!ok_ ||
        napi_create_array_with_length(env_, list.size(), &array) != napi_ok) {
      ok_ = false;
      return *this;
    }
    for (size_t i = 0; ok_ && i < list.size(); i++) {
      napi_value s;
      ok_ =
          napi_create_string_utf8(env_, list[i].c_str(), list[i].size(), &s) ==
              napi_ok &&
          napi_set_element(env_, array, static_cast<uint32_t>(i), s) == napi_ok;
    }
    if (ok_)
      ok_ = Set(key, array);
    return *this;
  }
  RawObject& Value(const char* key, napi_value value) {
    if (ok_)
      ok_ = value != nullptr && Set(key, value);
    return *this;
  }
  napi_value Done() { return ok_ ? object_ : nullptr; }

 private:
  bool Set(const char* key, napi_value value) {
    return napi_set_named_property(env_, object_, key, value) == napi_ok;
  }
  napi_env env_;
  napi_value object_ = nullptr;
  bool ok_ = false;
};

// An array built the same way; Done() is nullptr if any step failed.
class RawArray {
 public:
  explicit RawArray(napi_env env) : env_(env) {
    ok_ = napi_create_array(env, &array_) == napi_ok;
  }
  RawArray& Push(napi_value value) {
    if (ok_)
      ok_ = value != nullptr &&
            napi_set_element(env_, array_, length_++, value) == napi_ok;
    return *this;
  }
  RawArray& PushNum(double v) {
    napi_value value = nullptr;
    if (ok_)
      ok_ = napi_create_double(env_, v, &value) == napi_ok;
    return Push(value);
  }
  napi_value Done() { return ok_ ? array_ : nullptr; }

 private:
  napi_env env_;
  napi_value array_ = nullptr;
  uint32_t length_ = 0;
  bool ok_ = false;
};

}  // namespace leakguard

#endif  // LEAKGUARD_ADDON_RAW_OBJECT_H_
