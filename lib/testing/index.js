'use strict';
// Heap-flat assertions for test suites: `measureHeap(fn)` and
// `assertNoLeak(fn)`.
//
// The method: call `fn` for a warm-up (so lazy compilation, inline caches,
// feedback vectors and caches that fill once are out of the way), then for
// a number of rounds of equal size. Before the first round and after each
// one, collect garbage with the native full, compacting GC until the heap
// settles, and read the live heap (V8's used_heap_size) and external memory
// (ArrayBuffers, Buffers). A function that retains memory makes these
// readings climb by the same amount every round; one that does not leaves
// them flat, apart from the odd step when V8 compiles something.
//
// The verdict is a Kendall/Theil–Sen test of "the readings grow faster than
// maxBytesPerIteration per call": every pair of rounds votes on whether the
// growth between them, less the allowed growth, is positive. A step caused
// by a compiler tier-up moves one round and loses the vote; a leak moves
// every round and wins it. The estimate reported is the Theil–Sen slope
// (the median of the pairwise slopes), which one outlier cannot move.
//
// Only the JavaScript thread that calls these functions is measured; the
// heap statistics are per isolate, so worker threads each measure their own.

const { AssertionError } = require('node:assert');
const leakguard = require('../index');
const binding = require('../binding');
const options = require('../options');
const { makeError } = require('../errors');
// The in-process heap diff: memwatch's HeapDiff, whose change.details say
// what grew, and the top of those details.
const { HeapDiff, topGrowing } = require('../analysis/heap-diff');

const MS_DAY = 24 * 60 * 60 * 1000;

const TESTING_SCHEMA = {
  iterations: {
    kind: 'integer', min: 1, max: 1e8, default: 500,
    doc: 'calls of fn per measured round',
  },
  rounds: {
    kind: 'integer', min: 3, max: 1000, default: 8,
    doc: 'measured rounds; the heap is read before the first and after each',
  },
  warmup: {
    kind: 'integer', min: 0, max: 1e8,
    doc: 'calls of fn before the first reading (default: one round, at least 1000)',
  },
  maxBytesPerIteration: {
    kind: 'number', min: 0, max: 1e12, default: 16,
    doc: 'growth per call, heap plus external, that still counts as no leak',
  },
  confidence: {
    kind: 'number', min: 0.5, max: 0.9999, default: 0.95,
    doc: 'how sure the growth must be to count as a leak',
  },
  timeoutMs: {
    kind: 'integer', min: 1, max: MS_DAY, default: 60000,
    doc: 'time for the whole measurement before it fails',
  },
  explain: {
    kind: 'boolean', default: true,
    doc: 'on a leak, run one more pass under a heap diff to name what grew',
  },
  name: {
    kind: 'string',
    doc: 'what to call fn in messages (default: its name)',
  },
};

// Settling: a full GC can free objects whose finalizers or weak callbacks
// only ran in the previous one, so collect until two readings agree.
const SETTLE_BYTES = 1024;
const SETTLE_MAX_GCS = 5;

// The default warm-up is one round but never fewer calls than this: V8
// keeps optimising the code around an async function (timers, promise
// reactions) for the first thousand or so calls, and the optimised code
// and its metadata, tens of KB, would otherwise land in the first rounds.
const MIN_WARMUP = 1000;

// The explanation pass runs about this long at most (see measure()).
const EXPLAIN_MS = 1000;

// Deadline checks in the synchronous loop cost a clock read; do one every
// this many calls.
const CLOCK_EVERY = 64;

class LeakError extends AssertionError {
  constructor(message, report) {
    super({
      message,
      actual: report.bytesPerIteration,
      expected: report.maxBytesPerIteration,
      operator: 'assertNoLeak',
    });
    this.name = 'LeakError';
    // The stack was captured under AssertionError's name; runners that print
    // it (Mocha) should say what failed.
    if (typeof this.stack === 'string') {
      this.stack = this.stack.replace(/^AssertionError\b/, 'LeakError');
    }
    // actual/expected are bytes per call; a textual diff of two numbers
    // would only confuse (Mocha, Jest honour this flag).
    this.showDiff = false;
    this.report = report;
  }
}

