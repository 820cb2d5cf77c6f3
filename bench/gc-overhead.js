#!/usr/bin/env node
'use strict';
// GC overhead of leakguard's monitoring on a GC-heavy workload.
//
// Runs the same fixed amount of allocation churn in fresh child processes,
// alternately plain and with leakguard monitoring ('stats' and 'leak'
// listeners, the default configuration), and prints the median of the
// per-pair time ratios. Target: ratio <= 1.02.
//
//   node bench/gc-overhead.js [pairs=9] [--gc-events] [--probes]
//
// --probes starts the detector without warm-up and with 1 s probes, so that
// the detector and its probe collections run during the whole (short)
// workload: the worst case, not the default.
const { spawnSync } = require('node:child_process');
const { bootstrapMedian } = require('./heap-of-small-objects');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');

if (process.argv[2] === '--child') {
  const mode = process.argv[3];
  if (mode !== 'plain') {
    const lg = require(ROOT);
    if (process.argv.includes('--probes')) {
      lg.start({ warmupMs: 0, probeIntervalMs: 1000 });
    }
    lg.on('stats', () => {});
    lg.on('leak', () => {});
    if (mode === 'gc-events') lg.on('gc', () => {});
  }
  // Fixed work: young garbage plus an old generation that turns over, so
  // that both scavenges and full mark-compacts happen many times.
  const old = new Array(200000);
  let sink = 0;
  const t0 = process.hrtime.bigint();
  for (let round = 0; round < 60; round++) {
    for (let i = 0; i < 200000; i++) {
      const o = { id: i, name: `obj-${i}`, list: [i, round] };
      if (i % 4 === 0) old[(i * 7 + round) % old.length] = o;
      sink += o.list.length;
    }
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage();  // all threads, ours included
  let stats = null;
  let probes = null;
  if (mode !== 'plain') {
    const all = require(ROOT).heapStats();
    stats = all.gc;
    probes = all.detector.probesRequested;
  }
  process.stdout.write(JSON.stringify({ ms, cpuMs: (cpu.user + cpu.system) / 1e3, sink, fullGcs: stats && stats.num_full_gc,
                                        gcs: stats && stats.num_full_gc + stats.num_inc_gc, probes }) + '\n');
  process.exit(0);
}

function runChild(mode) {
  const extra = process.argv.includes('--probes') ? ['--probes'] : [];
  const r = spawnSync(process.execPath, [__filename, '--child', mode, ...extra],
                      { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`child failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const pairs = Number(process.argv.find((a) => /^\d+$/.test(a)) || 9);
const withMode = process.argv.includes('--gc-events') ? 'gc-events' : 'monitor';
const ratios = [];
const cpuRatios = [];
let last = null;
for (let i = 0; i < pairs; i++) {
  // Alternate which goes first so drift in machine load cancels out.
  const order = i % 2 ? ['plain', withMode] : [withMode, 'plain'];
  const res = {};
  for (const m of order) res[m] = runChild(m);
  ratios.push(res[withMode].ms / res.plain.ms);
  cpuRatios.push(res[withMode].cpuMs / res.plain.cpuMs);
  last = res;
  console.log(`pair ${i + 1}: plain ${res.plain.ms.toFixed(0)} ms, ` +
              `${withMode} ${res[withMode].ms.toFixed(0)} ms, ratio ${(res[withMode].ms / res.plain.ms).toFixed(3)}`);
}
console.log(`GCs per run (with leakguard): ${last[withMode].gcs} (${last[withMode].fullGcs} full, ` +
            `${last[withMode].probes} probes)`);
// A 95% interval for the median: single pairs on a shared 2-core machine
// spread by +-15%, so the median needs many of them.
const [lo, hi] = bootstrapMedian(ratios);
console.log(`median wall-time ratio (${withMode} / plain) over ${pairs} pairs: ${median(ratios).toFixed(3)} ` +
            `(95% interval ${lo.toFixed(3)}-${hi.toFixed(3)})`);
console.log(`median CPU-time ratio (${withMode} / plain, all threads) over ${pairs} pairs: ${median(cpuRatios).toFixed(3)}`);
