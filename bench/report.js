#!/usr/bin/env node
'use strict';
// What the report costs the process that writes it, as ratios
// within one run.
//
//   node bench/report.js [--rounds 9] [--heap-mb 200]
//
// A process with a live heap of --heap-mb (many small objects) is
// monitored for a few seconds; then, alternating in each round:
//   timeline()        the data, converted from the native history
//   report()          the whole page written to a file (0600, atomic)
//   writeSnapshot     v8.writeHeapSnapshot(), what one would do instead
// Each is timed on the main thread (its own wall time) and by the longest
// event-loop delay it caused (perf_hooks.monitorEventLoopDelay). The
// medians are printed as ms and as a ratio to the heap snapshot. A day of
// timeline at its bounds (synthetic: 3 x 2048 buckets, 64 episodes, 64
// snapshots) is rendered too: buildHtml's time and the page's size.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const v8 = require('node:v8');
const { monitorEventLoopDelay } = require('node:perf_hooks');
const leakguard = require('..');
const { buildHtml } = require('../lib/report');
const { median } = require('./heap-of-small-objects');

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const ROUNDS = arg('rounds', 9);
const HEAP_MB = arg('heap-mb', 200);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Live objects of about 100 bytes each.
const keep = [];
for (let i = 0; i < HEAP_MB * 1e4; i++) keep.push({ i, s: `object-${i}` });

async function timed(fn) {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  await sleep(20);
  const t0 = process.hrtime.bigint();
  await fn();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  await sleep(20);
  h.disable();
  return { ms, maxDelayMs: h.max / 1e6 };
}

function fullDay() {
  const now = Date.now();
  const kinds = {};
  for (const kind of ['heap', 'external', 'rss']) {
    const t = [];
    const min = [];
    const max = [];
    for (let i = 0; i < 2048; i++) {
      t.push(now - 86400000 + i * 64000);
      min.push(1e8 + i * 1234.5);
      max.push(1.1e8 + i * 1234.5);
    }
    kinds[kind] = { bucketMs: 64000, dropped: 0, t, min, max,
      trend: { estimatedBase: 1e8, bytesPerSecond: 1000, confidence: 1, samples: 50, leaking: true, verdict: 'leak' } };
  }
  const suspects = Array.from({ length: 10 }, (_, i) => ({
    site: `handler${i} (/srv/app/handlers/file${i}.js:${i}:1)`, stack: [], bytes: 1e6, growth: 1e6, bytesPerSecond: 1e3,
  }));
  return {
    version: 1, now, windowMs: 300000, horizonsMs: [3600000, 86400000], kinds,
    process: { pid: 1, node: process.version, argv: ['node', 'server.js'], startTime: now - 9e7 },
    episodes: Array.from({ length: 64 }, (_, i) => ({ kind: 'heap', start: now - 8e7 + i * 1e6, end: now - 8e7 + i * 1e6 + 3e5,
      events: 3, growth: 1e8, bytesPerSecond: 1e3, estimatedBase: 2e8, horizonMs: 86400000, windowMs: 86400000,
      confidence: 1, reason: 'heap grew 86.4 MB over 24 h (1.0 KB/s)', suspects })),
    snapshots: Array.from({ length: 64 }, (_, i) => ({ time: now - i * 6e4, path: `/var/tmp/s${i}.heapsnapshot`, reason: 'leak', trigger: 'leak', bytes: 1e8 })),
    droppedEpisodes: 0, droppedSnapshots: 0, bytes: 98304,
  };
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-bench-report-'));
  leakguard.start({ probeIntervalMs: 500 });
  await sleep(5000);
  const results = { timeline: [], report: [], snapshot: [] };
  for (let r = 0; r < ROUNDS; r++) {
    results.timeline.push(await timed(() => leakguard.timeline()));
    results.report.push(await timed(() => leakguard.report({ file: path.join(dir, `r${r}.html`) })));
    results.snapshot.push(await timed(() => {
      const f = v8.writeHeapSnapshot(path.join(dir, `s${r}.heapsnapshot`));
      fs.rmSync(f);
    }));
  }
  const heapMb = leakguard.heapStats().heap.used_heap_size / 1e6;
  leakguard.stop();
  const snap = median(results.snapshot.map((x) => x.ms));
  console.log(`heap used ${heapMb.toFixed(0)} MB, ` +
              `${ROUNDS} rounds, medians:`);
  for (const [name, list] of Object.entries(results)) {
    const ms = median(list.map((x) => x.ms));
    const delay = median(list.map((x) => x.maxDelayMs));
    console.log(`  ${name.padEnd(9)} ${ms.toFixed(2).padStart(9)} ms  longest loop delay ` +
                `${delay.toFixed(1).padStart(7)} ms  ratio to writeHeapSnapshot ${(ms / snap).toFixed(5)}`);
  }
  const day = fullDay();
  const build = [];
  let bytes = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint();
    bytes = Buffer.byteLength(buildHtml({ timeline: day }));
    build.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  console.log(`  a day at the bounds: buildHtml ${median(build).toFixed(1)} ms, ${bytes} bytes`);
  fs.rmSync(dir, { recursive: true, force: true });
  return keep.length;  // the live heap stays live until here
}

main();
