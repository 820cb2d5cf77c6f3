'use strict';
// leakguard/testing and leakguard/jest inside the real runners: node:test,
// Mocha, Jest (child-process workers, and worker threads) and Vitest (its
// default fork pool, and its worker-thread pool). Each runs the clean example suite, which must
// pass, and the leaky one, whose every leak test must fail with a message
// naming the function, the amount and the growing constructor.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { runNode, ROOT } = require('./helpers/child');
const { RUNNERS, ENV } = require('../runners/runners');

const LEAKS = [
  { fn: 'openSession', constructor: 'Session' },
  { fn: 'subscribe', constructor: null },
  { fn: 'keepBuffer', constructor: null, external: true },
];

function run(runner, suite) {
  return runNode({ file: runner.argv(suite)[0], args: runner.argv(suite).slice(1),
                   env: ENV, timeoutMs: 120000 });
}

for (const [name, runner] of Object.entries(RUNNERS)) {
  test(`${name}: clean functions pass`, async () => {
    const r = await run(runner, 'clean');
    const out = r.stdout + r.stderr;
    assert.equal(r.code, 0, `${name} clean suite failed:\n${out}`);
    assert.doesNotMatch(out, /leaked ~/);
    assert.match(out, new RegExp(`leakguard-runner-context: ${runner.context}\\b`),
                 `${name} did not run where expected:\n${out}`);
  });

  test(`${name}: leaking functions fail and say what leaked`, async () => {
    const r = await run(runner, 'leaky');
    const out = r.stdout + r.stderr;
    assert.notEqual(r.code, 0, `${name} leaky suite passed:\n${out}`);
    assert.match(out, new RegExp(`leakguard-runner-context: ${runner.context}\\b`));
    for (const leak of LEAKS) {
      const line = out.split('\n').find((l) => l.includes(`${leak.fn} leaked ~`));
      assert.ok(line, `${name}: no message for ${leak.fn}:\n${out}`);
      assert.match(line, /leaked ~\d[\d.]* (B|KiB) per call \(\d[\d.]*% confident; 8 rounds × 500 calls; heap \+/);
      if (leak.external) assert.match(line, /external \+\d/);
      assert.doesNotMatch(line, /growth stopped/);
      assert.match(line, /Growing: /);
      if (leak.constructor) assert.match(line, new RegExp(`Growing: .*${leak.constructor} \\+\\d`));
    }
  });
}

// `expect(fn).not.toLeak()` without `await` returns a promise nobody waits
// for: the test must fail and say so, in Jest and Vitest, in child
// processes and in worker threads; and nothing of the abandoned
// measurement may reach the runner after the test (Jest warns when a
// torn-down test reads its expect state).
for (const name of ['jest', 'jest threads', 'vitest', 'vitest threads']) {
  test(`${name}: a forgotten await fails the test`, async () => {
    const r = await run(RUNNERS[name], 'forgotten');
    const out = r.stdout + r.stderr;
    assert.notEqual(r.code, 0, `${name}: the test passed:\n${out}`);
    assert.match(out, /leakguard\/jest: expect\(parseRecords\)\.not\.toLeak\(\) was not awaited, so the test ended before the measurement did/);
    assert.match(out, /1 failed/);
    assert.doesNotMatch(out, /DeprecationWarning|soft deleted/);
  });
}

// The types are checked when TypeScript is installed (it is not a
// devDependency of leakguard; `npm i -D typescript` enables this test).
let tsc = null;
try {
  tsc = require.resolve('typescript/bin/tsc', { paths: [ROOT] });
} catch {
  // not installed
}

test('TypeScript: testing.d.ts, jest.d.ts, prometheus.d.ts and otel.d.ts against the Jest, Vitest, prom-client and OpenTelemetry types', {
  skip: tsc ? false : 'typescript is not installed',
}, async () => {
  const r = await runNode({ file: tsc, args: ['-p', path.join(ROOT, 'test', 'runners', 'types')] });
  assert.equal(r.code, 0, r.stdout + r.stderr);
});
