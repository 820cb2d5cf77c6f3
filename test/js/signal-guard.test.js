'use strict';
// The snapshot signal is caught from the moment enableSnapshots() returns
// until disableSnapshots(), whatever the monitor thread does: a SIGUSR2 in
// the same turn as enableSnapshots(), or after stop(), must never get its
// default action, which kills the process.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { runNode, jsonLines, ROOT } = require('./helpers/child');
const { checkSnapshot, tmpDir } = require('../fixtures/snapshot-check');

const CHILD = path.join(ROOT, 'test', 'fixtures', 'signal-guard-child.js');

async function run(mode) {
  const dir = tmpDir();
  const r = await runNode({ file: CHILD, args: [dir, mode], timeoutMs: 60000 });
  assert.equal(r.signal, null, `${mode}: the process died of ${r.signal}`);
  assert.equal(r.code, 0, r.stderr);
  const events = jsonLines(r.stdout);
  const snaps = events.filter((e) => e.event === 'snapshot');
  for (const s of snaps) {
    assert.equal(s.trigger, 'signal');
    checkSnapshot(s.path);
  }
  assert.ok(!fs.readdirSync(dir).some((f) => f.endsWith('.tmp')));
  return { events, snaps };
}

test('a signal in the same turn as enableSnapshots() is caught: 10 of 10', async () => {
  for (let i = 0; i < 10; i++) {
    const { snaps } = await run('same-turn');
    assert.equal(snaps.length, 1, `run ${i}`);
  }
});

test('after stop() the signal still takes a snapshot, and snapshotStats() says it is watched', async () => {
  const { snaps, events } = await run('after-stop');
  assert.equal(snaps.length, 1);
  const stats = events.find((e) => e.event === 'stats').stats;
  assert.equal(stats.enabled, true);
  assert.equal(stats.signalWatchers, 1);
});

test('start(newOptions) restarts the monitor thread without a window for the signal', async () => {
  const { snaps, events } = await run('restart');
  assert.equal(snaps.length, 2, JSON.stringify(events));
});
