'use strict';
// The addon's copy of a V8 snapshot (src/addon/v8_heap_graph.h) against the
// same snapshot written to a file and read back by the snapshot reader. One
// V8 snapshot, both ways (the binding's heapCopyCheck test hook), so there
// is no GC noise between them: the graphs must be equal node for node and
// edge for edge, and their summaries equal.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { Worker } = require('node:worker_threads');
const { firstMessage } = require('./helpers/child');
const leakguard = require('../..');
const binding = require('../../lib/binding');
const { tmpDir } = require('../fixtures/snapshot-check');

const ROOT = path.resolve(__dirname, '..', '..');

class CopyMarker {
  constructor(i) {
    this.i = i;
    this.text = `marker ${i} é 日本`;
  }
}

// A heap with every kind of node a program makes: objects, arrays, maps,
// sets, weak maps, closures, strings (sliced, concatenated, non-ASCII),
// symbols, bigints, numbers, regexps, buffers and promises.
function varietyHeap() {
  const big = 'x'.repeat(200) + Math.random();
  return {
    markers: Array.from({ length: 1234 }, (_, i) => new CopyMarker(i)),
    map: new Map([[1, { a: 1 }], ['k', [1, 2, 3]]]),
    set: new Set(['s', 2]),
    weak: new WeakMap([[{}, 1]]),
    fn: (x) => x + big.length,
    sliced: big.slice(10, 150),
    cons: big + String(Math.random()),
    symbol: Symbol('copy-check'),
    bigint: 10n ** 30n,
    number: 0.5 + Math.random(),
    regexp: /copy[-_]check+/g,
    buffer: Buffer.alloc(64, 1),
    typed: new Float64Array(8),
    promise: Promise.resolve(3),
    control: 'tab\there\nline\u0001',
  };
}

function summaryOf(json) {
  return JSON.parse(json).summary;
}

test('a full copy of a V8 snapshot equals the file V8 writes of it', async () => {
  const dir = tmpDir();
  const heap = varietyHeap();
  const r = binding.heapCopyCheck(dir);
  assert.ok(heap.markers.length === 1234);
  assert.equal(r.difference, '', 'the copy differs from the file');
  assert.ok(r.nodes > 10000 && r.edges > r.nodes, JSON.stringify(r));
  const fromFile = await leakguard.summary(r.path);
  const fromCopy = summaryOf(r.summary);
  assert.deepEqual(fromCopy, fromFile.summary);
  const marker = fromCopy.classes.find((c) => c.name === 'CopyMarker');
  assert.equal(marker.count, 1234);
  assert.equal((fs.statSync(r.path).mode & 0o777), 0o600);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a worker thread copies its own heap', async () => {
  const dir = tmpDir();
  const worker = new Worker(`
    const { parentPort } = require('node:worker_threads');
    const binding = require(${JSON.stringify(path.join(ROOT, 'lib', 'binding.js'))});
    class WorkerMarker { constructor(i) { this.i = i; } }
    const held = Array.from({ length: 321 }, (_, i) => new WorkerMarker(i));
    const r = binding.heapCopyCheck(${JSON.stringify(dir)});
    parentPort.postMessage({ r, held: held.length });
  `, { eval: true });
  const msg = await firstMessage(worker);
  await worker.terminate();
  assert.equal(msg.r.difference, '');
  const classes = summaryOf(msg.r.summary).classes;
  assert.equal(classes.find((c) => c.name === 'WorkerMarker').count, 321);
  assert.deepEqual(summaryOf(msg.r.summary), (await leakguard.summary(msg.r.path)).summary);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('text beyond U+FFFF is kept, where V8\'s file loses it', async () => {
  // V8's JSON serialiser (node 20) writes a character beyond U+FFFF as its
  // low 16 bits, \uF600 for U+1F600; the copy reads the text from V8 and
  // keeps the real character. Either the file is right (a V8 that fixed
  // it) or it differs in exactly that way; the summaries agree regardless.
  const dir = tmpDir();
  const kept = `smile ${String.fromCodePoint(0x1f600)} ${Math.random()}`;
  const r = binding.heapCopyCheck(dir);
  assert.ok(kept.length > 0);
  if (r.difference !== '') {
    assert.match(r.difference,
      /names differ at byte \d+: "\\xf0\\x9f\\x98\\x80 .*" vs "\\xef\\x98\\x80 /);
  }
  assert.deepEqual(summaryOf(r.summary), (await leakguard.summary(r.path)).summary);
  fs.rmSync(dir, { recursive: true, force: true });
});
