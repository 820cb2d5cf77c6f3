'use strict';
// writeSnapshot(): files, errors and safety, in this process and in real
// child processes. Every snapshot written here is parsed back and checked.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { Worker } = require('node:worker_threads');
const { firstMessage } = require('./helpers/child');
const leakguard = require('../..');
const {
  checkSnapshot, tmpDir, listFiles, startChild,
} = require('../fixtures/snapshot-check');

const isRoot = process.getuid && process.getuid() === 0;

test('writeSnapshot writes a complete 0600 file in a new 0700 directory', async () => {
  const base = tmpDir();
  const dir = path.join(base, 'a', 'b');
  const events = [];
  const onSnapshot = (info) => events.push(info);
  leakguard.on('snapshot', onSnapshot);
  const held = Array.from({ length: 5000 }, (_, i) => ({ held: i }));
  const info = await leakguard.writeSnapshot({ dir, reason: 'unit test' });
  leakguard.off('snapshot', onSnapshot);
  assert.equal(held.length, 5000);
  assert.equal(path.dirname(info.path), dir);
  assert.match(path.basename(info.path),
    new RegExp(`^leakguard-${process.pid}-\\d{8}T\\d{6}\\.\\d{3}Z-unit_test\\.heapsnapshot$`));
  assert.equal(info.reason, 'unit test');
  assert.equal(info.trigger, 'api');
  assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
  assert.equal(fs.statSync(path.join(base, 'a')).mode & 0o777, 0o700);
  assert.equal(fs.statSync(info.path).mode & 0o777, 0o600);
  assert.equal(fs.statSync(info.path).size, info.bytes);
  assert.ok(info.pauseMs > 0 && info.totalMs >= info.pauseMs);
  assert.ok(info.captureMs > 0 && info.captureMs <= info.pauseMs);
  const check = checkSnapshot(info.path);
  assert.equal(check.nodeCount, info.nodes);
  assert.equal(check.edgeCount, info.edges);
  assert.deepEqual(listFiles(dir), [path.basename(info.path)]);
  assert.equal(events.length, 1);
  assert.equal(events[0].path, info.path);
});

test('an independent reader loads the file; node count matches v8.writeHeapSnapshot', async () => {
  const dir = tmpDir();
  // A child with a settled heap takes both snapshots back to back.
  const child = startChild({ mode: 'compare', dir, objects: 30000 });
  const done = await child.event('compare');
  await child.exit;
  const ours = checkSnapshot(done.ours);
  const theirs = checkSnapshot(done.v8);
  // The heaps differ by what the first snapshot and the call itself left
  // (mostly code compiled in between), not by the objects of the program.
  const ratio = ours.nodeCount / theirs.nodeCount;
  assert.ok(Math.abs(ratio - 1) < 0.03, `node counts ${ours.nodeCount} vs ${theirs.nodeCount}`);
  assert.equal(ours.nodeCount, done.nodes);
  assert.equal(countObjects(done.ours, 'HeldByTheChild'), 30000);
  assert.equal(countObjects(done.v8, 'HeldByTheChild'), 30000);
  // v8-heapsnapshot, a reader of its own, where it reads V8's files: 1.3
  // refuses the files of V8 13 and later (Node 24, 26), v8.writeHeapSnapshot's
  // too, whose meta lists one node type more than node fields. Ours must
  // then be refused in just the same way.
  const { parseSnapshotFromFile } = require('v8-heapsnapshot');
  const read = (file) => parseSnapshotFromFile(file).then((snap) => ({ snap }), (err) => ({ err }));
  const [mine, v8s] = [await read(done.ours), await read(done.v8)];
  if (v8s.err) {
    assert.equal(mine.err && mine.err.message, v8s.err.message);
    return;
  }
  assert.ifError(mine.err);
  assert.equal(mine.snap.nodes.length, ours.nodeCount);
  const held = (snap) => snap.nodes.filter(
    (n) => n.name === 'HeldByTheChild' && n.type === 'object').length;
  assert.equal(held(mine.snap), 30000);
  assert.equal(held(v8s.snap), 30000);
});

// Objects named `name` in a snapshot file, read with JSON.parse and the
// file's own meta.
function countObjects(file, name) {
  const { snapshot, nodes, strings } = JSON.parse(fs.readFileSync(file, 'utf8'));
  const fields = snapshot.meta.node_fields;
  const types = snapshot.meta.node_types[0];
  const [typeAt, nameAt] = [fields.indexOf('type'), fields.indexOf('name')];
  let count = 0;
  for (let i = 0; i < nodes.length; i += fields.length) {
    if (types[nodes[i + typeAt]] === 'object' && strings[nodes[i + nameAt]] === name) count++;
  }
  return count;
}

