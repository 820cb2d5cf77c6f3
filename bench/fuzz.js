#!/usr/bin/env node
'use strict';
// The snapshot reader's libFuzzer target for a number of executions (issue
// 12: at least 10 million), then one line: executions, crashes, and the
// edge coverage libFuzzer reached out of the edges it instruments.
//
//   node bench/fuzz.js [runs=10000000]
//
// CI keeps its bounded 60 s run (npm run test:fuzz); this is the long one.
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const runs = Number(process.argv[2] || 10000000);
const started = Date.now();
const r = spawnSync(process.execPath,
  [path.join(__dirname, '..', 'scripts', 'test-cpp.js'), '--fuzz', `--runs=${runs}`],
  { encoding: 'utf8', maxBuffer: 1 << 30 });
const text = `${r.stdout}\n${r.stderr}`;
const last = (re) => {
  let m = null;
  for (const x of text.matchAll(re)) m = x;
  return m;
};
const edges = last(/INFO: Loaded \d+ modules?\s+\((\d+) inline 8-bit counters\)/g);
const cov = last(/cov: (\d+) ft: (\d+)/g);
const units = last(/stat::number_of_executed_units: (\d+)/g);
const crashed = /==\d+==ERROR|deadly signal|SUMMARY: .*Sanitizer|Test unit written to/.test(text);
const seconds = (Date.now() - started) / 1000;
if (r.status !== 0 || units === null) {
  process.stderr.write(text.slice(-4000));
}
const covered = cov ? Number(cov[1]) : NaN;
const total = edges ? Number(edges[1]) : NaN;
console.log(`snapshot_reader_fuzz: ${units ? Number(units[1]).toLocaleString('en') : '?'} executions, ` +
  `${crashed || r.status !== 0 ? 'FAILED (see above)' : '0 crashes'}, ` +
  `coverage ${covered} of ${total} edges (${(100 * covered / total).toFixed(1)}%), ` +
  `${cov ? cov[2] : '?'} features, ${seconds.toFixed(0)} s with the build`);
process.exit(r.status === 0 && !crashed ? 0 : 1);
