'use strict';
// The 'leak' event in real processes: each fixture in test/fixtures runs as
// a child process with default options, all in parallel. Leaky ones must
// report a leak of the right kind within 90 s; healthy ones must report
// nothing in 90 s. See docs/detector.md for the method.
//
// LEAKGUARD_DETECTOR_FIXTURES=leak-cache,ok-lru runs a subset.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { runNode, jsonLines, ROOT } = require('./helpers/child');

const FIXTURES = [
  { name: 'leak-http-map', expect: 'leak', kind: 'heap' },
  { name: 'leak-listeners', expect: 'leak', kind: 'heap' },
  { name: 'leak-cache', expect: 'leak', kind: 'heap' },
  { name: 'leak-buffers', expect: 'leak', kind: 'external' },
  { name: 'ok-lru', expect: 'none' },
  { name: 'ok-sawtooth', expect: 'none' },
  { name: 'ok-churn', expect: 'none' },
  { name: 'ok-bursts', expect: 'none' },
];

const DURATION_MS = 90000;

const only = process.env.LEAKGUARD_DETECTOR_FIXTURES;
const selected = only
  ? FIXTURES.filter((f) => only.split(',').includes(f.name))
  : FIXTURES;

function runFixture(name, env = {}) {
  return runNode({
    file: path.join(ROOT, 'test', 'fixtures', `${name}.js`),
    args: [String(DURATION_MS)],
    env,
    timeoutMs: DURATION_MS + 30000,
  });
}

test('leak events in real processes', { concurrency: true }, async (t) => {
  await Promise.all(selected.map((f) => t.test(f.name, async () => {
    // A leaky fixture may stop at its first event; a healthy one runs its
    // whole time.
    const env = f.expect === 'leak' ? { LEAKGUARD_FIXTURE_STOP: '1' } : {};
    const r = await runFixture(f.name, env);
    const lines = jsonLines(r.stdout);
    const summary = lines.find((l) => l.event === 'summary');
    const leaks = lines.filter((l) => l.event === 'leak');
    const errors = lines.filter((l) => l.event === 'error');
    const context = `\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
    assert.equal(r.code, 0, `exit code ${r.code} (${r.signal})${context}`);
    assert.ok(summary, `no summary line${context}`);
    assert.deepEqual(errors, [], context);
    if (f.expect === 'leak') {
      const right = leaks.find((l) => l.kind === f.kind);
      assert.ok(right, `no '${f.kind}' leak event within ${DURATION_MS} ms` +
        context);
      assert.ok(right.atMs <= DURATION_MS, `late: ${right.atMs} ms`);
      assert.ok(right.bytesPerSecond > 0 && right.growth > 0);
      assert.ok(right.confidence > 0.5 && right.confidence <= 1);
      assert.match(right.reason, /grew .* over .*, \d+ of \d+ /);
    } else {
      assert.deepEqual(leaks, [], `false positive${context}`);
    }
  })));
});