test('a name template can never leave the directory', async () => {
  const dir = tmpDir();
  for (const nameTemplate of ['../escape', 'sub/file', '/etc/x', '..', '.hidden', 'x-{nope}']) {
    await assert.rejects(leakguard.writeSnapshot({ dir, nameTemplate }), (err) => {
      assert.equal(err.code, 'ERR_INVALID_ARG_VALUE');
      assert.match(err.message, /nameTemplate/);
      return true;
    });
    assert.throws(() => leakguard.enableSnapshots({ dir, nameTemplate, signal: false }),
      { code: 'ERR_INVALID_ARG_VALUE' });
  }
  assert.deepEqual(listFiles(dir), []);
  assert.deepEqual(listFiles(path.dirname(dir)).filter((f) => f.startsWith('escape')), []);
  const info = await leakguard.writeSnapshot({ dir, nameTemplate: 'app-{pid}-{reason}' });
  assert.equal(path.basename(info.path), `app-${process.pid}-api.heapsnapshot`);
  checkSnapshot(info.path);
  // The same name again gets a suffix instead of replacing the file.
  const again = await leakguard.writeSnapshot({ dir, nameTemplate: 'app-{pid}-{reason}' });
  assert.equal(path.basename(again.path), `app-${process.pid}-api-1.heapsnapshot`);
});

test('invalid options throw before anything is captured', () => {
  assert.throws(() => leakguard.enableSnapshots({ signal: 'SIGUSR1' }), RangeError);
  assert.throws(() => leakguard.enableSnapshots({ cooldownMs: -1 }), RangeError);
  assert.throws(() => leakguard.enableSnapshots({ heapUsedPercent: 0 }), RangeError);
  assert.throws(() => leakguard.enableSnapshots({ sink: 'x' }), TypeError);
  assert.throws(() => leakguard.enableSnapshots({ dirr: '/tmp' }), TypeError);
});

test('a path through a file fails with syscall and path, leaving nothing', async () => {
  const dir = tmpDir();
  fs.writeFileSync(path.join(dir, 'file'), 'x');
  await assert.rejects(leakguard.writeSnapshot({ dir: path.join(dir, 'file', 'sub') }), (err) => {
    assert.equal(err.code, 'ENOTDIR');
    assert.equal(err.syscall, 'mkdir');
    assert.ok(err.path.startsWith(path.join(dir, 'file')));
    return true;
  });
  assert.deepEqual(listFiles(dir), ['file']);
});

test('an unwritable directory gives EACCES on open and no file', { skip: process.platform !== 'linux' }, async (t) => {
  if (isRoot) {
    // Root ignores directory permissions, so the child drops to nobody,
    // which needs to be able to load leakguard from this checkout.
    const probe = require('node:child_process').spawnSync(process.execPath,
      ['-e', `require(${JSON.stringify(path.resolve(__dirname, '..', '..'))})`],
      { uid: 65534, gid: 65534, encoding: 'utf8' });
    if (probe.status !== 0) {
      t.skip('user nobody cannot load leakguard from this checkout');
      return;
    }
  }
  const dir = tmpDir();
  fs.chmodSync(dir, 0o555);
  const child = startChild({ mode: 'write', write: { dir } },
    isRoot ? { uid: 65534 } : {});
  const err = await child.event('write-error');
  await child.exit;
  assert.equal(err.code, 'EACCES');
  assert.equal(err.syscall, 'open');
  assert.equal(err.path, path.join(dir, path.basename(err.path)));
  assert.match(err.path, /\.heapsnapshot\.tmp$/);
  assert.match(err.message, /open '.*': Permission denied/);
  assert.deepEqual(listFiles(dir), []);
});

test('a full disk mid-write (injected ENOSPC) removes the partial file', async () => {
  const dir = tmpDir();
  const child = startChild({ mode: 'write', write: { dir } },
    { env: { LEAKGUARD_TEST_FAIL_AFTER_BYTES: '100000' } });
  const err = await child.event('write-error');
  await child.exit;
  assert.equal(err.code, 'ENOSPC');
  assert.equal(err.syscall, 'write');
  assert.match(err.path, /\.heapsnapshot\.tmp$/);
  assert.deepEqual(listFiles(dir), []);
});

// Under scripts/test-js-sanitized.js --sanitize=thread the child's TSan
// runtime does not live under these limits (it dies of SIGSEGV before
// leakguard runs); ASan does, and runs them.
const SANITIZED = process.env.LEAKGUARD_SANITIZER === 'thread'
  ? 'not under ThreadSanitizer: its runtime does not fit the limit' : false;

