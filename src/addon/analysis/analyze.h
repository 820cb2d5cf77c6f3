// The binding's snapshot analyses: summary, diff and analyze (the
// three-snapshot leak report). Each returns a Promise of the JSON text that
// src/core/heap_reports.h produces; lib/analysis/analyze.js parses it.
#ifndef LEAKGUARD_ADDON_ANALYZE_H_
#define LEAKGUARD_ADDON_ANALYZE_H_

#include <napi.h>

namespace leakguard {

// Adds summary(files, options), diff(files, options),
// analyze(files, options), and for captures of this process's heap
// diffCapturesAsync(handles, options) and analyzeCaptures(handles,
// options), to the binding. Returns false with a JS exception
// pending if a property could not be set.
bool InitAnalyze(Napi::Env env, Napi::Object exports);

}  // namespace leakguard

#endif  // LEAKGUARD_ADDON_ANALYZE_H_
