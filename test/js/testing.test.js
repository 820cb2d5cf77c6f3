'use strict';
// leakguard/testing in this process: the verdict on clean and leaking
// functions, sync and async calls, external memory, timeouts, option
// validation, and the message format.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { Worker } = require('node:worker_threads');
const testing = require('../../lib/testing');
const { ROOT } = require('./helpers/child');

const { measureHeap, assertNoLeak, LeakError } = testing;

class Session {
  constructor(id) {
    this.id = id;
    this.user = null;
  }
}

function churn() {
  const rows = [];
  for (let i = 0; i < 20; i++) rows.push({ i, name: `row-${i}` });
  return rows.length;
}

test('a clean function passes and the report has every figure', async () => {
  const report = await assertNoLeak(churn);
  assert.equal(report.leak, false);
  assert.equal(report.name, 'churn');
  assert.equal(report.iterations, 500);
  assert.equal(report.rounds, 8);
  assert.equal(report.warmup, 1000);
  assert.equal(report.samples.length, 9);
  for (const s of report.samples) {
    assert.ok(s.heapUsed > 0 && s.gcs >= 2 && s.gcs <= 5, JSON.stringify(s));
  }
  assert.ok(Math.abs(report.bytesPerIteration) < report.maxBytesPerIteration);
  assert.ok(report.confidence < 0.95);
  assert.ok(report.noiseFloor >= 0);
  assert.ok(report.durationMs > 0 && report.durationMs < 10000);
  assert.equal(report.heapGrowth, report.samples[8].heapUsed - report.samples[0].heapUsed);
});

