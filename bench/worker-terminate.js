#!/usr/bin/env node
'use strict';
// Stress: workers terminated inside synchronous loops over leakguard's API
// (test/fixtures/worker-teardown-child.js's CALLS), many times, to measure
// how often terminate() hangs. A worker whose terminate() has not resolved
// after --hang-ms is a hang: its threads' stacks are printed (gdb, when
// installed) and the child is killed.
//
//   node bench/worker-terminate.js [--rounds 500] [--parallel 2] [--busy 2]
//       [--only snapshots] [--hang-ms 20000]
//
// Each of --parallel streams runs --rounds terminations; a child that hangs
// is killed and a new one runs the stream's remaining rounds. Prints the
// hangs and a total: terminations, hangs, the rate.
const { spawn, spawnSync } = require('node:child_process');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('node:util');

const ROOT = path.resolve(__dirname, '..');
const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '500' },
    parallel: { type: 'string', default: '2' },
    busy: { type: 'string', default: '2' },
    only: { type: 'string', default: '' },
    'hang-ms': { type: 'string', default: '20000' },
    child: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
});

const CALLS = {
  snapshots: (dir) => `for (;;) { lg.enableSnapshots({ dir: ${JSON.stringify(dir)}, signal: 'SIGUSR2' });
              lg.snapshotStats(); lg.disableSnapshots(); }`,
  start: () => `for (;;) { lg.start({ sensitivity: 'high' }); lg.heapStats(); lg.stop(); }`,
  stats: () => `lg.on('stats', () => {}); for (;;) { lg.heapStats(); lg.snapshotStats(); lg.gc(); }`,
  heapDiff: () => `for (;;) { new lg.HeapDiff().end(); }`,
};

async function child() {
  const { Worker } = require('node:worker_threads');
  const fs = require('node:fs');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-terminate-'));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  const names = values.only ? values.only.split(',') : Object.keys(CALLS);
  const rounds = Number(values.rounds);
  let n = 0;
  for (let round = 0; round < rounds; round++) {
    for (const name of names) {
      const w = new Worker(`const lg = require(${JSON.stringify(ROOT)});
        require('node:worker_threads').parentPort.postMessage('looping');
        ${CALLS[name](path.join(dir, 'calls'))}`, { eval: true });
      w.on('error', () => {});
      const exited = new Promise((resolve) => w.once('exit', resolve));
      await Promise.race([new Promise((resolve) => w.once('message', resolve)), exited]);
      await new Promise((resolve) => setTimeout(resolve, (round * 7) % 25));
      process.stdout.write(`T ${name} ${round}\n`);
      await w.terminate();
      await exited;
      n++;
      process.stdout.write(`E ${n}\n`);
    }
  }
  process.stdout.write(`done ${n}\n`);
}

function stacks(pid) {
  const r = spawnSync('gdb', ['-p', String(pid), '-batch', '-ex', 'thread apply all bt 30'],
    { encoding: 'utf8', timeout: 60000 });
  return r.error ? `(no gdb: ${r.error.message})` : r.stdout;
}

function runChild(rounds) {
  return new Promise((resolve) => {
    const args = [__filename, '--child', '--rounds', String(rounds), '--only', values.only];
    const c = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    let last = Date.now();
    let done = 0;
    let hang = null;
    c.stdout.on('data', (d) => {
      out += d;
      last = Date.now();
      const m = /E (\d+)\n(?![\s\S]*E \d+\n)/.exec(out.slice(-200));
      if (m) done = Number(m[1]);
      if (out.length > 1e5) out = out.slice(-1000);
    });
    const watch = setInterval(() => {
      if (Date.now() - last > Number(values['hang-ms'])) {
        const tail = out.trim().split('\n').slice(-2).join(' | ');
        hang = `after ${done} terminations, at "${tail}"\n${stacks(c.pid)}`;
        if (values.keep) {
          console.log(`HANG in pid ${c.pid}, kept for a look`);
          clearInterval(watch);
          return;
        }
        c.kill('SIGKILL');
      }
    }, 1000);
    c.on('exit', (code, signal) => {
      clearInterval(watch);
      const m = /done (\d+)/.exec(out);
      resolve({ terminations: m ? Number(m[1]) : done, hang, code, signal });
    });
  });
}

async function main() {
  const busy = [];
  for (let i = 0; i < Number(values.busy); i++) {
    busy.push(spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
  }
  try {
    const started = Date.now();
    let total = 0;
    let hangs = 0;
    const stream = async () => {
      // Rounds count per loop name; a child reports terminations.
      const per = values.only ? values.only.split(',').length : Object.keys(CALLS).length;
      let left = Number(values.rounds) * per;
      while (left > 0) {
        const r = await runChild(Math.ceil(left / per));
        total += r.terminations;
        left -= Math.max(r.terminations, 1);
        if (r.hang) {
          hangs++;
          console.log(`HANG ${r.hang.split('\n')[0]}`);
          if (process.env.LEAKGUARD_BENCH_STACKS) console.log(r.hang);
          if (values.keep) return;
        } else if (r.code !== 0) {
          console.log(`child exited ${r.code} (${r.signal}) after ${r.terminations}`);
          return;
        }
      }
    };
    await Promise.all(Array.from({ length: Number(values.parallel) }, stream));
    console.log(`node ${process.version}: ${total} terminations (${values.only || 'all loops'}), ` +
      `${hangs} hang(s), ${((Date.now() - started) / 1000).toFixed(0)} s, ` +
      `${values.parallel} in parallel beside ${values.busy} busy loops`);
  } finally {
    for (const b of busy) b.kill('SIGKILL');
  }
}

if (values.child) child();
else main();
