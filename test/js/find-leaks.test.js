'use strict';
// leakguard.findLeaks(): the three-snapshot method in real child processes
// (test/fixtures/find-leaks-child.js) that leak requests into a
// module-level Map, or do the same work without leaking; its files; its
// option checks.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { Worker } = require('node:worker_threads');
const leakguard = require('../..');
const { runNode, firstMessage } = require('./helpers/child');
const { checkSnapshot, tmpDir } = require('../fixtures/snapshot-check');

const CHILD = path.resolve(__dirname, '..', 'fixtures', 'find-leaks-child.js');
const ROOT = path.resolve(__dirname, '..', '..');
const PER_CALL = 10;
const ITERATIONS = 100;
const LEAKED = PER_CALL * ITERATIONS;  // requests leaked between baseline and target

async function child(mode, dir, { perCall = PER_CALL, iterations = ITERATIONS } = {}) {
  const args = [mode, String(perCall), String(iterations)];
  if (dir) args.push(dir);
  const r = await runNode({ file: CHILD, args, timeoutMs: 120000 });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.signal, null);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

function assertLeakGroup(report) {
  assert.ok(report.groups.length >= 1, JSON.stringify(report, null, 2));
  const top = report.groups[0];
  assert.equal(top.constructor, 'LeakedRequest');
  assert.match(top.path, /requests \(Map\) → table → LeakedRequest$/);
  assert.ok(top.hops.some((h) => h.edge === 'requests' && h.node === 'Map'),
            JSON.stringify(top.hops));
  assert.ok(Math.abs(top.count - LEAKED) <= LEAKED * 0.05,
            `count ${top.count}, leaked ${LEAKED}`);
  assert.ok(top.retained_size > top.self_size && top.self_size >= top.count * 16);
  return top;
}

test('a leak into a module-level Map is the top group, with its path and count', async () => {
  const out = await child('leak');
  assert.equal(out.error, undefined, out.error);
  assert.deepEqual(Object.keys(out.report), ['version', 'files', 'report']);
  assert.deepEqual(out.report.files, { baseline: null, target: null, final: null });
  assertLeakGroup(out.report.report);
  assert.equal(out.requests, (1 + 2 * ITERATIONS) * PER_CALL);
});

test('the same work without the leak reports no group above the noise floor', async () => {
  const out = await child('clean');
  assert.equal(out.error, undefined, out.error);
  const { report } = out.report;
  assert.deepEqual(report.groups, [], JSON.stringify(report.groups, null, 2));
  assert.ok(report.new_in_target > 0, 'the workload allocated nothing?');
});

test('dir keeps three 0600 files that analyze to the same report', async () => {
  const dir = tmpDir();
  const out = await child('leak', dir);
  assert.equal(out.error, undefined, out.error);
  const files = ['s1', 's2', 's3'].map((n) => path.join(dir, `${n}.heapsnapshot`));
  assert.deepEqual(out.report.files, { baseline: files[0], target: files[1], final: files[2] });
  assert.deepEqual(fs.readdirSync(dir).sort(), files.map((f) => path.basename(f)));
  for (const f of files) {
    assert.equal(fs.statSync(f).mode & 0o777, 0o600, f);
    checkSnapshot(f);
  }
  const top = assertLeakGroup(out.report.report);
  // The files are the very snapshots the report was made of.
  const fromFiles = await leakguard.analyze(files);
  assert.deepEqual(fromFiles.report, out.report.report);
  assert.equal(fromFiles.report.groups[0].count, top.count);

  // A second run does not overwrite them.
  const again = await child('leak', dir);
  assert.equal(again.code, 'EEXIST');
  assert.match(again.error, /options\.dir already holds .*s1\.heapsnapshot/);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a failing run() rejects with its error', async () => {
  const out = await child('throw');
  assert.equal(out.error, 'the workload failed');
});

test('a million-deep linked list does not need recursion', async () => {
  const out = await child('deep', null, { iterations: 20 });
  assert.equal(out.error, undefined, out.error);
  assert.equal(out.deep, true);
  // The list is in every snapshot, so it is no candidate; the leak is.
  const top = out.report.report.groups[0];
  assert.equal(top.constructor, 'LeakedRequest');
  assert.ok(Math.abs(top.count - 20 * PER_CALL) <= 10, String(top.count));
  assert.ok(out.report.report.final_nodes > 1e6);
});

test('findLeaks works in a worker thread, on its heap', async () => {
  const worker = new Worker(`
    const { parentPort } = require('node:worker_threads');
    const leakguard = require(${JSON.stringify(ROOT)});
    class WorkerLeak { constructor(i) { this.i = i; this.s = 'w' + i; } }
    const kept = [];
    leakguard.findLeaks({ run: () => { for (let i = 0; i < 5; i++) kept.push(new WorkerLeak(i)); },
                          iterations: 40, settleMs: 0, minCount: 20, minRetainedBytes: 0 })
      .then((r) => parentPort.postMessage(r), (e) => parentPort.postMessage({ error: e.stack }));
  `, { eval: true });
  const msg = await firstMessage(worker);
  await worker.terminate();
  assert.equal(msg.error, undefined);
  const top = msg.report.groups[0];
  assert.equal(top.constructor, 'WorkerLeak');
  assert.ok(Math.abs(top.count - 200) <= 10, String(top.count));
});

test('options are checked at the call, naming the option', () => {
  const run = () => {};
  assert.throws(() => leakguard.findLeaks(), {
    name: 'TypeError', message: /leakguard\.findLeaks: options must be an object with a run function/,
  });
  assert.throws(() => leakguard.findLeaks({ iterations: 10 }), {
    name: 'TypeError', message: /leakguard\.findLeaks: options\.run must be a function/,
  });
  assert.throws(() => leakguard.findLeaks({ run: 'x' }), {
    name: 'TypeError', message: /options\.run must be a function/,
  });
  assert.throws(() => leakguard.findLeaks({ run, iterations: 0 }), {
    name: 'RangeError', message: /options\.iterations must be between 1 and 100000000/,
  });
  assert.throws(() => leakguard.findLeaks({ run, settleMs: 1.5 }), {
    name: 'RangeError', message: /options\.settleMs must be an integer/,
  });
  assert.throws(() => leakguard.findLeaks({ run, dir: '' }), {
    name: 'TypeError', message: /options\.dir must be a non-empty string/,
  });
  assert.throws(() => leakguard.findLeaks({ run, iteration: 5 }), {
    name: 'TypeError',
    message: /unknown option 'iteration'; accepted options are run, iterations, warmup, settleMs, dir, top, minCount, minRetainedBytes, ignoreHeadroom/,
  });
});