test('a Session kept per call fails with a LeakError that says how much', async () => {
  const kept = [];
  const openSession = () => { kept.push(new Session(kept.length)); };
  const err = await assertNoLeak(openSession).then(() => null, (e) => e);
  assert.ok(err instanceof LeakError);
  assert.ok(err instanceof assert.AssertionError);
  assert.equal(err.code, 'ERR_ASSERTION');
  assert.equal(err.name, 'LeakError');
  assert.match(err.message,
    /^openSession leaked ~\d+ B per call \(\d+(\.\d)?% confident; 8 rounds × 500 calls; heap \+\d[\d.]* KiB\)/);
  assert.ok(err.report.leak);
  assert.ok(err.report.bytesPerIteration > 32, String(err.report.bytesPerIteration));
  assert.ok(err.report.confidence >= 0.95);
  assert.match(err.message, /Growing: .*Session \+\d+ \(\+\d/);
});

test('"what grew" uses the real heap diff', async () => {
  const kept = [];
  const err = await assertNoLeak(() => { kept.push(new Session(1)); }, { rounds: 4 })
    .then(() => null, (e) => e);
  assert.ok(err instanceof LeakError);
  const top = err.report.growing.find((g) => g.what === 'Session');
  assert.ok(top, JSON.stringify(err.report.growing));
  assert.ok(top.count >= 4 * 500 * 0.9, JSON.stringify(top));
});

test('external memory is measured and reported separately', async () => {
  const kept = [];
  const report = await measureHeap(() => { kept.push(Buffer.alloc(4096)); },
                                   { rounds: 4, iterations: 200, explain: false });
  assert.equal(report.leak, true);
  assert.ok(Math.abs(report.externalBytesPerIteration - 4096) < 256,
            String(report.externalBytesPerIteration));
  assert.ok(report.heapBytesPerIteration < 1024, String(report.heapBytesPerIteration));
  assert.match(testing.leakMessage(report), /external \+3\.\d+ MiB/);
});

test('async functions are awaited one call at a time', async () => {
  let running = 0;
  let most = 0;
  let calls = 0;
  async function fetchUser() {
    running++;
    most = Math.max(most, running);
    calls++;
    await new Promise((resolve) => setImmediate(resolve));
    running--;
    return { id: calls };
  }
  // Few calls, so V8 is still tiering fetchUser up while it is measured:
  // only the call pattern is checked here; the verdict on clean async code
  // at default settings is checked by the runner suites and flake.js.
  const report = await measureHeap(fetchUser, { iterations: 100, rounds: 4, warmup: 50 });
  assert.equal(most, 1);
  // Plus a second measurement and the heap-diff pass, when the tiering
  // made it look like a leak.
  assert.equal(calls, 50 + 4 * 100 * (report.remeasured ? 2 : 1) + report.explainCalls);
  assert.equal(report.samples.length, 5);
});

test('a timer-based async function passes at default settings', async () => {
  // V8 optimises the timer and promise internals during the first thousand
  // or so calls; the default warm-up has to cover that.
  async function fetchLater(id = 1) {
    await new Promise((resolve) => setTimeout(resolve, 1));
    const user = await Promise.resolve({ id, name: `user-${id}` });
    return user.name.length;
  }
  const report = await assertNoLeak(fetchLater);
  assert.equal(report.leak, false);
});

test('a cache that fills during the warm-up passes; one that fills later is measured again', async () => {
  function boundedCache(capacity) {
    const cache = new Map();
    let n = 0;
    return function lookup() {
      const key = n++;
      if (cache.size >= capacity) cache.delete(cache.keys().next().value);
      cache.set(key, { key });
    };
  }
  const filled = await measureHeap(boundedCache(300), { rounds: 4 });
  assert.equal(filled.leak, false, JSON.stringify(filled.samples));
  const unbounded = await measureHeap(boundedCache(1e6), { rounds: 4, warmup: 0, explain: false });
  assert.equal(unbounded.leak, true);
  assert.doesNotMatch(testing.leakMessage(unbounded), /growth stopped/);
  assert.equal(unbounded.remeasured, null, 'steady growth needs no second look');
  // Full after 2000 of the 4000 measured calls: the first measurement grows
  // and then stops, so it is measured again from there, and passes.
  const filling = await measureHeap(boundedCache(2000), { warmup: 0, explain: false });
  assert.ok(filling.remeasured, JSON.stringify(filling.samples));
  assert.ok(filling.remeasured.bytesPerIteration > 16, JSON.stringify(filling.remeasured));
  assert.ok(filling.remeasured.lateBytesPerIteration < 16, JSON.stringify(filling.remeasured));
  assert.equal(filling.leak, false, JSON.stringify(filling.samples));
  assert.equal(filling.warmup, 4000, 'the first measurement was the warm-up of the second');
});

test('errors from fn reject the measurement', async () => {
  const boom = new Error('boom');
  let n = 0;
  await assert.rejects(assertNoLeak(() => { if (++n === 700) throw boom; }), boom);
  await assert.rejects(assertNoLeak(async () => { throw boom; }), boom);
});

test('timeoutMs stops a function that never settles', async () => {
  let calls = 0;
  const started = Date.now();
  await assert.rejects(
    assertNoLeak(() => { calls++; return new Promise(() => {}); }, { timeoutMs: 200 }),
    { code: 'ERR_LEAKGUARD_TIMEOUT', message: /assertNoLeak: timed out after 200 ms \(warm-up\)/ });
  assert.ok(Date.now() - started < 2000);
  assert.equal(calls, 1);
  // A slow synchronous function is stopped between calls.
  await assert.rejects(
    measureHeap(() => { const until = Date.now() + 2; while (Date.now() < until); },
                { timeoutMs: 300 }),
    { code: 'ERR_LEAKGUARD_TIMEOUT' });
});

test('options are validated, naming the option', () => {
  assert.throws(() => assertNoLeak(42), { name: 'TypeError', message: /assertNoLeak: fn must be a function, got 42/ });
  assert.throws(() => measureHeap(churn, { iterations: 0 }),
                { name: 'RangeError', message: /measureHeap: options.iterations must be between 1/ });
  assert.throws(() => assertNoLeak(churn, { rounds: 2 }),
                { name: 'RangeError', message: /options.rounds/ });
  assert.throws(() => assertNoLeak(churn, { iterations: 1.5 }),
                { name: 'RangeError', message: /options.iterations must be an integer/ });
  assert.throws(() => assertNoLeak(churn, { maxBytesPerIteration: '8' }),
                { name: 'TypeError', message: /options.maxBytesPerIteration must be a number/ });
  assert.throws(() => assertNoLeak(churn, { confidence: 1 }),
                { name: 'RangeError', message: /options.confidence/ });
  assert.throws(() => assertNoLeak(churn, { timeoutMs: -1 }),
                { name: 'RangeError', message: /options.timeoutMs/ });
  assert.throws(() => assertNoLeak(churn, { explain: 'yes' }),
                { name: 'TypeError', message: /options.explain must be true or false/ });
  assert.throws(() => assertNoLeak(churn, { iteration: 10 }),
                { name: 'TypeError', message: /unknown option 'iteration'; accepted options are iterations, rounds/ });
  assert.throws(() => assertNoLeak(churn, 5), { name: 'TypeError', message: /options must be an object/ });
});

test('the verdict ignores a compiler-sized step and catches steady growth', () => {
  const flatWithStep = [0, 64, 64, 64, 12000, 12000, 12064, 12064, 12064];
  const allowed = 16 * 500;
  assert.ok(testing.growthConfidence(flatWithStep, allowed) < 0.5);
  const steady = flatWithStep.map((_, i) => i * 24 * 500 + (i % 2) * 3000);
  assert.ok(testing.growthConfidence(steady, allowed) > 0.99);
  assert.equal(testing.theilSen([0, 10, 20, 1e6, 40, 50]), 10);
});

test('messages: byte units and the growing constructors', () => {
  assert.equal(testing.formatBytes(312), '312 B');
  // IEC (src/core/base/byte_format.h): 1024-based units say so.
  assert.equal(testing.formatBytes(1234567, true), '+1.18 MiB');
  assert.equal(testing.formatBytes(655360, true), '+640 KiB');
  assert.equal(testing.formatBytes(-2048, true), '-2.00 KiB');
  const growing = testing.topGrowing({ change: { details: [
    { what: 'Array', size_bytes: 131072, size: '128 KB', '+': 4010, '-': 10 },
    { what: 'String', size_bytes: -100, size: '-100 B', '+': 1, '-': 5 },
    { what: 'Session', size_bytes: 655360, size: '640 KB', '+': 4000, '-': 0 },
  ] } });
  assert.deepEqual(growing.map((g) => g.what), ['Session', 'Array']);
  const message = testing.leakMessage({
    name: 'fn', bytesPerIteration: 312, confidence: 0.95, rounds: 8, iterations: 500,
    heapGrowth: 1.2 * 1024 * 1024, externalGrowth: 0, externalBytesPerIteration: 0,
    lateBytesPerIteration: 300, maxBytesPerIteration: 16, growing,
  });
  assert.equal(message, 'fn leaked ~312 B per call (95% confident; 8 rounds × 500 calls; ' +
    'heap +1.20 MiB). Growing: Session +4000 (+640 KiB), Array +4000 (+128 KiB)');
  // Measured twice (the first measurement's growth stopped), still leaking.
  const twice = testing.leakMessage({
    name: 'fn', bytesPerIteration: 40, confidence: 0.99, rounds: 8, iterations: 500,
    heapGrowth: 160000, externalGrowth: 0, externalBytesPerIteration: 0,
    lateBytesPerIteration: 40, maxBytesPerIteration: 16, growing: null,
    remeasured: { bytesPerIteration: 90, lateBytesPerIteration: 10, confidence: 0.99, heapGrowth: 360000 },
  });
  assert.match(twice, /\. Measured twice: the first 8 rounds grew ~90 B per call, then stopped$/);
});

test('works in a worker thread with its own heap', async () => {
  const code = `
    const { parentPort } = require('node:worker_threads');
    const { measureHeap } = require(${JSON.stringify(path.join(ROOT, 'lib', 'testing', 'index.js'))});
    const kept = [];
    (async () => {
      const leaky = await measureHeap(() => { kept.push({ a: 1, b: 2 }); }, { rounds: 4, explain: false });
      const clean = await measureHeap(() => [1, 2, 3].map((x) => ({ x })), { rounds: 4 });
      parentPort.postMessage({ leaky: leaky.leak, clean: clean.leak });
    })();`;
  const worker = new Worker(code, { eval: true });
  const [result] = await Promise.all([
    new Promise((resolve, reject) => { worker.once('message', resolve); worker.once('error', reject); }),
    new Promise((resolve) => worker.once('exit', resolve)),
  ]);
  assert.deepEqual(result, { leaky: true, clean: false });
});

test('leakguard/jest exports the matcher and registers nothing outside a runner', async () => {
  const jest = require('../../lib/testing/jest');
  assert.equal(jest.registered, false);
  assert.equal(typeof jest.matchers.toLeak, 'function');
  const extended = [];
  jest.register({ extend: (m) => extended.push(m) });
  assert.deepEqual(Object.keys(extended[0]), ['toLeak']);
  assert.throws(() => jest.register({}), TypeError);
  const kept = [];
  const result = await jest.matchers.toLeak(() => { kept.push(new Session(1)); },
                                            { rounds: 4, explain: false });
  assert.equal(result.pass, true);
  assert.match(result.message(), /leaked ~\d+ B per call/);
  const clean = await jest.matchers.toLeak(churn, { rounds: 4 });
  assert.equal(clean.pass, false);
  assert.match(clean.message(), /^expected churn to leak, but it retained ~/);
});