function timeoutError(call, ms, where) {
  return makeError('ERR_LEAKGUARD_TIMEOUT', `${call}: timed out after ${ms} ms (${where}); ` +
    'raise options.timeoutMs, or lower options.iterations or options.rounds');
}

function readMemory() {
  const { heap } = leakguard.heapStats();
  return { heap: heap.used_heap_size, external: heap.external_memory };
}

// Full collections until the live heap settles. Returns the settled reading
// and the number of collections it took.
function settle() {
  leakguard.gc();
  let last = readMemory();
  let gcs = 1;
  while (gcs < SETTLE_MAX_GCS) {
    leakguard.gc();
    gcs++;
    const now = readMemory();
    const settled = Math.abs(now.heap - last.heap) < SETTLE_BYTES &&
                    Math.abs(now.external - last.external) < SETTLE_BYTES;
    last = now;
    if (settled) break;
  }
  return { heap: last.heap, external: last.external, gcs };
}

function isThenable(value) {
  return value !== null &&
         (typeof value === 'object' || typeof value === 'function') &&
         typeof value.then === 'function';
}

// Calls fn `count` times in sequence, awaiting what it returns when that is
// a promise. A synchronous fn never yields to the event loop here, so its
// loop stays tight. `state.cancelled` stops the loop after a timeout.
async function runCalls(fn, count, state) {
  for (let i = 0; i < count; i++) {
    if (state.cancelled) return;
    const result = fn();
    if (isThenable(result)) {
      await result;
    } else if (i % CLOCK_EVERY !== 0) {
      continue;
    }
    if (performance.now() > state.deadline) state.expired = true;
    if (state.expired) return;
  }
}

// The robust statistics are the leak detector's own
// (src/core/monitor/robust_trend.h), over x = 0, 1, 2, ...: one
// implementation for both.

// Theil–Sen slope of ys: the median of the slopes between every pair of
// points.
function theilSen(ys) {
  return binding.fitTrend(ys).slope;
}

// Confidence that ys grow faster than `allowed` per step: Mann–Kendall's
// test (one-sided, tie- and continuity-corrected) of the readings less the
// allowed growth. 0.5 means no evidence either way.
function growthConfidence(ys, allowed) {
  return binding.fitTrend(ys.map((y, i) => y - allowed * i)).confidence;
}

// The smallest slope (per step) that stands out of the scatter of `n`
// readings around their Theil–Sen line at one-sided 95%: the fit's robust
// sigma (`noise`, 1.4826 × the median absolute residual) over the spread
// of x.
function noiseSlope(n, noise) {
  const sxx = n * (n * n - 1) / 12;
  return 1.645 * noise / Math.sqrt(sxx);
}

// 312 -> "312 B", 1234567 -> "1.18 MiB" (src/core/base/byte_format.h);
// signed when `sign` is set.
function formatBytes(bytes, sign = false) {
  const text = binding.formatBytes(bytes, 'iec');
  return sign && bytes >= 0 ? `+${text}` : text;
}

function fnName(fn, opts) {
  if (opts.name !== undefined) return opts.name;
  return fn.name || 'fn';
}

function formatGrowing(growing) {
  return growing.map((g) =>
    `${g.what} ${g.count >= 0 ? '+' : ''}${g.count} (${formatBytes(g.bytes, true)})`)
    .join(', ');
}

// The sentence a failed assertion shows, e.g.
// "fn leaked ~312 B per call (95% confident; 8 rounds × 500 calls;
// heap +1.2 MB). Growing: Session +4000 (+640 KB), Array +4000 (+128 KB)".
function leakMessage(report) {
  const pct = Math.floor(report.confidence * 1000) / 10;
  const parts = [
    `${pct}% confident`,
    `${report.rounds} rounds × ${report.iterations} calls`,
    `heap ${formatBytes(report.heapGrowth, true)}`,
  ];
  if (report.externalGrowth !== 0 && Math.abs(report.externalBytesPerIteration) >= 1) {
    parts.push(`external ${formatBytes(report.externalGrowth, true)}`);
  }
  let text = `${report.name} leaked ~${formatBytes(report.bytesPerIteration)} ` +
    `per call (${parts.join('; ')})`;
  if (report.growing && report.growing.length > 0) {
    const measured = report.rounds * report.iterations;
    const over = report.explainCalls && report.explainCalls !== measured
      ? ` (over ${report.explainCalls} more calls)` : '';
    text += `. Growing${over}: ${formatGrowing(report.growing)}`;
  }
  if (report.remeasured) {
    text += `. Measured twice: the first ${report.rounds} rounds grew ` +
      `~${formatBytes(report.remeasured.bytesPerIteration)} per call, then stopped`;
  }
  if (report.lateBytesPerIteration <= report.maxBytesPerIteration) {
    text += '. The growth stopped in the later rounds: if something fills ' +
      'up once (a cache, a pool), raise options.warmup past that point';
  }
  return text;
}

