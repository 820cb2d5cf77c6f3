// Pure functions of src/core that lib/ calls, so that JavaScript does not
// keep copies of them:
//   fitTrend(ys[, ts])     the robust trend statistics
//                          (core/monitor/robust_trend.h) for the heap-flat
//                          assertions (lib/testing/index.js); ts defaults to 0,
//                          1, 2, ...; at most kMaxPoints values (the scratch is
//                          n^2/2 doubles)
//   formatBytes(n, style)  core/base/byte_format.h; style is "iec", "si"
//                          or "memwatch"
//   memwatchStatsKeys()    memwatch's 'stats' field names
//                          (core/monitor/gc_stats.h), for the test that
//                          checks index.d.ts
#include <napi.h>

#include <iterator>
#include <string>
#include <vector>

#include "addon/napi/errors.h"
#include "addon/napi/exports.h"
#include "addon/napi/raw_object.h"
#include "core/base/byte_format.h"
#include "core/monitor/gc_stats.h"
#include "core/monitor/robust_trend.h"

namespace leakguard {

namespace {

constexpr size_t kMaxPoints = 1024;  // lib/testing/index.js: rounds <= 1000

bool ReadDoubles(Napi::Env env, Napi::Value v, std::vector<double>* out) {
  if (!v.IsArray())
    return ThrowAssertion(env, "fitTrend: an array of numbers expected");
  Napi::Array array = v.As<Napi::Array>();
  const uint32_t n = array.Length();
  if (n > kMaxPoints)
    return ThrowAssertion(env, "fitTrend: at most 1024 values");
  out->resize(n);
  for (uint32_t i = 0; i < n; i++) {
    Napi::Value item;
    if (!array.Get(i).UnwrapTo(&item))
      return false;
    if (!item.IsNumber())
      return ThrowAssertion(env, "fitTrend: an array of numbers expected");
    (*out)[i] = item.As<Napi::Number>().DoubleValue();
  }
  return true;
}

Napi::Value FitTrend(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<double> ys, ts;
  if (!ReadDoubles(env, info[0], &ys))
    return Napi::Value();
  if (info.Length() > 1 && !info[1].IsUndefined()) {
    if (!ReadDoubles(env, info[1], &ts))
      return Napi::Value();
    if (ts.size() != ys.size()) {
      ThrowAssertion(env, "fitTrend: ts and ys differ in length");
      return Napi::Value();
    }
  } else {
    ts.resize(ys.size());
    for (size_t i = 0; i < ts.size(); i++)
      ts[i] = static_cast<double>(i);
  }
  RobustScratch scratch(ys.size() < 2 ? 2 : ys.size());
  const RobustFit fit = FitRobust(ts.data(), ys.data(), ys.size(), &scratch);
  napi_value out = RawObject(env)
                       .Num("slope", fit.slope)
                       .Num("intercept", fit.intercept)
                       .Num("confidence", fit.confidence)
                       .Num("noise", fit.noise)
                       .Done();
  if (out == nullptr) {
    ThrowInternal(env, "could not build the fit");
    return Napi::Value();
  }
  return Napi::Value(env, out);
}

Napi::Value FormatBytes(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber() || !info[1].IsString()) {
    ThrowAssertion(env, "formatBytes(number, style) expected");
    return Napi::Value();
  }
  const double n = info[0].As<Napi::Number>().DoubleValue();
  const std::string style = info[1].As<Napi::String>().Utf8Value();
  std::string text;
  if (style == "iec") {
    text = FormatBytesIec(n);
  } else if (style == "si") {
    text = FormatBytesSi(n);
  } else if (style == "memwatch") {
    text = FormatBytesMemwatch(static_cast<int64_t>(n));
  } else {
    ThrowAssertion(env, "formatBytes: style must be iec, si or memwatch");
    return Napi::Value();
  }
  return Napi::String::New(env, text);
}

// memwatchStatsKeys() -> memwatch's 'stats' field names, in order
// (LEAKGUARD_MEMWATCH_STATS): what 'stats' events and heapStats().gc carry.
Napi::Value MemwatchStatsKeys(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  static const char* const kKeys[] = {
#define V(js, field) js,
      LEAKGUARD_MEMWATCH_STATS(V)
#undef V
  };
  Napi::Array out = Napi::Array::New(env, std::size(kKeys));
  for (uint32_t i = 0; i < std::size(kKeys); i++) {
    if (out.Set(i, Napi::String::New(env, kKeys[i])).IsNothing())
      return Napi::Value();
  }
  return out;
}

}  // namespace

bool InitCoreFunctions(Napi::Env env, Napi::Object exports) {
  return ExportFunctions(env,
                         exports,
                         {{"fitTrend", FitTrend},
                          {"formatBytes", FormatBytes},
                          {"memwatchStatsKeys", MemwatchStatsKeys}});
}

}  // namespace leakguard
