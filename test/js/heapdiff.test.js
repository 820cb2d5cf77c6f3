'use strict';
// leakguard.HeapDiff: memwatch's API and result shape on this process's own
// heap, in a worker thread, and on a million-deep linked list in a child
// process.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { Worker } = require('node:worker_threads');
const leakguard = require('../..');
const { runNode, firstMessage } = require('./helpers/child');

const { HeapDiff } = leakguard;
const ROOT = path.resolve(__dirname, '..', '..');

// @airbnb/node-memwatch's keys, in its order (src/heapdiff.cc: compare()
// and changesetToObject()).
const MEMWATCH_KEYS = {
  top: ['before', 'after', 'change'],
  side: ['nodes', 'size_bytes', 'size'],
  change: ['size_bytes', 'size', 'freed_nodes', 'allocated_nodes', 'details'],
  detail: ['what', 'size_bytes', 'size', '+', '-'],
};

// memwatch's mw_util::niceSize: round to two decimals, print like
// `std::ostream << double`, switch units only above 1024.
function niceSize(bytes) {
  const abs = Math.abs(bytes);
  if (abs > 1024 * 1024) return `${Math.round(bytes / (1024 * 1024 / 100)) / 100} mb`;
  if (abs > 1024) return `${Math.round(bytes / (1024 / 100)) / 100} kb`;
  return `${bytes} bytes`;
}

function detail(diff, what) {
  return diff.change.details.find((d) => d.what === what);
}

class Allocated {
  constructor(i) {
    this.i = i;
    this.label = `allocated-${i}`;
  }
}

class Freed {
  constructor(i) {
    this.i = i;
  }
}

test('allocated and freed instances show up as + and - with memwatch\'s shape', () => {
  const N = 5000;
  const M = 3000;
  let doomed = Array.from({ length: M }, (_, i) => new Freed(i));
  const hd = new HeapDiff();
  const kept = Array.from({ length: N }, (_, i) => new Allocated(i));
  doomed = null;
  const diff = hd.end();

  assert.deepEqual(Object.keys(diff), MEMWATCH_KEYS.top);
  assert.deepEqual(Object.keys(diff.before), MEMWATCH_KEYS.side);
  assert.deepEqual(Object.keys(diff.after), MEMWATCH_KEYS.side);
  assert.deepEqual(Object.keys(diff.change), MEMWATCH_KEYS.change);
  for (const d of diff.change.details) {
    assert.deepEqual(Object.keys(d), MEMWATCH_KEYS.detail);
    assert.equal(d.size, niceSize(d.size_bytes), JSON.stringify(d));
  }
  for (const side of [diff.before, diff.after, diff.change]) {
    assert.equal(side.size, niceSize(side.size_bytes));
  }
  assert.equal(diff.change.size_bytes, diff.after.size_bytes - diff.before.size_bytes);
  assert.ok(diff.before.nodes > 1000 && diff.after.nodes > diff.before.nodes);
  const added = diff.change.details.reduce((s, d) => s + d['+'], 0);
  const removed = diff.change.details.reduce((s, d) => s + d['-'], 0);
  assert.equal(added, diff.change.allocated_nodes);
  assert.equal(removed, diff.change.freed_nodes);

  const a = detail(diff, 'Allocated');
  assert.ok(a, 'Allocated in details');
  assert.ok(Math.abs(a['+'] - N) <= 5, `+${a['+']}, allocated ${N}`);
  assert.equal(a['-'], 0);
  // A small object: its header and two fields, 16 to 64 bytes each.
  assert.ok(a.size_bytes >= N * 16 && a.size_bytes <= N * 64, String(a.size_bytes));
  // Its labels are strings allocated with it.
  assert.ok(detail(diff, '(string)')['+'] >= N);

  const f = detail(diff, 'Freed');
  assert.ok(f, 'Freed in details');
  assert.ok(Math.abs(f['-'] - M) <= 5, `-${f['-']}, freed ${M}`);
  assert.equal(f['+'], 0);
  assert.ok(f.size_bytes < 0 && f.size_bytes >= -M * 64, String(f.size_bytes));
  // Largest change first.
  const sizes = diff.change.details.map((d) => Math.abs(d.size_bytes));
  assert.deepEqual(sizes, [...sizes].sort((x, y) => y - x));
  assert.equal(kept.length, N);
});

test('end() twice is an Error, and so is endAsync() after end()', async () => {
  const hd = new HeapDiff();
  hd.end();
  assert.throws(() => hd.end(), {
    name: 'Error',
    code: 'ERR_LEAKGUARD_HEAPDIFF_ENDED',
    message: 'leakguard.HeapDiff: attempt to end() a HeapDiff that was already ended',
  });
  await assert.rejects(hd.endAsync(), { code: 'ERR_LEAKGUARD_HEAPDIFF_ENDED' });
  const other = new HeapDiff();
  await other.endAsync();
  assert.throws(() => other.end(), /already ended/);
  assert.throws(() => HeapDiff(), TypeError);  // memwatch: "use the new operator"
});

