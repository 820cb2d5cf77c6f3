'use strict';
// findLeaks(): the three-snapshot method, in process.
//
//   warm-up    run() `warmup` times, so caches, compiled code and lazily
//              created state are there before the baseline
//   baseline   full GC, snapshot 1 (node ids only)
//   target     run() `iterations` times, wait `settleMs`, snapshot 2 (ids)
//   final      run() `iterations` times, wait `settleMs`, snapshot 3 (the
//              whole graph)
//
// Objects new in the target and still alive in the final snapshot survived
// a whole extra round of the same work: the report groups them by
// constructor and retainer path, with counts, retained sizes and a
// representative path. The report is the one `leakguard analyze` makes of
// three files (src/core/analysis/leak_candidates.h, docs/analyze.md), computed on a
// libuv threadpool thread; only the snapshots themselves pause this thread.
//
// With `dir`, the three snapshots are also written there as s1, s2 and
// s3.heapsnapshot (memlab's names: `memlab find-leaks --snapshot-dir dir`
// and `leakguard analyze dir/s1.heapsnapshot ...` read them), each mode
// 0600 and published atomically off this thread. The report is then made
// from the files, as `leakguard analyze` makes it: only a file has the
// snapshot's `locations`, so only then do functions come with their line
// and column (V8's in-memory snapshot names the script alone). The final
// snapshot is then kept in memory as ids only, so nothing is held twice.
const fs = require('node:fs');
const path = require('node:path');
const binding = require('../binding');
const options = require('../options');
const { captureHeap } = require('../snapshot/snapshots');
const { rememberAnalysis } = require('../monitor/history');

const CALL = 'leakguard.findLeaks';
const FILES = ['s1.heapsnapshot', 's2.heapsnapshot', 's3.heapsnapshot'];

const FIND_LEAKS_SCHEMA = {
  run: {
    kind: 'function',
    doc: 'one unit of the suspected work; may return a promise',
  },
  iterations: {
    kind: 'integer', min: 1, max: 1e8, default: 100,
    doc: 'calls of run between the baseline and the target, and again before the final',
  },
  warmup: {
    kind: 'integer', min: 0, max: 1e8, default: 1,
    doc: 'calls of run before the baseline',
  },
  settleMs: {
    kind: 'integer', min: 0, max: 600000, default: 100,
    doc: 'ms to wait after the calls before each later snapshot',
  },
  dir: {
    kind: 'path',
    doc: 'also write the snapshots there as s1/s2/s3.heapsnapshot',
  },
  ...options.LEAK_SCHEMA,
  ignoreHeadroom: {
    kind: 'boolean', default: false,
    doc: 'take the snapshots even when the memory budget says no',
  },
};

// The options of `schema` out of `o`.
function pick(o, schema) {
  return Object.fromEntries(Object.keys(schema).map((name) => [name, o[name]]));
}

function sleep(ms) {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : null;
}

async function repeat(run, count) {
  for (let i = 0; i < count; i++) {
    const result = run(i);
    if (result !== null && typeof result === 'object' &&
        typeof result.then === 'function') {
      await result;
    }
  }
}

function existingFile(dir) {
  for (const name of FILES) {
    const file = path.join(dir, name);
    if (fs.existsSync(file)) return file;
  }
  return null;
}

async function findLeaksIn(o) {
  const dir = o.dir === undefined ? null : path.resolve(o.dir);
  const taken = dir === null ? null : existingFile(dir);
  if (taken !== null) {
    const err = new Error(`${CALL}: options.dir already holds ${taken} ` +
      '(from an earlier run?); give a directory without s1, s2 and s3.heapsnapshot');
    err.code = 'EEXIST';
    err.path = taken;
    throw err;
  }
  const captures = [];
  const snapshot = (i, kind) => {
    const c = captureHeap(CALL, kind, {
      ignoreHeadroom: o.ignoreHeadroom,
      reason: `find-leaks-${i + 1}`,
      file: dir === null ? null : { dir, name: FILES[i] },
    });
    captures.push(c);
    return c;
  };
  try {
    await repeat(o.run, o.warmup);
    binding.gc();
    const baseline = snapshot(0, 'ids');
    await repeat(o.run, o.iterations);
    await sleep(o.settleMs);
    const target = snapshot(1, 'ids');
    await repeat(o.run, o.iterations);
    await sleep(o.settleMs);
    const final = snapshot(2, dir === null ? 'full' : 'ids');
    // The report names the files, so they must be complete first.
    await Promise.all(captures.map((c) => c.finished));
    const leak = options.withScriptRoot(pick(o, options.LEAK_SCHEMA));
    const json = dir === null
      ? await binding.analyzeCaptures([baseline.handle, target.handle, final.handle], leak)
      : await binding.analyze(FILES.map((name) => path.join(dir, name)), leak);
    return rememberAnalysis(JSON.parse(json));
  } finally {
    // After a failure: free the copies now rather than at some later GC,
    // and let the files in flight finish (their errors are not this one's).
    for (const c of captures) binding.releaseCapture(c.handle);
    await Promise.allSettled(captures.map((c) => c.finished));
  }
}

// Resolves with `leakguard.analyze()`'s JSON for the three snapshots:
// { version, files: { baseline, target, final } (paths, or null without
// dir), report: { ..., groups: [{ constructor, location?, count,
// self_size, retained_size, retains, holder, keys, path, hops }] } }. Wrong options throw here, at the call;
// a failing run() or snapshot rejects.
function findLeaks(opts) {
  if (opts === undefined || opts === null) {
    throw options.typeError(`${CALL}: options must be an object with a run function, ` +
      `got ${options.describe(opts)}`);
  }
  const o = options.validate(CALL, FIND_LEAKS_SCHEMA, opts);
  if (o.run === undefined) {
    throw options.typeError(`${CALL}: options.run must be a function ` +
      `(${FIND_LEAKS_SCHEMA.run.doc}), got undefined`);
  }
  return findLeaksIn(o);
}

module.exports = { findLeaks, FIND_LEAKS_SCHEMA };
