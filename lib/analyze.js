'use strict';
// Snapshot analyses: summary, diff and the three-snapshot leak report.
// Thin forwarders to the native core (src/core/analysis/heap_reports.h), which reads
// the files and computes the report on a worker thread and resolves with
// JSON text; here we check the arguments and parse the result. The JSON
// format is documented in docs/analyze.md.
const path = require('node:path');
const binding = require('./binding');

function checkFiles(api, files, count) {
  if (!Array.isArray(files) || files.length !== count ||
      !files.every((f) => typeof f === 'string' && f.length > 0)) {
    throw new TypeError(`${api}: expected ${count} snapshot file paths`);
  }
  return files.map((f) => path.resolve(f));
}

function checkOptions(api, options, keys) {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`${api}: options must be an object`);
  }
  const out = {};
  for (const key of keys) {
    const v = options[key];
    if (v === undefined) continue;
    if (!Number.isInteger(v) || v < 0) {
      throw new RangeError(`${api}: options.${key} must be an integer >= 0`);
    }
    out[key] = v;
  }
  return out;
}

// Objects new in `target` (absent from `baseline`) and still alive in
// `final`, grouped by constructor and retainer path, largest retained size
// first. options: { top = 10, minCount = 20, minRetainedBytes = 16384 }.
async function analyze(files, options) {
  const f = checkFiles('leakguard.analyze', files, 3);
  const o = checkOptions('leakguard.analyze', options,
                         ['top', 'minCount', 'minRetainedBytes']);
  return JSON.parse(await binding.analyze(f, o));
}

// memwatch's HeapDiff shape for two snapshot files. options: { top = 0 }
// (0: every class).
async function diff(before, after, options) {
  const f = checkFiles('leakguard.diff', [before, after], 2);
  const o = checkOptions('leakguard.diff', options, ['top']);
  return JSON.parse(await binding.diff(f, o));
}

// Count, shallow and retained size per constructor. options: { top = 0 }.
async function summary(file, options) {
  const f = checkFiles('leakguard.summary', [file], 1);
  const o = checkOptions('leakguard.summary', options, ['top']);
  return JSON.parse(await binding.summary(f, o));
}

module.exports = { analyze, diff, summary };
