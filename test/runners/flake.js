'use strict';
// Flakiness check for leakguard/testing, kept out of `npm test` because it
// repeats things on purpose.
//
//   node test/runners/flake.js                 clean functions, 30 fresh processes
//   node test/runners/flake.js --smallest      smallest leak caught 30 of 30
//   node test/runners/flake.js --runner jest   a runner's clean suite, 30 times
//   options: --runs N (default 30), --jobs N (parallel processes, default 2)
//
// Each run is a fresh `node` process, so every one starts from cold code
// and caches, as a test file does. The clean mode fails (exit 1) if any
// clean function is reported as leaking even once; --smallest only reports.
// In the clean and runner modes the last line is "N passed, N failed",
// counting runs (× functions).
const { spawn } = require('node:child_process');
const path = require('node:path');
const { RUNNERS, ENV, ROOT } = require('./runners');

const CLEAN = ['parseRecords', 'hashBuffer', 'fetchUser', 'cachedLookup',
               'emitOnce', 'renderTemplate'];
// Sessions kept per call (one is about 52 B with its array slot).
const LADDER = [1, 1 / 2, 2 / 5, 1 / 3, 2 / 7, 1 / 4, 1 / 6];

function parseArgs(argv) {
  const args = { runs: 30, jobs: 2, mode: 'clean', runner: null, child: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--runs') args.runs = Number(argv[++i]);
    else if (a === '--jobs') args.jobs = Number(argv[++i]);
    else if (a === '--smallest') args.mode = 'smallest';
    else if (a === '--runner') { args.mode = 'runner'; args.runner = argv[++i]; }
    else if (a === '--child') args.child = argv[++i];
    else throw new Error(`flake.js: unknown argument ${a}`);
  }
  if (!(args.runs >= 1) || !(args.jobs >= 1)) throw new Error('flake.js: bad --runs or --jobs');
  if (args.mode === 'runner' && !RUNNERS[args.runner]) {
    throw new Error(`flake.js: --runner must be one of ${Object.keys(RUNNERS).join(', ')}`);
  }
  return args;
}

// In a child: measure each function once at default settings and print one
// JSON line per function.
async function child(mode) {
  const { measureHeap } = require('../../lib/testing');
  const f = require('./fixtures');
  const cases = mode === 'clean'
    ? CLEAN.map((name) => [name, f[name]])
    : LADDER.map((rate) => [`${rate.toFixed(2)}/call`, f.sessionsAtRate(rate)]);
  for (const [name, fn] of cases) {
    const r = await measureHeap(fn, { explain: false });
    process.stdout.write(JSON.stringify({
      name, leak: r.leak, bytesPerIteration: r.bytesPerIteration,
      confidence: r.confidence, noiseFloor: r.noiseFloor, durationMs: r.durationMs,
    }) + '\n');
  }
}

function spawnNode(argv) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, argv, {
      cwd: ROOT, env: { ...process.env, ...ENV }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { out += d; });
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, out }));
  });
}

// Runs `count` tasks with at most `jobs` at once, in order of start.
async function pool(count, jobs, task) {
  const results = new Array(count);
  let next = 0;
  async function worker() {
    while (next < count) {
      const i = next++;
      results[i] = await task(i);
    }
  }
  await Promise.all(Array.from({ length: Math.min(jobs, count) }, worker));
  return results;
}

const started = Date.now();
function summary(passed, failed) {
  console.log(`(${((Date.now() - started) / 1000).toFixed(1)} s)`);
  console.log(`${passed} passed, ${failed} failed`);
}

function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function measured(mode, args) {
  const runs = await pool(args.runs, args.jobs, async () => {
    const r = await spawnNode([__filename, '--child', mode]);
    const lines = r.out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    if (r.code !== 0 || lines.length === 0) throw new Error(`child failed:\n${r.out}`);
    return lines;
  });
  const byName = new Map();
  for (const lines of runs) {
    for (const l of lines) {
      if (!byName.has(l.name)) byName.set(l.name, []);
      byName.get(l.name).push(l);
    }
  }
  let passed = 0;
  let failed = 0;
  console.log(`${mode}: ${args.runs} fresh processes, default settings`);
  console.log('function        leak  B/call median [min, max]      confidence max  ms median');
  for (const [name, rows] of byName) {
    const leaks = rows.filter((r) => r.leak).length;
    const b = rows.map((r) => r.bytesPerIteration).sort((x, y) => x - y);
    const ms = rows.map((r) => r.durationMs).sort((x, y) => x - y);
    const conf = Math.max(...rows.map((r) => r.confidence));
    console.log(`${name.padEnd(15)} ${String(leaks).padStart(2)}/${rows.length}  ` +
      `${quantile(b, 0.5).toFixed(1).padStart(6)} [${b[0].toFixed(1)}, ${b[b.length - 1].toFixed(1)}]`.padEnd(32) +
      `${conf.toFixed(4).padStart(8)}  ${quantile(ms, 0.5).toFixed(0).padStart(6)}`);
    passed += rows.length - leaks;
    failed += leaks;
  }
  if (mode === 'smallest') {
    const caught = [...byName].filter(([, rows]) => rows.every((r) => r.leak));
    const smallest = caught.map(([, rows]) => {
      const b = rows.map((r) => r.bytesPerIteration).sort((x, y) => x - y);
      return quantile(b, 0.5);
    }).sort((x, y) => x - y)[0];
    console.log(smallest === undefined ? 'no leak size was caught in every run'
      : `smallest leak caught ${args.runs}/${args.runs}: ~${smallest.toFixed(1)} B per call`);
    console.log(`(${((Date.now() - started) / 1000).toFixed(1)} s)`);
    return 0;
  }
  summary(passed, failed);
  return failed === 0 ? 0 : 1;
}

async function runner(args) {
  const r = RUNNERS[args.runner];
  let passed = 0;
  let failed = 0;
  for (let i = 0; i < args.runs; i++) {
    const argv = r.argv('clean');
    const res = await spawnNode(argv);
    if (res.code === 0) {
      passed++;
    } else {
      failed++;
      console.log(`run ${i + 1} failed:\n${res.out}`);
    }
  }
  console.log(`${args.runner} clean suite ×${args.runs}`);
  summary(passed, failed);
  return failed === 0 ? 0 : 1;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.child) return child(args.child);
  const code = args.mode === 'runner' ? await runner(args) : await measured(args.mode, args);
  process.exitCode = code;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
