'use strict';
// `leakguard analyze|diff|summary` end to end: a real child process writes
// three heap snapshots while it leaks (or does not leak) request objects
// into a module-level Map amid normal churn; the CLI must name the leaking
// constructor, the Map that holds it, and how many leaked.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { runNode } = require('./helpers/child');

const CLI = path.resolve(__dirname, '..', '..', 'lib', 'cli', 'main.js');
const LEAKED = 3000;  // requests leaked between the baseline and the target

// The child: serves "requests" in asynchronous batches. Each request makes
// short-lived garbage (parsed headers, a response body); with `leak` every
// request is also kept in `requests`, a module-level Map, and never removed.
// A warm-up round before the baseline is not counted.
const CHILD = `
'use strict';
const v8 = require('node:v8');
const path = require('node:path');
const [mode, dir, perRound] = process.argv.slice(1);
class LeakedRequest {
  constructor(id) {
    this.id = id;
    this.url = '/items/' + id + '?q=' + (id * 7919 % 1000);
    this.headers = { host: 'localhost', 'x-request-id': 'req-' + id };
    this.startedAt = Date.now();
  }
}
const requests = new Map();
const recent = [];  // bounded: the last 50 responses, like an LRU
let nextId = 0;
function handle() {
  const req = new LeakedRequest(nextId++);
  const parsed = req.url.split(/[/?=]/).map((part) => ({ part, len: part.length }));
  const body = JSON.stringify({ id: req.id, parsed });
  recent.push(body);
  if (recent.length > 50) recent.shift();
  if (mode === 'leak') requests.set(req.id, req);
}
async function round(n) {
  for (let i = 0; i < n; i += 100) {
    for (let j = 0; j < 100 && i + j < n; j++) handle();
    await new Promise((resolve) => setImmediate(resolve));
  }
}
(async () => {
  await round(500);
  v8.writeHeapSnapshot(path.join(dir, 'baseline.heapsnapshot'));
  await round(+perRound);
  v8.writeHeapSnapshot(path.join(dir, 'target.heapsnapshot'));
  await round(+perRound);
  v8.writeHeapSnapshot(path.join(dir, 'final.heapsnapshot'));
  console.log(JSON.stringify({ requests: requests.size }));
})();
`;

async function snapshots(mode) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `leakguard-analyze-${mode}-`));
  const r = await runNode({ code: CHILD, args: [mode, dir, String(LEAKED)] });
  assert.equal(r.code, 0, r.stderr);
  const files = ['baseline', 'target', 'final'].map(
    (n) => path.join(dir, `${n}.heapsnapshot`));
  return { dir, files };
}

async function cli(args) {
  return runNode({ file: CLI, args, timeoutMs: 120000 });
}

test('analyze finds the leaked requests and the Map that holds them', async (t) => {
  const { dir, files } = await snapshots('leak');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const r = await cli(['analyze', ...files, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const { report, files: named } = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(named), ['baseline', 'target', 'final']);
  assert.ok(report.groups.length >= 1, r.stdout);
  const top = report.groups[0];
  assert.equal(top.constructor, 'LeakedRequest');
  assert.match(top.path, /requests \(Map\)/);
  assert.ok(top.hops.some((h) => h.edge === 'requests' && h.node === 'Map'),
            JSON.stringify(top.hops));
  assert.ok(Math.abs(top.count - LEAKED) <= LEAKED * 0.1,
            `count ${top.count}, leaked ${LEAKED}`);
  assert.ok(top.retained_size >= top.self_size);
  assert.ok(top.retained_size > top.count * 32);

  // The human form names the same group and path.
  const human = await cli(['analyze', ...files, '--top', '3']);
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /LeakedRequest/);
  assert.match(human.stdout, /requests \(Map\) → table → LeakedRequest/);

  // diff: memwatch's HeapDiff shape; the leaked class grew.
  const d = await cli(['diff', files[0], files[1], '--json']);
  assert.equal(d.code, 0, d.stderr);
  const diff = JSON.parse(d.stdout);
  assert.deepEqual(Object.keys(diff), ['before', 'after', 'change']);
  assert.deepEqual(Object.keys(diff.before), ['nodes', 'size_bytes', 'size']);
  assert.deepEqual(Object.keys(diff.change),
                   ['size_bytes', 'size', 'freed_nodes', 'allocated_nodes', 'details']);
  const leaked = diff.change.details.find((x) => x.what === 'LeakedRequest');
  assert.ok(leaked, 'LeakedRequest in diff details');
  assert.deepEqual(Object.keys(leaked), ['what', 'size_bytes', 'size', '+', '-']);
  assert.ok(leaked['+'] >= LEAKED, `+${leaked['+']}`);

  // summary: the final snapshot holds every request ever leaked.
  const s = await cli(['summary', files[2], '--json']);
  assert.equal(s.code, 0, s.stderr);
  const cls = JSON.parse(s.stdout).summary.classes.find((c) => c.name === 'LeakedRequest');
  assert.equal(cls.count, 500 + 2 * LEAKED);
  assert.ok(cls.retained_size >= cls.self_size);
});

