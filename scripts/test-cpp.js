#!/usr/bin/env node
'use strict';
// Builds and runs the GoogleTest suites of src/core (test/cpp) with CMake.
//
//   node scripts/test-cpp.js                     normal build, ctest
//   node scripts/test-cpp.js --sanitize=address  ASan+UBSan build (or thread)
//   node scripts/test-cpp.js --valgrind          run the tests under memcheck
//
// Warnings are errors when CI is set (or LEAKGUARD_WERROR=1).
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
const sanitize = (args.find((a) => a.startsWith('--sanitize=')) || '').split('=')[1];
const valgrind = args.includes('--valgrind');
const buildDir = path.join(root, 'build', `cpp-tests${sanitize ? `-${sanitize}` : ''}`);
const werror = process.env.CI || process.env.LEAKGUARD_WERROR ? 'ON' : 'OFF';

function run(cmd, argv, opts = {}) {
  const r = spawnSync(cmd, argv, { stdio: 'inherit', cwd: root, ...opts });
  if (r.error && r.error.code === 'ENOENT') {
    process.stderr.write(
      `leakguard: '${cmd}' not found; the C++ tests need cmake, a C++17 ` +
        'compiler and GoogleTest (Debian: apt-get install cmake g++ libgtest-dev).\n');
    process.exit(1);
  }
  if (r.status !== 0) process.exit(r.status || 1);
}

fs.mkdirSync(buildDir, { recursive: true });
const configure = ['-S', path.join(root, 'test', 'cpp'), '-B', buildDir,
                   `-DLEAKGUARD_WERROR=${werror}`, '-DCMAKE_BUILD_TYPE=RelWithDebInfo'];
if (sanitize) {
  configure.push(`-DLEAKGUARD_SANITIZE=${sanitize === 'address' ? 'address,undefined' : sanitize}`);
}
run('cmake', configure, { stdio: ['ignore', 'ignore', 'inherit'] });
run('cmake', ['--build', buildDir, '--parallel', String(os.availableParallelism())]);
const binary = path.join(buildDir, 'core_tests');
if (valgrind) {
  run('valgrind', ['--error-exitcode=1', '--leak-check=full', '--quiet', binary]);
} else {
  // ctest runs each test in its own process; the summary line is ctest's.
  run('ctest', ['--test-dir', buildDir, '--output-on-failure',
                '--parallel', String(os.availableParallelism())],
      { env: { ...process.env, TSAN_OPTIONS: 'halt_on_error=1' } });
}
