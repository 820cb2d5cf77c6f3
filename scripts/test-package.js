#!/usr/bin/env node
'use strict';
// The package as users get it: `npm pack` (which builds the prebuilds),
// then the tarball installed into a fresh temporary project and used there
// on every supported Node, with no compiler, make or python on PATH:
//   - linux-x64: `npm install --ignore-scripts` once, then test/package/
//     smoke.js on Node 20, 22, 24 and 26; and on the newest Node a second
//     project installed with its install script allowed, which must not
//     build anything;
//   - linux-arm64: the same project's smoke test under each arm64 node,
//     run by qemu-user (Debian's qemu-user and the arm64 libc of
//     g++-aarch64-linux-gnu).
// Before the runs, every prebuild's dynamic symbol versions are checked
// against glibc 2.28 and GCC 8's libstdc++. Prints the tarball's size and
// one line per run; exits non-zero on the first failure.
//
//   node scripts/test-package.js [--no-arm64]
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync, spawnSync } = require('node:child_process');
const { nodeFor, SUPPORTED } = require('./nodes');

const root = path.resolve(__dirname, '..');
const arm64 = !process.argv.includes('--no-arm64');
const QEMU = 'qemu-aarch64';
const ARM64_SYSROOT = '/usr/aarch64-linux-gnu';

function fail(message) {
  process.stderr.write(`test-package: ${message}\n`);
  process.exit(1);
}

// A directory holding only `node` (and `npm` and `sh` where asked), to be
// all of PATH.
function barePath(nodeBin, withNpm) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-bin-'));
  fs.symlinkSync(nodeBin, path.join(dir, 'node'));
  if (withNpm) {
    const npmCli = path.join(path.dirname(require.resolve('npm/package.json', {
      paths: [path.resolve(process.execPath, '..', '..', 'lib', 'node_modules'), '/usr/lib/node_modules', '/usr/share/nodejs'],
    })), 'bin', 'npm-cli.js');
    fs.writeFileSync(path.join(dir, 'npm'), `#!/bin/sh\nexec node "${npmCli}" "$@"\n`, { mode: 0o755 });
    // npm runs scripts with sh.
    fs.symlinkSync('/bin/sh', path.join(dir, 'sh'));
  }
  for (const tool of ['g++', 'gcc', 'cc', 'c++', 'make', 'python3']) {
    if (fs.existsSync(path.join(dir, tool))) fail(`${tool} is on the bare PATH`);
  }
  return dir;
}

function project(name) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `leakguard-${name}-`));
  fs.writeFileSync(path.join(dir, 'package.json'),
                   JSON.stringify({ name: `leakguard-${name}`, private: true, version: '1.0.0' }));
  fs.copyFileSync(path.join(root, 'test', 'package', 'smoke.js'), path.join(dir, 'smoke.js'));
  return dir;
}

function npm(cwd, args, env) {
  const r = spawnSync('npm', args, { cwd, env, encoding: 'utf8' });
  if (r.status !== 0) fail(`npm ${args.join(' ')} in ${cwd} failed:\n${r.stdout}${r.stderr}`);
}

