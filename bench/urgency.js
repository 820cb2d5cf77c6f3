#!/usr/bin/env node
'use strict';
// Urgency in real processes (docs/detector.md, "How much evidence is
// enough"): how soon a leak is reported against how long the process has
// left, and whether a bounded cache that fills for minutes is reported at
// all. Default detector options throughout.
//
//   node bench/urgency.js [--parallel 6] [--only leaks|fills] [--rates 80,600]
//                         [--json]
//
// Leaks: test/fixtures/leak-churn-slow.js (a churning HTTP service) leaking
// 80 KB/s, 0.6, 2, 5, 15 and 30 MB/s, run as `node --max-old-space-size=1024`
// (2048 for the fastest), each until its first 'leak' event. The target is
// min(10 min, max(30 s, time to limit / 10)), time to limit being the heap
// limit's room at the start over the rate.
// Fills: test/fixtures/ok-cache-fill.js with each real cache (lru-cache with
// max, node-cache with maxKeys, express-session with a memorystore TTL, a
// Map LRU) filling at ~1 MB/s for 1, 3 and 5 minutes on the default heap,
// watched for 5 minutes after the fill; the target is no event.
const { spawn } = require('node:child_process');
const path = require('node:path');
const v8 = require('node:v8');

const ROOT = path.resolve(__dirname, '..');
const MIB = 1024 * 1024;

function args(argv) {
  const o = { parallel: 6, only: null, json: false, rates: null };
  for (let i = 2; i < argv.length; i++) {
    if (argv[i] === '--parallel') o.parallel = Number(argv[++i]);
    else if (argv[i] === '--rates') o.rates = argv[++i].split(',').map(Number);
    else if (argv[i] === '--only') o.only = argv[++i];
    else if (argv[i] === '--json') o.json = true;
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  return o;
}

function runChild({ fixture, nodeArgs = [], env, durationMs }) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...nodeArgs, path.join(ROOT, 'test', 'fixtures', fixture),
      String(durationMs)], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.on('close', () => {
      const lines = out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
      resolve(lines);
    });
  });
}

async function pool(jobs, parallel) {
  const results = new Array(jobs.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(parallel, jobs.length) }, async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]();
    }
  }));
  return results;
}

const LEAKS = [
  { kbps: 80, heapMiB: 1024 }, { kbps: 600, heapMiB: 1024 }, { kbps: 2000, heapMiB: 1024 },
  { kbps: 5000, heapMiB: 1024 }, { kbps: 15000, heapMiB: 1024 }, { kbps: 30000, heapMiB: 2048 },
];
const CACHES = ['lru-cache', 'node-cache', 'express-session', 'map'];
const FILL_MINUTES = [1, 3, 5];

async function main() {
  const o = args(process.argv);
  const jobs = [];
  if (o.only !== 'fills') {
    for (const l of LEAKS.filter((x) => !o.rates || o.rates.includes(x.kbps))) {
      jobs.push(async () => {
        const lines = await runChild({
          fixture: 'leak-churn-slow.js', nodeArgs: [`--max-old-space-size=${l.heapMiB}`],
          env: { LEAKGUARD_FIXTURE_LEAK_KBPS: String(l.kbps), LEAKGUARD_FIXTURE_STOP: '1' },
          durationMs: 12 * 60000,
        });
        const leak = lines.find((x) => x.event === 'leak');
        const summary = lines.find((x) => x.event === 'summary') || {};
        const limit = leak && leak.limit ? leak.limit.bytes : null;
        // The room at the start: the heap limit less a fresh service's ~10 MB.
        const ttlS = limit ? (limit - 10e6) / (l.kbps * 1000) : null;
        const targetS = ttlS ? Math.min(600, Math.max(30, ttlS / 10)) : null;
        return { kind: 'leak', rate: `${l.kbps >= 1000 ? `${l.kbps / 1000} MB/s` : `${l.kbps} KB/s`}`,
          heap: `${l.heapMiB} MiB`, timeToLimitS: ttlS && Math.round(ttlS),
          reportedS: leak ? +(leak.atMs / 1000).toFixed(1) : null, targetS: targetS && Math.round(targetS),
          met: leak ? leak.atMs / 1000 <= targetS : false, eventTimeToLimitS: leak && leak.timeToLimitMs
            ? Math.round(leak.timeToLimitMs / 1000) : null, reason: leak ? leak.reason : summary.detector };
      });
    }
  }
  if (o.only !== 'leaks') {
    const heapMiB = Math.round(v8.getHeapStatistics().heap_size_limit / MIB);
    for (const minutes of FILL_MINUTES) {
      for (const cache of CACHES) {
        jobs.push(async () => {
          const lines = await runChild({
            fixture: 'ok-cache-fill.js',
            env: { LEAKGUARD_FIXTURE_CACHE: cache, LEAKGUARD_FIXTURE_FILL_MS: String(minutes * 60000) },
            durationMs: (minutes + 5) * 60000,
          });
          const leaks = lines.filter((x) => x.event === 'leak');
          const summary = lines.find((x) => x.event === 'summary') || {};
          return { kind: 'fill', cache, minutes, heap: `${heapMiB} MiB`, events: leaks.length,
            firstS: leaks[0] ? +(leaks[0].atMs / 1000).toFixed(1) : null,
            heapUsedMB: summary.heapUsed ? Math.round(summary.heapUsed / 1e6) : null,
            met: leaks.length === 0 };
        });
      }
    }
  }
  const results = await pool(jobs, o.parallel);
  if (o.json) {
    console.log(JSON.stringify(results, null, 2));
    return;
  }
  for (const r of results) {
    if (r.kind === 'leak') {
      console.log(`leak ${r.rate.padEnd(9)} heap ${r.heap}: time to limit ${r.timeToLimitS} s, reported at ` +
        `${r.reportedS} s (target ${r.targetS} s) ${r.met ? 'ok' : 'MISSED'}; the event said ${r.eventTimeToLimitS} s`);
    } else {
      console.log(`fill ${r.cache.padEnd(16)} ${r.minutes} min at ~1 MB/s (heap ${r.heap}, ${r.heapUsedMB} MB used): ` +
        `${r.events} event(s)${r.firstS ? ` first at ${r.firstS} s` : ''} ${r.met ? 'ok' : 'REPORTED'}`);
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
