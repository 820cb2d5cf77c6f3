#!/usr/bin/env node
'use strict';
// Leak detection quality: runs each detector fixture (test/fixtures) as a
// child process with default options and reports, per workload, whether a
// 'leak' event came and when, then true positives, false positives, misses
// and the median time to the first event. Targets: every leak of
// >= 100 KB/s found within 90 s, no false positives.
//
//   node bench/detection.js [--duration 90000] [--parallel 4] [--runs 1]
//                           [--only leak-cache,ok-lru] [--json]
//
// Leaky workloads stop at their first event; healthy ones run the whole
// duration. leak-churn-slow, leak-swing and ok-swing run only when --only
// names them (they need minutes: see the comment in WORKLOADS). Runs with
// --parallel > 1 share the CPU, which makes V8 collect less often: a fair
// stand-in for a busy host.
const { spawn } = require('node:child_process');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');

// rate: the live-set growth the fixture produces on its own (measured with
// forced GCs every 5 s; see bench/RESULTS.md).
const WORKLOADS = [
  { name: 'leak-http-map', fixture: 'leak-http-map', expect: 'heap',
    rate: '~350 KB/s' },
  { name: 'leak-http-map-slow', fixture: 'leak-http-map', expect: 'heap',
    rate: '~100 KB/s', env: { LEAKGUARD_FIXTURE_RATE: '60' } },
  { name: 'leak-http-map-late', fixture: 'leak-http-map', expect: 'heap',
    rate: '~350 KB/s from 60 s', env: { LEAKGUARD_FIXTURE_LEAK_AFTER_MS: '60000' } },
  { name: 'leak-listeners', fixture: 'leak-listeners', expect: 'heap',
    rate: '~150 KB/s' },
  { name: 'leak-cache', fixture: 'leak-cache', expect: 'heap',
    rate: '~270 KB/s' },
  { name: 'leak-buffers', fixture: 'leak-buffers', expect: 'external',
    rate: '~330 KB/s' },
  { name: 'leak-native', fixture: 'leak-native', expect: 'rss',
    rate: '~400 KB/s (malloc)' },
  { name: 'ok-lru', fixture: 'ok-lru', expect: null, rate: 'fills ~25 MB, flat' },
  { name: 'ok-sawtooth', fixture: 'ok-sawtooth', expect: null,
    rate: '28 MB batches every 5 s' },
  { name: 'ok-churn', fixture: 'ok-churn', expect: null,
    rate: '200 req/s, flat' },
  { name: 'ok-bursts', fixture: 'ok-bursts', expect: null,
    rate: '20-50 MB bursts' },
  // Long runs, only with --only: a slow leak under churn, run
  // with --duration 600000, and a CPU-bound service whose sessions swing
  // +-5 MB every 30 s, with and without an 80 KB/s leak (--duration 240000).
  { name: 'leak-churn-slow', fixture: 'leak-churn-slow', expect: 'heap',
    rate: '~20 KB/s under churn', long: true },
  { name: 'leak-swing', fixture: 'leak-sessions-swing', expect: 'heap',
    rate: '~80 KB/s under a ±5 MB swing', long: true },
  { name: 'ok-swing', fixture: 'leak-sessions-swing', expect: null,
    rate: '±5 MB swing, 30 s period', long: true,
    env: { LEAKGUARD_FIXTURE_LEAK_KBPS: '0' } },
];

function parseArgs(argv) {
  const opts = { duration: 90000, parallel: 4, runs: 1, only: null,
                 json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') opts.json = true;
    else if (a === '--duration') opts.duration = Number(argv[++i]);
    else if (a === '--parallel') opts.parallel = Number(argv[++i]);
    else if (a === '--runs') opts.runs = Number(argv[++i]);
    else if (a === '--only') opts.only = argv[++i].split(',');
    else throw new Error(`unknown argument ${a}`);
  }
  return opts;
}

