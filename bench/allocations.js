#!/usr/bin/env node
'use strict';
// explain: 'allocations': what V8's sampling heap profiler costs
// while an episode samples, and what reading it pauses, each as a ratio
// against a baseline in the same run.
//
//   node bench/allocations.js overhead [pairs=41]
//     throughput of two workloads, monitoring without the sampler against
//     monitoring with it at 1/4x, 1x and 4x the default interval (524288
//     bytes), in alternating blocks of one process per cell: the GC churn
//     of bench/gc-overhead.js, and an HTTP server and client on loopback
//   node bench/allocations.js pause [sizeMb=90]
//     the main-thread pause of reading the profile (as explain does after
//     a full GC) against explain: 'constructors'' capture of the same
//     heap of small objects
//   node bench/allocations.js latency [runs=3]
//     seconds from a leak's first 'leak' event to the first event that
//     carries suspects, 'allocations' against 'constructors', on
//     test/fixtures/leak-allocations.js
const { spawnSync, spawn } = require('node:child_process');
const http = require('node:http');
const path = require('node:path');
const { smallObjectHeap, median } = require('./heap-of-small-objects');

const ROOT = path.resolve(__dirname, '..');
const DEFAULT_INTERVAL = 512 * 1024;

// --- child: one measured run -------------------------------------------

// A block of GC churn: young garbage plus an old generation that turns
// over (bench/gc-overhead.js's workload, a sixth of it).
const old = new Array(200000);
function churn() {
  let sink = 0;
  for (let round = 0; round < 10; round++) {
    for (let i = 0; i < 200000; i++) {
      const o = { id: i, name: `obj-${i}`, list: [i, round] };
      if (i % 4 === 0) old[(i * 7 + round) % old.length] = o;
      sink += o.list.length;
    }
  }
  return sink;
}

