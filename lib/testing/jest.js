'use strict';
// `toLeak` for Jest's and Vitest's expect:
//
//   await expect(fn).not.toLeak();            // fails with the LeakError text
//   await expect(fn).not.toLeak({ iterations: 1000 });
//
// Requiring this file registers the matcher on the expect it can find:
// Jest's global `expect` (setupFilesAfterEnv), Vitest's global expect
// (Vitest keeps it under Symbol.for('expect-global') even without
// `globals: true`). `register(expect)` does it for any other expect, and
// `matchers` can be handed to `expect.extend` directly.

const testing = require('.');

// Measurements the matcher started that have not finished. A test that
// ends with one still running forgot its `await`: `expect(fn).not.toLeak()`
// alone returns a promise nobody waits for, and the test would pass
// whatever fn does. The runner's afterEach (below) fails that test.
const running = new Set();

function notAwaited() {
  if (running.size === 0) return;
  const names = [...running].map((r) => r.name);
  // Not measured after all: the test is over, and a measurement running
  // into the next test would only disturb it.
  for (const r of running) r.abandoned = true;
  running.clear();
  throw new Error(`leakguard/jest: expect(${names.join(', ')}).not.toLeak() was not awaited, ` +
    'so the test ended before the measurement did and could not fail; write ' +
    '`await expect(fn).not.toLeak()` in an async test');
}

// The matcher runs the same measurement as assertNoLeak. `pass` means "fn
// leaks", so `.not.toLeak()` fails exactly when assertNoLeak would.
async function toLeak(received, opts) {
  if (typeof received !== 'function') {
    throw new TypeError(
      `toLeak: expect(received) must be a function, got ${typeof received}`);
  }
  const token = { name: received.name || 'fn' };
  running.add(token);
  let report;
  try {
    // The measurement starts on the next turn of the event loop, so that a
    // test body that does not await it has ended (and its afterEach run)
    // before it could finish.
    await new Promise((resolve) => setImmediate(resolve));
    // Abandoned (the test failed for it): never settles, so that the
    // runner does not process a result for a test that is over (Jest
    // would read the torn-down expect state). Nothing keeps the loop alive.
    if (token.abandoned) return new Promise(() => {});
    report = await testing.measureHeap(received, opts);
  } finally {
    running.delete(token);
  }
  const pass = report.leak;
  return {
    pass,
    message: () => pass ? testing.leakMessage(report)
      : `expected ${report.name} to leak, but it ` +
        testing.noLeakMessage(report).slice(report.name.length + 1),
    report,
  };
}

const matchers = { toLeak };

function register(expect) {
  if (!expect || typeof expect.extend !== 'function') {
    throw new TypeError('leakguard/jest: register(expect) needs an expect ' +
      'with an extend() method (from Jest or Vitest)');
  }
  expect.extend(matchers);
  return expect;
}

// The expect of the runner we are loaded in, if any.
function findExpect() {
  const vitest = globalThis[Symbol.for('expect-global')];
  if (vitest && typeof vitest.extend === 'function') return vitest;
  const jest = globalThis.expect;
  if (jest && typeof jest.extend === 'function') return jest;
  return null;
}

// The runner's afterEach: Jest's global; Vitest's from its own module
// object (globalThis.__vitest_index__, what import.meta.vitest reads),
// present in setupFiles even without `globals: true`.
function findAfterEach() {
  const vitest = globalThis.__vitest_index__;
  if (vitest && typeof vitest.afterEach === 'function') return vitest.afterEach;
  return typeof globalThis.afterEach === 'function' ? globalThis.afterEach : null;
}

const found = findExpect();
if (found !== null) register(found);
const afterEachHook = findAfterEach();
if (afterEachHook !== null) afterEachHook(notAwaited);

module.exports = {
  toLeak, matchers, register, registered: found !== null, checksAwait: afterEachHook !== null,
};