test('analyze reports nothing for a process that does not leak', async (t) => {
  const { dir, files } = await snapshots('clean');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const r = await cli(['analyze', ...files, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const { report } = JSON.parse(r.stdout);
  assert.deepEqual(report.groups, [], JSON.stringify(report.groups, null, 2));
  const human = await cli(['analyze', ...files]);
  assert.match(human.stdout, /No leak candidates above the noise threshold/);
});

test('bad files: one line with the byte offset, exit code 2', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-analyze-bad-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const truncated = path.join(dir, 'truncated.heapsnapshot');
  fs.writeFileSync(truncated, '{"snapshot":{"meta":{"node_fields":["type"');
  const r = await cli(['summary', truncated]);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr,
               /^leakguard: .*truncated\.heapsnapshot: at byte \d+: unexpected end of input/);

  const missing = path.join(dir, 'missing.heapsnapshot');
  const m = await cli(['diff', truncated, missing]);
  assert.equal(m.code, 2);
  assert.match(m.stderr, /^leakguard: .*\.heapsnapshot: /);

  const usage = await cli(['analyze', truncated]);
  assert.equal(usage.code, 1);
  assert.match(usage.stderr, /usage: leakguard analyze/);
});

// A sparse file that takes a few KB on disk, reports 200 GB and declares
// 1e11 nodes: the reader used to reserve from those numbers, and
// std::bad_alloc on the threadpool aborted the process (exit 134).
test('a hostile sparse 200 GB file is one line and exit code 2, not an abort', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-analyze-sparse-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const sparse = path.join(dir, 'huge.heapsnapshot');
  const fd = fs.openSync(sparse, 'w', 0o600);
  fs.writeSync(fd, '{"snapshot":{"meta":{"node_fields":["type","name","id","self_size",' +
    '"edge_count"],"node_types":[["object"],"string","number","number","number"],' +
    '"edge_fields":["type","name_or_index","to_node"],"edge_types":[["property"],' +
    '"string","node"]},"node_count":100000000000,"edge_count":1},"nodes":[');
  fs.ftruncateSync(fd, 200e9);
  fs.closeSync(fd);
  for (const args of [['summary', sparse], ['diff', sparse, sparse], ['analyze', sparse, sparse, sparse]]) {
    const r = await cli(args);
    assert.equal(r.signal, null, r.stderr);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^leakguard: .*huge\.heapsnapshot: at byte \d+: /);
  }
});

test('the JS API resolves with the same JSON', async () => {
  // Through the default instance, as users call it.
  const { analyze, summary } = require('../..');
  const fixtures = path.resolve(__dirname, '..', 'cpp', 'fixtures');
  const f = (n) => path.join(fixtures, n);
  const report = await analyze(
    [f('leak_baseline.json'), f('leak_target.json'), f('leak_final.json')],
    { minCount: 1, minRetainedBytes: 0 });
  assert.equal(report.report.groups[0].constructor, 'LeakedRequest');
  assert.equal(report.report.groups[0].count, 3);
  const s = await summary(f('dominators.json'), { top: 1 });
  assert.equal(s.summary.classes.length, 1);
  await assert.rejects(summary(f('missing.json')), { code: 'ERR_LEAKGUARD_IO' });
  await assert.rejects(analyze(['a']), TypeError);
});