// A block of HTTP: 2,000 requests of a keep-alive client against a JSON
// handler on loopback.
let server = null;
let agent = null;
async function httpBlock() {
  if (server === null) {
    server = http.createServer((req, res) => {
      const rows = [];
      for (let i = 0; i < 50; i++) rows.push({ i, text: `row-${i}` });
      res.end(JSON.stringify(rows));
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  }
  const port = server.address().port;
  let left = 2000;
  const one = () => new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, agent, path: '/' }, (res) => {
      res.resume();
      res.on('end', resolve);
    }).on('error', reject);
  });
  const worker = async () => {
    while (left-- > 0) await one();
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

// One process per workload and interval: blocks alternate without and
// with the sampler (which goes first alternates per pair), so that both
// sides share the process, its JIT and its heap; the ratio of each pair's
// times, median over the pairs.
async function child(workload, interval, pairs) {
  const lg = require(ROOT);
  lg.start({ explain: 'none' });
  lg.on('leak', () => {});
  const { sampler } = require(path.join(ROOT, 'lib', 'sampling', 'allocations'));
  const block = async () => {
    const t0 = process.hrtime.bigint();
    if (workload === 'churn') churn();
    else await httpBlock();
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  for (let i = 0; i < 3; i++) await block();  // warm up
  const ratios = [];
  for (let i = 0; i < pairs; i++) {
    const ms = {};
    for (const on of i % 2 ? [false, true] : [true, false]) {
      if (on) sampler.acquire(interval, 64);
      ms[on] = await block();
      if (on) sampler.release();
    }
    ratios.push(ms[false] / ms[true]);
  }
  process.stdout.write(JSON.stringify({ ratios }) + '\n');
  process.exit(0);
}

function overhead(pairs) {
  const intervals = [DEFAULT_INTERVAL / 4, DEFAULT_INTERVAL, DEFAULT_INTERVAL * 4];
  console.log(`node ${process.version}, ${pairs} pairs of blocks per cell, in one process per cell; ` +
    'ratio = throughput with the sampler / without (monitoring in both), median');
  for (const workload of ['churn', 'http']) {
    for (const interval of intervals) {
      const r = spawnSync(process.execPath,
        [__filename, '--child', workload, String(interval), String(pairs)], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`child failed: ${r.stderr}`);
      const { ratios } = JSON.parse(r.stdout.trim().split('\n').pop());
      const sorted = [...ratios].sort((a, b) => a - b);
      const q = (f) => sorted[Math.min(sorted.length - 1, Math.floor(f * sorted.length))];
      console.log(`${workload.padEnd(6)} interval ${String(interval).padStart(7)} B: ` +
        `throughput ratio ${median(ratios).toFixed(3)} (interquartile ${q(0.25).toFixed(3)}` +
        `–${q(0.75).toFixed(3)})`);
    }
  }
}

// --- pause ---------------------------------------------------------------

function pause(sizeMb) {
  const lg = require(ROOT);
  const binding = require(path.join(ROOT, 'lib', 'binding'));
  const allocations = require(path.join(ROOT, 'lib', 'sampling', 'allocations'));
  const { captureHeap } = require(path.join(ROOT, 'lib', 'snapshot', 'snapshots'));
  // The sampler runs while the heap is built, as during an episode: every
  // object of it is a live sample candidate.
  allocations.sampler.acquire(DEFAULT_INTERVAL, 64);
  const held = smallObjectHeap(sizeMb);
  lg.gc();
  const reads = [];
  let sites = 0;
  let samples = 0;
  for (let i = 0; i < 5; i++) {
    const t0 = process.hrtime.bigint();
    const raw = allocations.sampler.read();
    sites = allocations.sitesOf(raw).size;
    reads.push(Number(process.hrtime.bigint() - t0) / 1e6);
    samples = raw.samples.length;
  }
  allocations.sampler.release();
  const captures = [];
  for (let i = 0; i < 2; i++) {
    const t0 = process.hrtime.bigint();
    const c = captureHeap('bench', 'classes', { reason: 'bench' });
    captures.push(Number(process.hrtime.bigint() - t0) / 1e6);
    binding.releaseCapture(c.handle);
  }
  const heapMb = process.memoryUsage().heapUsed / 2 ** 20;
  console.log(`node ${process.version}, heap ${heapMb.toFixed(0)} MiB of ${held.length} small objects`);
  console.log(`read the allocation profile + sites: median ${median(reads).toFixed(2)} ms ` +
    `(${samples} live samples, ${sites} sites)`);
  console.log(`explain: 'constructors' capture:    median ${median(captures).toFixed(0)} ms`);
  console.log(`pause ratio (read / capture): ${(median(reads) / median(captures)).toFixed(5)}`);
}

// --- latency -------------------------------------------------------------

function fixtureRun(explain) {
  return new Promise((resolve, reject) => {
    const fixture = path.join(ROOT, 'test', 'fixtures', 'leak-allocations.js');
    const c = spawn(process.execPath, [fixture, 'explain', JSON.stringify({ explain, explainMaxPauseMs: 60000 }), '6'],
      { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    let firstAt = null;
    c.stdout.on('data', (d) => {
      out += d;
      const lines = out.split('\n');
      out = lines.pop();
      for (const line of lines) {
        const e = JSON.parse(line);
        if (e.kind === undefined) continue;
        if (firstAt === null) firstAt = Date.now();
        if (e.suspects && e.suspects.length > 0) {
          c.kill();
          resolve({ seconds: (Date.now() - firstAt) / 1000, top: e.suspects[0].what });
        }
      }
    });
    c.on('exit', () => resolve(null));
    c.on('error', reject);
  });
}

async function latency(runs) {
  console.log(`node ${process.version}: first 'leak' event → first event with suspects`);
  for (const explain of ['allocations', 'constructors']) {
    const secs = [];
    let top = null;
    for (let i = 0; i < runs; i++) {
      const r = await fixtureRun(explain);
      if (r !== null) {
        secs.push(r.seconds);
        top = r.top;
      }
    }
    console.log(`${explain.padEnd(12)} median ${median(secs).toFixed(1)} s over ${secs.length} runs; top suspect ${top}`);
  }
}

const [mode, arg] = process.argv.slice(2);
if (mode === '--child') {
  child(arg, Number(process.argv[4]), Number(process.argv[5]));
} else if (mode === 'overhead') {
  overhead(Number(arg || 41));
} else if (mode === 'pause') {
  pause(Number(arg || 90));
} else if (mode === 'latency') {
  latency(Number(arg || 3));
} else {
  console.error('usage: node bench/allocations.js overhead [pairs] | pause [sizeMb] | latency [runs]');
  process.exit(2);
}