test('a file size limit (RLIMIT_FSIZE, real EFBIG) removes the partial file', { skip: SANITIZED }, async () => {
  const dir = tmpDir();
  // Node ignores SIGXFSZ, so write(2) fails with EFBIG past the limit.
  const child = startChild({ mode: 'write', write: { dir } }, {
    command: (node, args) =>
      `ulimit -f 200 && exec '${node}' ${args.map((a) => `'${a}'`).join(' ')}`,
  });
  const err = await child.event('write-error');
  await child.exit;
  assert.equal(err.code, 'EFBIG');
  assert.equal(err.syscall, 'write');
  assert.deepEqual(listFiles(dir), []);
});

test('minFreeDiskBytes above the free space refuses with ERR_LEAKGUARD_NO_DISK', async () => {
  const dir = tmpDir();
  await assert.rejects(
    leakguard.writeSnapshot({ dir, minFreeDiskBytes: Number.MAX_SAFE_INTEGER }),
    (err) => {
      assert.equal(err.code, 'ERR_LEAKGUARD_NO_DISK');
      assert.match(err.message, /not enough free disk/);
      return true;
    });
  assert.deepEqual(listFiles(dir), []);
});

test('a cgroup memory limit below the estimate refuses with ERR_LEAKGUARD_NO_HEADROOM', { skip: SANITIZED }, async (t) => {
  const cg = `/sys/fs/cgroup/memory/leakguard-test-${process.pid}`;
  try {
    fs.mkdirSync(cg);
    fs.writeFileSync(path.join(cg, 'memory.limit_in_bytes'), String(160 << 20));
  } catch (err) {
    t.skip(`no writable cgroup v1 memory controller (${err.code})`);
    return;
  }
  t.after(() => { try { fs.rmdirSync(cg); } catch {} });
  const dir = tmpDir();
  // ~25 MB of small objects: the estimate is well above what is left of
  // 160 MB, while the process itself fits comfortably.
  const child = startChild({ mode: 'write', objects: 250000, write: { dir } }, {
    command: (node, args) =>
      `echo $$ > ${cg}/cgroup.procs && exec '${node}' ${args.map((a) => `'${a}'`).join(' ')}`,
  });
  const err = await child.event('write-error');
  await child.exit;
  assert.equal(err.code, 'ERR_LEAKGUARD_NO_HEADROOM');
  assert.match(err.message, /cgroup-v1: limit 160 MiB/);
  assert.ok(err.estimatedBytes > err.headroomBytes);
  assert.deepEqual(listFiles(dir), []);
});

test('maxFiles keeps the newest files of ours and nothing else is touched', async () => {
  const dir = tmpDir();
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine');
  fs.writeFileSync(path.join(dir, 'Heap.other.heapsnapshot'), 'not ours');
  const paths = [];
  for (let i = 0; i < 4; i++) {
    const info = await leakguard.writeSnapshot({ dir, maxFiles: 2, reason: `n${i}` });
    paths.push(info.path);
    if (i >= 2) assert.deepEqual(info.removed, [paths[i - 2]]);
  }
  assert.deepEqual(listFiles(dir),
    ['Heap.other.heapsnapshot', path.basename(paths[2]), path.basename(paths[3]), 'notes.txt'].sort());
  for (const p of paths.slice(2)) checkSnapshot(p);
});

test('a worker thread takes a snapshot of its own heap', async () => {
  const dir = tmpDir();
  const worker = new Worker(`
    const { parentPort } = require('node:worker_threads');
    const leakguard = require(${JSON.stringify(path.resolve(__dirname, '..', '..'))});
    class OnlyInTheWorker { constructor(i) { this.i = i; } }
    const held = Array.from({ length: 1234 }, (_, i) => new OnlyInTheWorker(i));
    leakguard.writeSnapshot({ dir: ${JSON.stringify(dir)}, reason: 'worker' })
      .then((info) => parentPort.postMessage({ info, held: held.length }),
            (err) => parentPort.postMessage({ error: err.message }));
  `, { eval: true });
  // Read now: once the worker has exited (it may, right after posting),
  // worker.threadId is -1.
  const workerId = worker.threadId;
  const msg = await firstMessage(worker);
  await worker.terminate();
  assert.equal(msg.error, undefined);
  assert.equal(msg.info.threadId, workerId);
  // The main thread's snapshot, taken before this thread has read the
  // worker's file (whose strings would then be on this heap too), does not
  // see the worker's objects. The name is built at run time: a literal
  // would sit in this function's constants, on the main thread's heap.
  const mine = await leakguard.writeSnapshot({ dir, reason: 'main' });
  const workerClass = () => ['Only', 'In', 'The', 'Worker'].join('');
  const hasName = (file, name) =>
    JSON.parse(fs.readFileSync(file, 'utf8')).strings.includes(name);
  assert.ok(!hasName(mine.path, workerClass()));
  checkSnapshot(msg.info.path);
  assert.ok(hasName(msg.info.path, workerClass()));
});
