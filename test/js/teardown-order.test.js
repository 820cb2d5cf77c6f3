'use strict';
// Teardown happens in one order on every path (src/addon/env/instance.h): the
// GC callbacks go first (they poke the monitor thread's handle), then the
// monitor thread is joined (it pokes our main-loop handle), then the
// snapshot machinery is disposed, the main-loop handle closed, and the
// instance data finalized. With LEAKGUARD_TRACE_TEARDOWN=1 the addon traces
// each step (src/addon/env/teardown_trace.h); these tests assert the exact
// sequence in real processes, as node-addon-api's test/env_cleanup.js does.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { runNode } = require('./helpers/child');

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'teardown-child.js');

async function trace(mode, env = {}) {
  const r = await runNode({ file: FIXTURE, args: [mode],
                            env: { LEAKGUARD_TRACE_TEARDOWN: '1', ...env } });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.signal, null);
  const steps = [];
  const tids = new Set();
  for (const line of r.stderr.split('\n')) {
    const m = /^leakguard-teardown (\S+) (.+)$/.exec(line);
    if (!m) continue;
    steps.push(m[1] === '-' ? `[${m[2]}]` : m[2]);
    if (m[1] !== '-') tids.add(m[1]);
  }
  return { steps, tids, stdout: r.stdout };
}

const STOP = ['gc callbacks removed', 'monitor thread joined'];
const DISPOSE = ['snapshots disposed', 'handles closed', 'finalized'];

test('stop(), then the environment\'s cleanup at exit', async () => {
  const { steps, tids } = await trace('stop');
  assert.deepEqual(steps, [...STOP, '[stop() returned]', ...DISPOSE]);
  assert.equal(tids.size, 1);
});

test('a worker terminated while monitoring, with snapshots enabled', async () => {
  const { steps, tids, stdout } = await trace('worker');
  assert.deepEqual(steps, [...STOP, ...DISPOSE]);
  assert.equal(tids.size, 1);
  assert.match(stdout, /worker exited/);
});

test('a worker that only wrote a snapshot: its cleanup waits for the controller\'s handles', async () => {
  // Its only uv handles are the snapshot controller's. The cleanup hook
  // used to be removed at once, so Node could unload the addon before
  // their close callbacks (our code) ran.
  const dir = require('../fixtures/snapshot-check').tmpDir();
  const { steps, tids, stdout } = await trace('worker-snapshot-only', { SNAPSHOT_DIR: dir });
  assert.deepEqual(steps, DISPOSE);
  assert.equal(tids.size, 1);
  assert.match(stdout, /worker exited/);
});

test('process.exit() while monitoring: the exit listener joins the thread, nothing runs after', async () => {
  // On the main thread process.exit() runs 'exit' listeners and then exits
  // without environment cleanup: our listener stops monitoring first, so
  // the monitor thread never touches a V8 that is going away.
  const { steps } = await trace('exit');
  assert.deepEqual(steps, ['[calling process.exit()]', ...STOP]);
});

test("another 'exit' listener that calls process.exit() does not skip ours", async () => {
  // It was registered first, and process.exit() inside 'exit' ends the
  // process on the spot: ours is prepended, so it still runs first.
  const { steps } = await trace('exit-race');
  assert.deepEqual(steps,
                   ['[calling process.exit()]', ...STOP, '[the other exit listener]']);
});

test('without the variable, teardown prints nothing', async () => {
  const r = await runNode({ file: FIXTURE, args: ['stop'] });
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /leakguard-teardown \d/);
});
