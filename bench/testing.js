'use strict';
// Wall time of assertNoLeak at default settings (1000 warm-up calls, then
// 8 rounds of 500 calls, each followed by full GCs until the heap settles).
//
//   node bench/testing.js [--runs N]
//
// Cases: a ~1 µs synchronous function and a ~1 ms async function
// (a 1 ms timer). Each run is a fresh process so the figure includes the
// cold start of the function, as in a test file. Prints a markdown table.
const { spawnSync } = require('node:child_process');
const os = require('node:os');

const CASES = {
  'sync, ~1 µs': `
    let sink = 0;
    function work() {            // about 1 µs of allocation
      const a = [];
      for (let i = 0; i < 100; i++) a.push({ i, s: i * 2 });
      sink += a.length;
    }`,
  'async, ~1 ms': `
    async function work() {      // one 1 ms timer
      await new Promise((resolve) => setTimeout(resolve, 1));
    }`,
};

// Per-call time of the warm function, awaited when async, so the table
// says what the function costs; taken after the measurement so that
// assertNoLeak starts cold, as in a test file.
async function timePerCall(work) {
  const isAsync = work.constructor.name === 'AsyncFunction';
  const count = isAsync ? 200 : 20000;
  const t0 = performance.now();
  if (isAsync) {
    for (let i = 0; i < count; i++) await work();
  } else {
    for (let i = 0; i < count; i++) work();
  }
  return (performance.now() - t0) / count;
}

async function child(name) {
  const { assertNoLeak } = require('../lib/testing');
  // eslint-disable-next-line no-new-func
  const work = new Function(`${CASES[name]}; return work;`)();
  const started = performance.now();
  const report = await assertNoLeak(work);
  const wall = performance.now() - started;
  const perCallMs = await timePerCall(work);
  const gcs = report.samples.reduce((n, s) => n + s.gcs, 0);
  process.stdout.write(JSON.stringify({ wall, perCallMs, gcs,
                                        bytes: report.bytesPerIteration }) + '\n');
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

function main() {
  const runsArg = process.argv.indexOf('--runs');
  const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 5;
  console.log(`node ${process.version}, ${os.cpus()[0].model.trim()} ×${os.cpus().length}, ` +
              `${runs} fresh processes per case`);
  console.log('');
  console.log('| function | per call | assertNoLeak wall time, median [min, max] | full GCs |');
  console.log('| --- | --- | --- | --- |');
  for (const name of Object.keys(CASES)) {
    const rows = [];
    for (let i = 0; i < runs; i++) {
      const r = spawnSync(process.execPath, [__filename, '--child', name], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`${name} failed:\n${r.stdout}${r.stderr}`);
      rows.push(JSON.parse(r.stdout.trim().split('\n').pop()));
    }
    const walls = rows.map((r) => r.wall);
    const perCall = median(rows.map((r) => r.perCallMs));
    const perCallText = perCall < 0.1 ? `${(perCall * 1000).toFixed(2)} µs` : `${perCall.toFixed(2)} ms`;
    console.log(`| ${name} | ${perCallText} | ${(median(walls) / 1000).toFixed(2)} s ` +
      `[${(Math.min(...walls) / 1000).toFixed(2)}, ${(Math.max(...walls) / 1000).toFixed(2)}] | ` +
      `${median(rows.map((r) => r.gcs))} |`);
  }
}

if (process.argv[2] === '--child') {
  child(process.argv[3]).catch((err) => { console.error(err); process.exitCode = 1; });
} else {
  main();
}