function noLeakMessage(report) {
  const pct = Math.floor((1 - report.confidence) * 1000) / 10;
  return `${report.name} retained ~${formatBytes(report.bytesPerIteration)} ` +
    `per call, not more than ${formatBytes(report.maxBytesPerIteration)} ` +
    `(${pct}% confident it is within; ${report.rounds} rounds × ` +
    `${report.iterations} calls; heap ${formatBytes(report.heapGrowth, true)})`;
}

// Runs `body(state)` with a deadline; rejects with a timeout error when it
// passes, even if fn's promise never settles, and tells the loop to stop.
function withDeadline(call, timeoutMs, body) {
  const state = {
    deadline: performance.now() + timeoutMs,
    cancelled: false,
    expired: false,
    where: 'warm-up',
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      state.cancelled = true;
      reject(timeoutError(call, timeoutMs, state.where));
    }, timeoutMs);
    body(state).then((value) => {
      clearTimeout(timer);
      if (state.expired) reject(timeoutError(call, timeoutMs, state.where));
      else resolve(value);
    }, (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

async function measure(fn, opts, state) {
  const started = performance.now();
  const warmup = opts.warmup === undefined
    ? Math.max(opts.iterations, MIN_WARMUP) : opts.warmup;

  await runCalls(fn, warmup, state);
  if (state.expired || state.cancelled) return null;
  let report = await measureRounds(fn, opts, state, warmup);
  if (report === null) return null;
  if (report.leak && report.lateBytesPerIteration <= opts.maxBytesPerIteration) {
    // The growth stopped in the later rounds: something filled up once (a
    // cache, a pool, V8 still optimising the code under test), or a leak
    // had a quiet spell. Measure once more from here, with everything so
    // far as the warm-up: a leak keeps growing, a fill-up stays flat.
    const first = report;
    state.where = 'the second measurement';
    report = await measureRounds(fn, opts, state, warmup + opts.rounds * opts.iterations);
    if (report === null) return null;
    report.remeasured = {
      bytesPerIteration: first.bytesPerIteration,
      lateBytesPerIteration: first.lateBytesPerIteration,
      confidence: first.confidence,
      heapGrowth: first.heapGrowth,
    };
  }

  if (report.leak && opts.explain) {
    // As many calls as were measured, but no more than about a second of
    // them, so that a slow function still fails with its message inside
    // the runner's test timeout.
    const { rounds, iterations } = opts;
    const perCallMs = report.callMs / (rounds * iterations);
    const calls = Math.min(rounds * iterations,
                           Math.max(iterations, Math.floor(EXPLAIN_MS / perCallMs)));
    try {
      report.growing = await explain(fn, calls, state);
      report.explainCalls = report.growing === null ? 0 : calls;
    } catch (err) {
      // A refused or failed snapshot must not hide the leak itself.
      if (state.expired || state.cancelled) throw err;
      report.growing = null;
      report.explainError = err;
    }
  }
  delete report.callMs;
  report.durationMs = performance.now() - started;
  return report;
}

// One measurement: `rounds` rounds of `iterations` calls after a settled
// baseline reading, and the verdict on them. `warmup` is what the report
// says came before.
async function measureRounds(fn, opts, state, warmup) {
  const { iterations, rounds } = opts;

  const heap = new Float64Array(rounds + 1);
  const external = new Float64Array(rounds + 1);
  const gcs = new Uint8Array(rounds + 1);
  let reading = settle();
  heap[0] = reading.heap;
  external[0] = reading.external;
  gcs[0] = reading.gcs;

  let callMs = 0;
  for (let r = 1; r <= rounds; r++) {
    state.where = `round ${r} of ${rounds}`;
    const roundStarted = performance.now();
    await runCalls(fn, iterations, state);
    callMs += performance.now() - roundStarted;
    if (state.expired || state.cancelled) return null;
    reading = settle();
    heap[r] = reading.heap;
    external[r] = reading.external;
    gcs[r] = reading.gcs;
  }

  const heapYs = Array.from(heap);
  const externalYs = Array.from(external);
  const totalYs = heapYs.map((h, i) => h + externalYs[i]);
  const heapSlope = theilSen(heapYs);
  const externalSlope = theilSen(externalYs);
  // One fit of the totals gives both their slope and their noise.
  const totalFit = binding.fitTrend(totalYs);
  const totalSlope = totalFit.slope;
  const allowedPerRound = opts.maxBytesPerIteration * iterations;
  const confidence = growthConfidence(totalYs, allowedPerRound);
  // Growth over the later half alone: a cache or pool that fills during the
  // first rounds grows early and then stops, unlike a leak.
  const lateSlope = theilSen(totalYs.slice(rounds >> 1));

  const report = {
    name: fnName(fn, opts),
    leak: confidence >= opts.confidence &&
          totalSlope / iterations > opts.maxBytesPerIteration,
    bytesPerIteration: totalSlope / iterations,
    heapBytesPerIteration: heapSlope / iterations,
    externalBytesPerIteration: externalSlope / iterations,
    lateBytesPerIteration: lateSlope / iterations,
    confidence,
    noiseFloor: noiseSlope(totalYs.length, totalFit.noise) / iterations,
    maxBytesPerIteration: opts.maxBytesPerIteration,
    iterations,
    rounds,
    warmup,
    heapGrowth: heapYs[rounds] - heapYs[0],
    externalGrowth: externalYs[rounds] - externalYs[0],
    samples: heapYs.map((h, i) => ({
      round: i, heapUsed: h, external: externalYs[i], gcs: gcs[i],
    })),
    growing: undefined,
    explainCalls: 0,
    remeasured: null,
    durationMs: 0,
    callMs,
  };
  return report;
}

// Names what grows: one more pass of calls between two heap snapshots
// (each snapshot pauses this thread; the diff itself is computed off it).
async function explain(fn, calls, state) {
  state.where = 'heap diff';
  settle();
  const diff = new HeapDiff();
  await runCalls(fn, calls, state);
  // On a timeout the "before" copy goes when the HeapDiff is collected.
  if (state.expired || state.cancelled) return null;
  settle();
  return topGrowing(await diff.endAsync());
}

function checkFn(call, fn) {
  if (typeof fn !== 'function') {
    throw options.typeError(
      `${call}: fn must be a function, got ${options.describe(fn)}`);
  }
}

// Measures how much `fn` retains per call. Resolves with the report; never
// fails on a leak (see assertNoLeak). Rejects when fn throws or rejects, or
// on timeout.
function measureHeap(fn, opts) {
  const call = 'measureHeap';
  checkFn(call, fn);
  const o = options.validate(call, TESTING_SCHEMA, opts);
  return withDeadline(call, o.timeoutMs, (state) => measure(fn, o, state));
}

// Resolves with the report when fn retains no more than
// maxBytesPerIteration per call; otherwise rejects with a LeakError whose
// message says how much, how sure, and (with a heap diff) what grew.
// Like every leakguard call, a wrong argument throws at once (TypeError or
// RangeError naming the option) rather than rejecting.
function assertNoLeak(fn, opts) {
  const call = 'assertNoLeak';
  checkFn(call, fn);
  const o = options.validate(call, TESTING_SCHEMA, opts);
  return withDeadline(call, o.timeoutMs, (state) => measure(fn, o, state))
    .then((report) => {
      if (report.leak) throw new LeakError(leakMessage(report), report);
      return report;
    });
}

module.exports = {
  measureHeap,
  assertNoLeak,
  LeakError,
  TESTING_SCHEMA,
  // Shared with lib/testing/jest.js and the tests.
  leakMessage,
  noLeakMessage,
  formatBytes,
  topGrowing,
  theilSen,
  growthConfidence,
};
