// The option tables (core/monitor/monitor_options.h,
// core/analysis/leak_candidates.h) as the binding sees them: exported to
// lib/options.js, which validates and fills defaults from them, and read
// back here from the complete objects lib/ passes. Reading asserts rather
// than decides: a missing value, a wrong type or an unknown sensitivity is
// lib/'s bug and a TypeError naming the field, never a silent default.
#ifndef LEAKGUARD_ADDON_OPTIONS_TABLE_H_
#define LEAKGUARD_ADDON_OPTIONS_TABLE_H_

#include <napi.h>

#include "addon/env/instance.h"
#include "core/analysis/leak_candidates.h"

namespace leakguard {

// start()/configure()'s options; false with a JS exception pending.
bool ReadStartConfig(Napi::Env env, Napi::Object o, StartConfig* config);
// analyze()'s and findLeaks()'s options; false with an exception pending.
bool ReadLeakOptions(Napi::Env env, Napi::Object o, LeakOptions* out);

// Adds optionTable() to the binding's exports.
bool InitOptionsTable(Napi::Env env, Napi::Object exports);

}  // namespace leakguard

#endif  // LEAKGUARD_ADDON_OPTIONS_TABLE_H_
