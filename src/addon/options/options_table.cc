// See options_table.h. optionTable() returns
//   { horizons: { maxCount, max, default: number[] },
//     sampler: Row[], detector: Row[], leak: Row[],
//     sensitivities: { low: {...}, ... }, defaultSensitivity: 'medium' }
// where Row is { name, kind, min, max, default?, doc }; an option whose
// default is its sensitivity's has no `default`.
#include "addon/options/options_table.h"
#include "addon/napi/errors.h"

#include <cmath>
#include <string>

#include "addon/napi/raw_object.h"
#include "core/monitor/monitor_options.h"

namespace leakguard {

namespace {

bool Fail(Napi::Env env, const std::string& message) {
  return ThrowAssertion(env, message);
}

// Reads o[key] as a finite number. `required`: missing is an error;
// otherwise `*present` says whether it was given.
bool ReadNumber(Napi::Env env,
                Napi::Object o,
                const char* key,
                bool required,
                double* out,
                bool* present = nullptr) {
  Napi::Value v;
  if (!o.Get(key).UnwrapTo(&v))
    return false;
  if (v.IsUndefined()) {
    if (present != nullptr)
      *present = false;
    return required ? Fail(env, std::string(key) + " missing") : true;
  }
  if (!v.IsNumber() || !std::isfinite(v.As<Napi::Number>().DoubleValue()))
    return Fail(env, std::string(key) + " must be a finite number");
  *out = v.As<Napi::Number>().DoubleValue();
  if (present != nullptr)
    *present = true;
  return true;
}

// A row's value, checked against the row as lib/options.js checked it.
bool ReadRow(Napi::Env env,
             Napi::Object o,
             const char* key,
             OptionKind kind,
             double min,
             double max,
             bool required,
             double* out,
             bool* present) {
  if (!ReadNumber(env, o, key, required, out, present))
    return false;
  if (!*present)
    return true;
  const bool zero_ok = kind == OptionKind::kIntegerOrZero && *out == 0;
  if (!zero_ok && (*out < min || *out > max)) {
    return Fail(env, std::string(key) + " out of the option table's range");
  }
  return true;
}

napi_value Row(napi_env env,
               const char* name,
               OptionKind kind,
               double min,
               double max,
               double def,
               const char* doc) {
  RawObject row(env);
  row.Str("name", name)
      .Str("kind", OptionKindName(kind))
      .Num("min", min)
      .Num("max", max)
      .Str("doc", doc);
  if (def != option_limits::kBySensitivity)
    row.Num("default", def);
  return row.Done();
}

// Called by lib/options.js while the package loads, so it may run while a
// worker is being terminated: built through the C API (raw_object.h), and
// a failure returns undefined for a require() nobody will use.
napi_value OptionTable(napi_env env, napi_callback_info) {
#define V(js, field, Type, kind, min, max, def, doc) \
  rows.Push(Row(env, #js, OptionKind::kind, min, max, def, doc));
  RawArray sampler(env), detector(env), leak(env);
  {
    RawArray& rows = sampler;
    LEAKGUARD_SAMPLER_OPTIONS(V)
  }
  {
    RawArray& rows = detector;
    LEAKGUARD_DETECTOR_OPTIONS(V)
  }
  {
    RawArray& rows = leak;
    LEAKGUARD_LEAK_OPTIONS(V)
  }
#undef V
  RawObject sensitivities(env);
#define V(Enum, name, confidence, samples, relative, span, share, evidence) \
  sensitivities.Value(name,                                                 \
                      RawObject(env)                                        \
                          .Num("confidence", confidence)                    \
                          .Num("minSamples", samples)                       \
                          .Num("minRelativeGrowth", relative)               \
                          .Num("minSpanMs", span)                           \
                          .Num("evidenceShare", share)                      \
                          .Num("maxEvidenceMs", evidence)                   \
                          .Done());
  LEAKGUARD_SENSITIVITIES(V)
#undef V
  RawArray default_horizons(env);
  for (double ms : horizon_limits::kDefaultMs)
    default_horizons.PushNum(ms);
  return RawObject(env)
      .Value(
          "horizons",
          RawObject(env)
              .Num("maxCount", static_cast<double>(horizon_limits::kMaxCount))
              .Num("max", horizon_limits::kMaxMs)
              .Value("default", default_horizons.Done())
              .Done())
      .Value("sampler", sampler.Done())
      .Value("detector", detector.Done())
      .Value("leak", leak.Done())
      .Value("sensitivities", sensitivities.Done())
      .Str("defaultSensitivity",
           SensitivityName(Sensitivity::LEAKGUARD_DEFAULT_SENSITIVITY))
      .Done();
}

}  // namespace

// o.horizons: the array of lengths lib/options.js resolved the option to
// ('default' and 'none' are its names for the table's set and []).
bool ReadHorizons(Napi::Env env, Napi::Object o, DetectorOptions* d) {
  Napi::Value v;
  if (!o.Get("horizons").UnwrapTo(&v))
    return false;
  if (!v.IsArray())
    return Fail(env, "horizons must be an array");
  auto a = v.As<Napi::Array>();
  if (a.Length() > DetectorOptions::kMaxHorizons)
    return Fail(env, "horizons has too many entries");
  d->horizon_count = a.Length();
  for (uint32_t i = 0; i < a.Length(); i++) {
    Napi::Value h;
    if (!a.Get(i).UnwrapTo(&h))
      return false;
    if (!h.IsNumber())
      return Fail(env, "horizons must hold numbers");
    d->horizons_ms[i] = h.As<Napi::Number>().DoubleValue();
  }
  return true;
}

// Reads row `js` into target.field, with env, o, value and present in
// scope; every row is required but those whose default is the
// sensitivity's.
#define LEAKGUARD_READ_ROW(target, js, field, Type, kind, min, max, def) \
  if (!ReadRow(env,                                                      \
               o,                                                        \
               #js,                                                      \
               OptionKind::kind,                                         \
               min,                                                      \
               max,                                                      \
               (def) != option_limits::kBySensitivity,                   \
               &value,                                                   \
               &present)) {                                              \
    return false;                                                        \
  }                                                                      \
  if (present)                                                           \
    (target).field = static_cast<Type>(value);

bool ReadStartConfig(Napi::Env env, Napi::Object o, StartConfig* config) {
  Napi::Value sensitivity;
  if (!o.Get("sensitivity").UnwrapTo(&sensitivity))
    return false;
  Sensitivity level;
  if (!sensitivity.IsString() ||
      !SensitivityFromName(sensitivity.As<Napi::String>().Utf8Value().c_str(),
                           &level)) {
    return Fail(env, "sensitivity must be one of the table's sensitivities");
  }
  DetectorOptions d(level);
  double value = 0;
  bool present = false;
#define V(js, field, Type, kind, min, max, def, doc) \
  LEAKGUARD_READ_ROW(d, js, field, Type, kind, min, max, def)
  LEAKGUARD_DETECTOR_OPTIONS(V)
#undef V
  d.FitSpanToWindow();
  if (!ReadHorizons(env, o, &d))
    return false;
  // The rows were in range, so this only fails if the table contradicts
  // the sensitivities (a test in test/cpp/monitor asserts it does not).
  Status status = ValidateDetectorOptions(d);
  if (!status.ok())
    return ThrowRangeError(env, status);
  struct {
#define V(js, field, Type, kind, min, max, def, doc) \
  Type field = static_cast<Type>(def);
    LEAKGUARD_SAMPLER_OPTIONS(V)
#undef V
  } sampler;
#define V(js, field, Type, kind, min, max, def, doc) \
  LEAKGUARD_READ_ROW(sampler, js, field, Type, kind, min, max, def)
  LEAKGUARD_SAMPLER_OPTIONS(V)
#undef V
  config->monitor.sample_interval_ms = sampler.sample_interval_ms;
  config->ring_capacity = sampler.ring_capacity;
  config->max_queued_events = sampler.max_queued_events;
  config->monitor.detector = d;
  return true;
}

bool ReadLeakOptions(Napi::Env env, Napi::Object o, LeakOptions* out) {
  double value = 0;
  bool present = false;
  LeakOptions leak;
#define V(js, field, Type, kind, min, max, def, doc) \
  LEAKGUARD_READ_ROW(leak, js, field, Type, kind, min, max, def)
  LEAKGUARD_LEAK_OPTIONS(V)
#undef V
  // Where scripts are shown relative to: lib/ passes process.cwd().
  Napi::Value root;
  if (!o.Get("scriptRoot").UnwrapTo(&root))
    return false;
  if (root.IsString())
    leak.script_root = root.As<Napi::String>().Utf8Value();
  // leakguard's own lib/, whose functions retainer paths avoid.
  Napi::Value own;
  if (!o.Get("ownScripts").UnwrapTo(&own))
    return false;
  if (own.IsString())
    leak.own_scripts = own.As<Napi::String>().Utf8Value();
  *out = leak;
  return true;
}

#undef LEAKGUARD_READ_ROW

bool InitOptionsTable(Napi::Env env, Napi::Object exports) {
  napi_value fn = nullptr;
  return napi_create_function(
             env, "optionTable", NAPI_AUTO_LENGTH, OptionTable, nullptr, &fn) ==
             napi_ok &&
         napi_set_named_property(env, exports, "optionTable", fn) == napi_ok;
}

}  // namespace leakguard