test('options are checked at the call', () => {
  assert.throws(() => new HeapDiff({ ignoreHedroom: true }), {
    name: 'TypeError',
    message: /leakguard\.HeapDiff: unknown option 'ignoreHedroom'; accepted options are ignoreHeadroom/,
  });
  assert.throws(() => new HeapDiff({ ignoreHeadroom: 'yes' }), {
    name: 'TypeError',
    message: /leakguard\.HeapDiff: options\.ignoreHeadroom must be true or false/,
  });
  assert.throws(() => new HeapDiff(7), TypeError);
});

test('endAsync() computes the diff off the main thread', async () => {
  // Enough objects that the diff takes a while, so that the main thread
  // visibly goes on meanwhile.
  const hd = new HeapDiff();
  const kept = Array.from({ length: 300000 }, (_, i) => new Allocated(i));
  let turns = 0;
  let spinning = true;
  const spin = () => {
    turns++;
    if (spinning) setImmediate(spin);
  };
  const t0 = performance.now();
  const pending = hd.endAsync();
  const tCall = performance.now();
  setImmediate(spin);
  const diff = await pending;
  spinning = false;
  const tDone = performance.now();
  assert.ok(Math.abs(detail(diff, 'Allocated')['+'] - kept.length) <= 5);
  // The loop turned while the diff was computed elsewhere: with the diff on
  // this thread there would be no turn between the call and the result.
  assert.ok(turns >= 3, `${turns} loop turns in ${(tDone - tCall).toFixed(1)} ms ` +
            `after a ${(tCall - t0).toFixed(1)} ms call`);
});

test('a worker thread diffs its own heap', async () => {
  const worker = new Worker(`
    const { parentPort } = require('node:worker_threads');
    const { HeapDiff } = require(${JSON.stringify(ROOT)});
    class OnlyInTheWorker { constructor(i) { this.i = i; } }
    const hd = new HeapDiff();
    const held = Array.from({ length: 2345 }, (_, i) => new OnlyInTheWorker(i));
    const sync = hd.end();
    const hd2 = new HeapDiff();
    held.length = 0;
    hd2.endAsync().then((async) => parentPort.postMessage({ sync, async }),
                        (err) => parentPort.postMessage({ error: err.stack }));
  `, { eval: true });
  const msg = await firstMessage(worker);
  await worker.terminate();
  assert.equal(msg.error, undefined);
  const grown = detail(msg.sync, 'OnlyInTheWorker');
  assert.ok(grown && Math.abs(grown['+'] - 2345) <= 5, JSON.stringify(grown));
  const freed = detail(msg.async, 'OnlyInTheWorker');
  assert.ok(freed && Math.abs(freed['-'] - 2345) <= 5, JSON.stringify(freed));
  // The main thread's heap never held them.
  const here = new HeapDiff().end();
  assert.equal(detail(here, 'OnlyInTheWorker'), undefined);
});

test('workers that end mid-diff or never end leave the process healthy', async () => {
  const runs = Array.from({ length: 4 }, (_, i) => new Worker(`
    const { HeapDiff } = require(${JSON.stringify(ROOT)});
    const hd = new HeapDiff();
    globalThis.kept = Array.from({ length: 1000 }, (_, i) => ({ i }));
    if (${i} % 2 === 0) hd.endAsync();  // terminated while it runs
  `, { eval: true }));
  await Promise.all(runs.map((w) => w.terminate()));
  const diff = new HeapDiff().end();
  assert.ok(diff.after.nodes > 0);
});

test('a million-deep linked list is diffed without recursion', async () => {
  const r = await runNode({
    code: `
      const { HeapDiff } = require(${JSON.stringify(ROOT)});
      class ListNode { constructor(next) { this.next = next; } }
      const hd = new HeapDiff();
      let head = null;
      for (let i = 0; i < 1e6; i++) head = new ListNode(head);
      const d = hd.end();
      const x = d.change.details.find((e) => e.what === 'ListNode');
      console.log(JSON.stringify({ added: x && x['+'], nodes: d.after.nodes, alive: head !== null }));
    `,
    timeoutMs: 120000,
  });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.signal, null);
  const out = JSON.parse(r.stdout.trim().split('\n').pop());
  assert.ok(Math.abs(out.added - 1e6) <= 5, JSON.stringify(out));
  assert.ok(out.nodes > 1e6);
});
