'use strict';
// No partial snapshot file outlives its writer, in real
// processes: a writeSnapshot() right before process.exit() is published
// before the process ends, and the .tmp of a process killed mid-write
// (SIGKILL, as the OOM killer does) is removed by the next enableSnapshots().
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { checkSnapshot, tmpDir, listFiles } = require('../fixtures/snapshot-check');
const { runNode } = require('./helpers/child');

const ROOT = path.resolve(__dirname, '..', '..');

test('writeSnapshot() then process.exit(): the file is published, no .tmp is left', async () => {
  const dir = tmpDir();
  const r = await runNode({
    code: `
      const leakguard = require('./');
      const held = Array.from({ length: 200000 }, (_, i) => ({ i, s: 'x' + i }));
      leakguard.writeSnapshot({ dir: ${JSON.stringify(dir)} });
      process.exit(0);
      held.length;
    `,
  });
  assert.equal(r.code, 0, r.stderr);
  const files = listFiles(dir);
  assert.equal(files.filter((f) => f.endsWith('.tmp')).length, 0, files.join(', '));
  const snaps = files.filter((f) => f.endsWith('.heapsnapshot'));
  assert.equal(snaps.length, 1, files.join(', '));
  checkSnapshot(path.join(dir, snaps[0]));
  assert.equal(fs.statSync(path.join(dir, snaps[0])).mode & 0o777, 0o600);
});

test('a process killed mid-snapshot: the next enableSnapshots() removes its .tmp', async () => {
  const dir = tmpDir();
  // A heap big enough that writing takes a while, written over and over
  // until the test kills the process while a .tmp exists.
  const child = spawn(process.execPath, ['-e', `
    const leakguard = require('./');
    const held = Array.from({ length: 400000 }, (_, i) => ({ i, s: 'x' + i }));
    (async () => { for (;;) await leakguard.writeSnapshot({ dir: ${JSON.stringify(dir)} }); })();
    setInterval(() => held.length, 1000);
  `], { cwd: ROOT, stdio: 'ignore' });
  const exited = new Promise((r) => child.on('exit', (code, signal) => r(signal)));
  const deadline = Date.now() + 60000;
  let tmp = null;
  while (tmp === null && Date.now() < deadline) {
    tmp = listFiles(dir).find((f) => f.endsWith('.heapsnapshot.tmp')) || null;
    if (tmp === null) await new Promise((r) => setTimeout(r, 5));
  }
  child.kill('SIGKILL');
  assert.equal(await exited, 'SIGKILL');
  assert.ok(tmp, 'saw a .tmp while the child was writing');
  const left = listFiles(dir).filter((f) => f.endsWith('.tmp'));
  assert.ok(left.length >= 1, 'the killed writer left its .tmp');
  // A minute later (its age is what tells a dead writer's file from a
  // fresh one, with the lock): age the files instead of waiting.
  const old = new Date(Date.now() - 10 * 60 * 1000);
  for (const f of left) fs.utimesSync(path.join(dir, f), old, old);
  const r = await runNode({
    code: `require('./').enableSnapshots({ dir: ${JSON.stringify(dir)}, signal: false });`,
  });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(listFiles(dir).filter((f) => f.endsWith('.tmp')), []);
  // The complete files are still there.
  for (const f of listFiles(dir).filter((n) => n.endsWith('.heapsnapshot'))) {
    checkSnapshot(path.join(dir, f));
  }
});

// Snapshot directories are not trusted blindly: root
// once wrote its snapshot into /etc through /var/tmp/dumps -> /etc.
test('a symlinked, world-writable or NUL-bearing dir is refused at the call, and nothing is written', async (t) => {
  const leakguard = require('../..');
  const base = tmpDir();
  const target = path.join(base, 'target');
  fs.mkdirSync(target, { mode: 0o700 });
  const link = path.join(base, 'dumps');
  fs.symlinkSync(target, link);
  const open = path.join(base, 'open');
  fs.mkdirSync(open);
  fs.chmodSync(open, 0o777);
  t.after(() => leakguard.disableSnapshots());

  assert.throws(() => leakguard.enableSnapshots({ dir: link, signal: false }), {
    name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE',
    message: /options\.dir: snapshot directory '.*dumps' is a symbolic link \(to '.*target'\)/,
  });
  await assert.rejects(leakguard.writeSnapshot({ dir: link }), {
    code: 'ERR_INVALID_ARG_VALUE', message: /is a symbolic link/,
  });
  assert.throws(() => leakguard.enableSnapshots({ dir: open, signal: false }), {
    code: 'ERR_INVALID_ARG_VALUE', message: /writable by everyone \(mode 0777\) without the sticky bit/,
  });
  await assert.rejects(leakguard.writeSnapshot({ dir: open }), { code: 'ERR_INVALID_ARG_VALUE' });
  // Node's fs rejects NUL bytes the same way; the native side would have
  // cut the path at the NUL.
  assert.throws(() => leakguard.enableSnapshots({ dir: `${target}\0x` }), {
    name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE', message: /without null bytes/,
  });
  await assert.rejects(leakguard.writeSnapshot({ dir: `${target}\0x` }), {
    code: 'ERR_INVALID_ARG_VALUE', message: /without null bytes/,
  });
  assert.deepEqual(fs.readdirSync(target), []);
  assert.deepEqual(fs.readdirSync(open), []);
  // The directory itself, and a sticky world-writable one (as /tmp), work.
  fs.chmodSync(open, 0o1777);
  const info = await leakguard.writeSnapshot({ dir: open });
  checkSnapshot(info.path);
});
