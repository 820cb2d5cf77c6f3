'use strict';
// The install step where no prebuild loads and no toolchain is there (a
// musl/Alpine image): one line saying what to install, not node-gyp's
// stack; and nothing of the existing build is touched.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const ROOT = path.resolve(__dirname, '..', '..');

test('building without a compiler, make or python3 says what to install, and touches nothing', () => {
  const bare = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-bare-'));
  fs.symlinkSync(process.execPath, path.join(bare, 'node'));
  const addon = path.join(ROOT, 'build', 'Release', 'leakguard.node');
  const before = fs.statSync(addon).mtimeMs;
  try {
    const env = { ...process.env, PATH: bare };
    delete env.CXX;
    const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build.js')],
      { cwd: bare, env, encoding: 'utf8', timeout: 60000 });
    assert.equal(r.status, 1, r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 2, r.stderr);
    assert.match(lines[0], /^leakguard: no prebuilt binary loads for linux-\w+.*, node v\d+.* \(ABI \d+\), and it cannot be built here: a C\+\+ compiler, make, python3 not found\.$/);
    assert.match(lines[1], /on Alpine `apk add --no-cache python3 make g\+\+`/);
    assert.equal(fs.statSync(addon).mtimeMs, before, 'the existing build is untouched');
  } finally {
    fs.rmSync(bare, { recursive: true, force: true });
  }
});