function smoke(cwd, command, args, label, env) {
  const started = Date.now();
  const r = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: 300000 });
  if (r.status !== 0) fail(`${label}: smoke test failed (${r.status ?? r.signal}):\n${r.stdout}${r.stderr}`);
  const line = r.stdout.trim().split('\n').pop();
  process.stdout.write(`ok ${label}: ${line} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
}

const packDir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-pack-'));
const started = Date.now();
const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', packDir],
                                       { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }));
const tarball = path.join(packDir, packed[0].filename);
const prebuilds = packed[0].files.map((f) => f.path).filter((p) => p.startsWith('prebuilds/'));
process.stdout.write(`packed ${packed[0].filename}: ${(packed[0].size / 1024 / 1024).toFixed(2)} MiB ` +
  `(${(packed[0].unpackedSize / 1024 / 1024).toFixed(2)} MiB unpacked), ${packed[0].files.length} files, ` +
  `prebuilds: ${prebuilds.join(' ')} (${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
const expected = SUPPORTED.length * (arm64 ? 2 : 1);
if (prebuilds.length < expected) fail(`expected ${expected} prebuilds in the tarball, found ${prebuilds.length}`);

// Where the prebuilds load: wherever Node's own Linux binaries run, glibc
// 2.28 (RHEL 8, Debian 10) and its libstdc++ (GCC 8, GLIBCXX_3.4.25).
// Every symbol version a binary needs (objdump -T; the cross objdump for
// arm64) must be at most these; src/core/base/file_stat.h,
// src/addon/env/threads.h and src/addon/env/libstdcxx_compat.* keep the
// newer ones out.
const MAX_VERSIONS = { GLIBC: '2.28', GLIBCXX: '3.4.25', CXXABI: '1.3.11' };
const newer = (a, b) => {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if ((x[i] || 0) !== (y[i] || 0)) return (x[i] || 0) > (y[i] || 0);
  }
  return false;
};
const unpacked = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-unpacked-'));
execFileSync('tar', ['-xzf', tarball, '-C', unpacked]);
for (const file of prebuilds) {
  const objdump = file.includes('linux-arm64') ? 'aarch64-linux-gnu-objdump' : 'objdump';
  const table = execFileSync(objdump, ['-T', path.join(unpacked, 'package', file)], { encoding: 'utf8' });
  const found = new Map();  // version -> a symbol that needs it
  for (const m of table.matchAll(/\((GLIBC|GLIBCXX|CXXABI)_([\d.]+)\)\s+(\S+)/g)) {
    const [, lib, version, symbol] = m;
    if (newer(version, MAX_VERSIONS[lib])) found.set(`${lib}_${version}`, symbol);
  }
  if (found.size > 0) {
    fail(`${file} needs symbol versions newer than glibc ${MAX_VERSIONS.GLIBC} / GLIBCXX_${MAX_VERSIONS.GLIBCXX}: ` +
      [...found].map(([v, s]) => `${s}@${v}`).join(', '));
  }
  const needed = execFileSync(objdump, ['-p', path.join(unpacked, 'package', file)], { encoding: 'utf8' })
    .match(/NEEDED\s+\S+/g).map((l) => l.split(/\s+/)[1]);
  const highest = [...table.matchAll(/\(GLIBC_([\d.]+)\)/g)].map((m) => m[1])
    .reduce((a, b) => (newer(b, a) ? b : a), '0');
  process.stdout.write(`ok ${file}: needs glibc ${highest}, ${needed.join(' ')}\n`);
}
fs.rmSync(unpacked, { recursive: true, force: true });

let passed = 0;
// One project installed without scripts serves every x64 and arm64 run.
const app = project('app');
npm(app, ['install', '--ignore-scripts', '--no-audit', '--no-fund', tarball], process.env);
for (const major of SUPPORTED) {
  const { bin } = nodeFor(major, 'x64');
  smoke(app, bin, ['smoke.js'], `linux-x64 node ${major} (--ignore-scripts)`,
        { ...process.env, PATH: barePath(bin, false) });
  passed++;
}
// The install script allowed, on a PATH with node and npm only: it must
// find the prebuild and build nothing.
const newest = nodeFor(SUPPORTED[SUPPORTED.length - 1], 'x64');
const scripted = project('scripted');
npm(scripted, ['install', '--no-audit', '--no-fund', '--foreground-scripts', tarball],
    { ...process.env, PATH: barePath(newest.bin, true) });
smoke(scripted, newest.bin, ['smoke.js'], `linux-x64 node ${SUPPORTED[SUPPORTED.length - 1]} (install script ran)`,
      { ...process.env, PATH: barePath(newest.bin, false) });
passed++;
// Neither a prebuild nor a build: require() says, in one line, what it
// looked for and the command that builds it.
fs.rmSync(path.join(scripted, 'node_modules', 'leakguard', 'prebuilds'), { recursive: true });
const missing = spawnSync(newest.bin, ['-e', "require('leakguard')"],
                          { cwd: scripted, encoding: 'utf8', env: { ...process.env, PATH: barePath(newest.bin, false) } });
const firstLine = (missing.stderr.split('\n').find((l) => l.includes('leakguard: no native addon')) || '');
for (const part of ['ERR_LEAKGUARD_NOT_BUILT', `ABI ${JSON.parse(execFileSync(newest.bin, ['-p', 'JSON.stringify(process.versions.modules)'], { encoding: 'utf8' }))}`,
                    'linux-x64', 'npm rebuild leakguard']) {
  if (!missing.stderr.includes(part)) fail(`require() without a binary: '${part}' missing from:\n${missing.stderr}`);
}
process.stdout.write(`ok no binary: ${firstLine.trim().slice(0, 160)}…\n`);
passed++;
if (arm64) {
  const qemu = execFileSync('sh', ['-c', `command -v ${QEMU}`], { encoding: 'utf8' }).trim();
  for (const major of SUPPORTED) {
    const { bin } = nodeFor(major, 'arm64');
    smoke(app, qemu, ['-L', ARM64_SYSROOT, bin, 'smoke.js'], `linux-arm64 node ${major} (qemu)`,
          { ...process.env, PATH: barePath(bin, false) });
    passed++;
  }
}
for (const dir of [packDir, app, scripted]) fs.rmSync(dir, { recursive: true, force: true });
process.stdout.write(`${passed} passed, 0 failed\n`);
