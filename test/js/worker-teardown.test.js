'use strict';
// Worker threads that are terminated, or exit, while leakguard is busy in
// them must never take the process down. Each
// case runs in a child process, because the failure is an abort of the
// whole process ("FATAL ERROR: Error::ThrowAsJavaScriptException
// napi_throw", exit 134).
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { runNode, ROOT } = require('./helpers/child');

const CHILD = path.join(ROOT, 'test', 'fixtures', 'worker-teardown-child.js');

function assertSurvived(r) {
  assert.equal(r.signal, null,
               `killed by ${r.signal}: ${r.stderr.slice(-2000)}; last output: ${r.stdout.slice(-300)}`);
  assert.doesNotMatch(r.stderr, /FATAL ERROR/);
  assert.equal(r.code, 0, r.stderr.slice(-2000));
  assert.match(r.stdout, /survived/, `exit ${r.code} without finishing: ${r.stdout.slice(-500)}`);
}

test('analyses in flight on the threadpool when a worker is terminated or exits', async () => {
  // Node runs the job's completion during the worker's teardown, when JS
  // can no longer run: settling the promise must not abort.
  const r = await runNode({ file: CHILD, args: ['jobs', '4'], timeoutMs: 240000 });
  assertSurvived(r);
  for (const name of ['summary', 'endAsync', 'findLeaks']) {
    assert.match(r.stdout, new RegExp(`${name}/terminate`));
    assert.match(r.stdout, new RegExp(`${name}/exit`));
  }
});

test('a worker terminated while it is still loading leakguard', async () => {
  const r = await runNode({ file: CHILD, args: ['load', '150'], timeoutMs: 240000 });
  assertSurvived(r);
});

// Under a sanitizer build every termination is several times slower: a
// tenth of the rounds there (the release build's runs carry the rate).
const CHURN_ROUNDS = process.env.LEAKGUARD_SANITIZER ? 30 : 200;

test(`workers terminated inside enableSnapshots()/disableSnapshots() loops never hang teardown ` +
  `(2 x ${CHURN_ROUNDS} in a row)`, async () => {
  // Before the fix, the monitor thread lost its wake-up about once in
  // 400-900 terminations and the teardown joined it forever (a timeout
  // here). Two children at once, as CI's two cores are shared.
  const runs = await Promise.all([0, 1].map(() =>
    runNode({ file: CHILD, args: ['snapshotChurn', String(CHURN_ROUNDS)], timeoutMs: 240000 })));
  for (const r of runs) assertSurvived(r);
});

test('a worker terminated inside a synchronous loop of API calls', async () => {
  // 20 rounds of six loops; before the fix, the start() loop alone aborted
  // the process within the first rounds on Node 20 and 24.
  const r = await runNode({ file: CHILD, args: ['calls', '20'], timeoutMs: 240000 });
  assertSurvived(r);
});
