'use strict';
// One table of error codes on each side (src/addon/napi/errors.h,
// lib/errors.js), each code documented once in docs/errors.md, and no code
// spelled anywhere else. Then the shell at work: an I/O status has one code
// on every path, the binding's own assertions have theirs, and (in a real
// process) a retention failure is reported, not dropped.
const test = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const binding = require('../../lib/binding');
const { CODES } = require('../../lib/errors');
const { runNode, jsonLines } = require('./helpers/child');

const root = path.join(__dirname, '..', '..');

function filesUnder(dir, exts) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p, exts));
    else if (exts.some((x) => e.name.endsWith(x))) out.push(p);
  }
  return out;
}

test('every error code is in one table and docs/errors.md names it', () => {
  const native = binding.errorCodes().map((r) => r.code);
  const js = Object.keys(CODES);
  const all = new Set([...native, ...js]);
  const doc = fs.readFileSync(path.join(root, 'docs/errors.md'), 'utf8');
  for (const code of all) {
    assert.ok(doc.includes(`| \`${code}\` |`), `docs/errors.md has no row for ${code}`);
  }
  for (const m of doc.matchAll(/^\| `(ERR_[A-Z_]+)` \|/gm)) {
    assert.ok(all.has(m[1]), `docs/errors.md documents ${m[1]}, which no table has`);
  }
  // No ERR_ code is spelled outside the tables (a prefix test on Node's own
  // util.parseArgs codes is not a code of ours).
  const sources = [...filesUnder(path.join(root, 'lib'), ['.js', '.mjs']),
                   ...filesUnder(path.join(root, 'src/addon'), ['.cc', '.h'])];
  for (const file of sources) {
    const text = fs.readFileSync(file, 'utf8').replace(/startsWith\('ERR_[A-Z_]+'\)/g, '');
    for (const m of text.matchAll(/['"](ERR_[A-Z_]+)['"]/g)) {
      assert.ok(all.has(m[1]), `${path.relative(root, file)} spells ${m[1]}, which no table has`);
    }
  }
});

test('an I/O status is ERR_LEAKGUARD_IO without an errno and the errno name with one', async () => {
  const leakguard = require('../../lib/index');
  await assert.rejects(leakguard.summary(path.join(os.tmpdir(), 'no-such-dir', 'x.heapsnapshot')),
                       { code: 'ERR_LEAKGUARD_IO', reason: 'I/O error' });
  const file = path.join(os.tmpdir(), `leakguard-bad-${process.pid}.heapsnapshot`);
  fs.writeFileSync(file, '{"snapshot":');
  try {
    await assert.rejects(leakguard.summary(file), (err) => {
      assert.match(err.code, /^ERR_LEAKGUARD_(SNAPSHOT|IO)$/);
      assert.ok(err.message.includes(file), err.message);
      return true;
    });
  } finally {
    fs.rmSync(file, { force: true });
  }
  // A snapshot into a directory that cannot be made: the errno's name,
  // with syscall and path, as fs errors have.
  const blocker = path.join(os.tmpdir(), `leakguard-file-${process.pid}`);
  fs.writeFileSync(blocker, '');
  try {
    await assert.rejects(leakguard.writeSnapshot({ dir: path.join(blocker, 'sub') }), (err) => {
      assert.match(err.code, /^E[A-Z]+$/);
      assert.equal(typeof err.syscall, 'string');
      assert.ok(err.errno < 0);
      return true;
    });
  } finally {
    fs.rmSync(blocker, { force: true });
  }
});

test('the binding asserts its arguments with ERR_INTERNAL_ASSERTION', () => {
  assert.throws(() => binding.start(), { name: 'TypeError', code: 'ERR_INTERNAL_ASSERTION' });
  assert.throws(() => binding.writeSnapshot(), { name: 'TypeError', code: 'ERR_INTERNAL_ASSERTION' });
  assert.throws(() => binding.summary('x', { top: 0 }),
                { name: 'TypeError', code: 'ERR_INTERNAL_ASSERTION' });
});

// unlink of an immutable file fails with EPERM even for root.
function immutable(file, on) {
  try {
    execFileSync('chattr', [on ? '+i' : '-i', file], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

test('a retention failure is reported with the errno, and the snapshot still resolves', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-retention-'));
  // Two old snapshots of ours (0600, as leakguard writes them); the older
  // cannot be removed. Retention goes on to the next one.
  const old = path.join(dir, 'snap-20200101T000000.000Z.heapsnapshot');
  const older = path.join(dir, 'snap-20190101T000000.000Z.heapsnapshot');
  for (const [file, year] of [[old, 2020], [older, 2019]]) {
    fs.writeFileSync(file, '{}', { mode: 0o600 });
    fs.utimesSync(file, new Date(year, 0, 1), new Date(year, 0, 1));
  }
  if (!immutable(older, true)) {
    fs.rmSync(dir, { recursive: true, force: true });
    t.skip('chattr +i is not available here');
    return;
  }
  try {
    const r = await runNode({
      code: `
        const leakguard = require('./');
        leakguard.on('error', (err) => console.log(JSON.stringify({ error: {
          code: err.code, syscall: err.syscall, path: err.path, message: err.message } })));
        leakguard.writeSnapshot({ dir: ${JSON.stringify(dir)}, maxFiles: 1,
                                  nameTemplate: 'snap-{time}.heapsnapshot' })
          .then((info) => console.log(JSON.stringify({ info: { path: info.path, removed: info.removed } })));
      `,
    });
    assert.equal(r.code, 0, r.stderr);
    const lines = jsonLines(r.stdout);
    const error = lines.find((l) => l.error).error;
    const info = lines.find((l) => l.info).info;
    assert.equal(error.code, 'EPERM');
    assert.equal(error.syscall, 'unlink');
    assert.equal(error.path, older);
    assert.match(error.message, /retention/);
    assert.ok(fs.existsSync(info.path), 'the new snapshot is there');
    // One EPERM did not stop the pass: the next oldest went.
    assert.deepEqual(info.removed, [old]);
    assert.ok(fs.existsSync(older));
  } finally {
    immutable(older, false);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
