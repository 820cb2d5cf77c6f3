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

// The matcher runs the same measurement as assertNoLeak. `pass` means "fn
// leaks", so `.not.toLeak()` fails exactly when assertNoLeak would.
async function toLeak(received, opts) {
  if (typeof received !== 'function') {
    throw new TypeError(
      `toLeak: expect(received) must be a function, got ${typeof received}`);
  }
  const report = await testing.measureHeap(received, opts);
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

const found = findExpect();
if (found !== null) register(found);

module.exports = { toLeak, matchers, register, registered: found !== null };
