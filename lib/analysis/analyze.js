'use strict';
// Snapshot analyses: summary, diff and the three-snapshot leak report.
// Thin forwarders to the native core (src/core/analysis/heap_reports.h), which reads
// the files and computes the report on a worker thread and resolves with
// JSON text; here we check the arguments and parse the result. The JSON
// format is documented in docs/analyze.md.
const path = require('node:path');
const binding = require('../binding');
const options = require('../options');
const { rememberAnalysis } = require('../monitor/history');

function checkFiles(api, files, count) {
  if (!Array.isArray(files) || files.length !== count ||
      !files.every((f) => typeof f === 'string' && f.length > 0)) {
    throw new TypeError(`${api}: expected ${count} snapshot file paths`);
  }
  return files.map((f) => path.resolve(f));
}

// Objects new in `target` (absent from `baseline`) and still alive in
// `final`, grouped by constructor and retainer path, largest retained size
// first. opts: options.LEAK_SCHEMA (top, minCount, minRetainedBytes).
async function analyze(files, opts) {
  const f = checkFiles('leakguard.analyze', files, 3);
  const o = options.validate('leakguard.analyze', options.LEAK_SCHEMA, opts);
  return rememberAnalysis(JSON.parse(await binding.analyze(f, options.withScriptRoot(o))));
}

// memwatch's HeapDiff shape for two snapshot files. opts: { top = 0 }
// (0: every class).
async function diff(before, after, opts) {
  const f = checkFiles('leakguard.diff', [before, after], 2);
  const o = options.validate('leakguard.diff', options.REPORT_SCHEMA, opts);
  return JSON.parse(await binding.diff(f, o));
}

// Count, shallow and retained size per constructor. opts: { top = 0 }.
async function summary(file, opts) {
  const f = checkFiles('leakguard.summary', [file], 1);
  const o = options.validate('leakguard.summary', options.REPORT_SCHEMA, opts);
  return JSON.parse(await binding.summary(f, o));
}

module.exports = { analyze, diff, summary };