function runOne(w, duration) {
  return new Promise((resolve) => {
    const env = { ...process.env, ...w.env };
    if (w.expect) env.LEAKGUARD_FIXTURE_STOP = '1';
    const child = spawn(process.execPath,
      [path.join(ROOT, 'test', 'fixtures', `${w.fixture}.js`),
       String(duration)],
      { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    const killer = setTimeout(() => child.kill('SIGKILL'), duration + 30000);
    child.on('close', (code) => {
      clearTimeout(killer);
      const lines = out.split('\n').filter((l) => l.startsWith('{'))
        .map((l) => { try { return JSON.parse(l); } catch { return null; } })
        .filter(Boolean);
      const leaks = lines.filter((l) => l.event === 'leak');
      const summary = lines.find((l) => l.event === 'summary') || null;
      resolve({ code, leaks, summary, stderr: err });
    });
  });
}

async function pool(items, size, fn) {
  const results = new Array(items.length);
  let next = 0;
  async function worker() {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, size) }, worker));
  return results;
}

function median(values) {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function fmtRate(bps) {
  if (bps == null) return '';
  return bps >= 1e6 ? `${(bps / 1e6).toFixed(2)} MB/s`
    : `${(bps / 1e3).toFixed(0)} KB/s`;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const workloads = opts.only
    ? WORKLOADS.filter((w) => opts.only.includes(w.name))
    : WORKLOADS.filter((w) => !w.long);
  const jobs = [];
  for (let run = 0; run < opts.runs; run++) {
    for (const w of workloads) jobs.push({ w, run });
  }
  const results = await pool(jobs, opts.parallel, async ({ w, run }) => {
    const r = await runOne(w, opts.duration);
    const first = r.leaks[0] || null;
    const right = w.expect ? r.leaks.find((l) => l.kind === w.expect) : null;
    const d = r.summary && r.summary.detector;
    return {
      workload: w.name, run, expect: w.expect, rate: w.rate,
      exit: r.code,
      detected: r.leaks.length > 0,
      firstKind: first ? first.kind : null,
      firstMs: first ? first.atMs : null,
      rightKindMs: right ? right.atMs : null,
      reportedRate: right ? right.bytesPerSecond : (first ? first.bytesPerSecond : null),
      reason: first ? first.reason : null,
      fullGcs: r.summary && r.summary.gc ? r.summary.gc.num_full_gc : null,
      probes: d ? d.probesRequested : null,
      heapSamples: d ? d.samples.heap : null,
    };
  });

  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  const latencies = [];
  for (const r of results) {
    if (r.expect) {
      if (r.rightKindMs != null && r.rightKindMs <= opts.duration) {
        tp++;
        latencies.push(r.rightKindMs);
      } else {
        fn++;
      }
    } else if (r.detected) {
      fp++;
    } else {
      tn++;
    }
  }
  const totals = { truePositives: tp, falsePositives: fp, misses: fn,
                   trueNegatives: tn, medianLatencyMs: median(latencies),
                   maxLatencyMs: latencies.length ? Math.max(...latencies) : null };

  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ opts, results, totals }, null, 2)}\n`);
    return;
  }
  const cpus = os.cpus();
  console.log(`node ${process.version}, ${cpus.length} × ${cpus[0] && cpus[0].model}, ` +
    `duration ${opts.duration} ms, ${opts.parallel} in parallel, ${opts.runs} run(s)\n`);
  console.log('| workload | growth | expected | detected | first event | reported rate | full GCs / probes |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const r of results) {
    const when = r.firstMs != null ? `${(r.firstMs / 1000).toFixed(1)} s (${r.firstKind})` : '—';
    console.log(`| ${r.workload}${opts.runs > 1 ? ` #${r.run + 1}` : ''} | ${r.rate} | ` +
      `${r.expect || 'none'} | ${r.detected ? 'yes' : 'no'} | ${when} | ` +
      `${fmtRate(r.reportedRate)} | ${r.fullGcs ?? '?'} / ${r.probes ?? '?'} |`);
  }
  console.log(`\ntrue positives ${tp}/${tp + fn}, false positives ${fp}/${fp + tn}, ` +
    `median latency ${totals.medianLatencyMs != null ? (totals.medianLatencyMs / 1000).toFixed(1) + ' s' : '—'}` +
    `, max ${totals.maxLatencyMs != null ? (totals.maxLatencyMs / 1000).toFixed(1) + ' s' : '—'}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
