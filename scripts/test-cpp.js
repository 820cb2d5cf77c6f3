#!/usr/bin/env node
'use strict';
// Builds and runs the GoogleTest suites of src/core (test/cpp) with CMake.
//
//   node scripts/test-cpp.js                     normal build, ctest
//   node scripts/test-cpp.js --sanitize=address  ASan+UBSan build (or thread)
//   node scripts/test-cpp.js --valgrind          run the tests under memcheck
//   node scripts/test-cpp.js --std=20            the core as C++20 (default 17;
//                                                the addon is 20 on Node 24/26)
//   node scripts/test-cpp.js --fuzz[=SECONDS]    build the libFuzzer targets
//                                                with clang++ and run each for
//                                                SECONDS (default 60) on a
//                                                copy of its corpus
//   node scripts/test-cpp.js --fuzz --runs=N     the same for N executions
//                                                instead (bench/fuzz.js)
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
const std = (args.find((a) => a.startsWith('--std=')) || '--std=17').split('=')[1];
if (!['17', '20'].includes(std)) {
  process.stderr.write(`leakguard: --std is 17 or 20, got ${std}\n`);
  process.exit(1);
}
const fuzzArg = args.find((a) => a === '--fuzz' || a.startsWith('--fuzz='));
const fuzzSeconds = fuzzArg ? Number(fuzzArg.split('=')[1] || 60) : 0;
if (fuzzArg && !(Number.isInteger(fuzzSeconds) && fuzzSeconds > 0)) {
  process.stderr.write(`leakguard: --fuzz=SECONDS needs a positive integer, got ${fuzzArg}\n`);
  process.exit(1);
}
const runsArg = args.find((a) => a.startsWith('--runs='));
const fuzzRuns = runsArg ? Number(runsArg.split('=')[1]) : 0;
if (runsArg && !(fuzzArg && Number.isInteger(fuzzRuns) && fuzzRuns > 0)) {
  process.stderr.write(`leakguard: --runs=N goes with --fuzz and needs a positive integer, got ${runsArg}\n`);
  process.exit(1);
}
const buildDir = path.join(root, 'build',
                           fuzzArg ? 'cpp-fuzz'
                             : `cpp-tests${sanitize ? `-${sanitize}` : ''}${std === '17' ? '' : `-cxx${std}`}`);
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

// libFuzzer: one binary per test/cpp/fuzz/*_fuzz.cc, each run for a bounded
// time on a scratch copy of test/cpp/fuzz/corpus (libFuzzer adds the inputs
// it finds to its corpus directory; the committed one stays as it is).
function fuzz() {
  fs.mkdirSync(buildDir, { recursive: true });
  run('cmake', ['-S', path.join(root, 'test', 'cpp'), '-B', buildDir,
                '-DLEAKGUARD_FUZZ=ON', '-DCMAKE_CXX_COMPILER=clang++',
                `-DLEAKGUARD_WERROR=${werror}`, '-DCMAKE_BUILD_TYPE=RelWithDebInfo'],
      { stdio: ['ignore', 'ignore', 'inherit'] });
  const fuzzDir = path.join(root, 'test', 'cpp', 'fuzz');
  const targets = fs.readdirSync(fuzzDir)
    .filter((f) => f.endsWith('_fuzz.cc')).map((f) => f.slice(0, -3));
  run('cmake', ['--build', buildDir, '--parallel', String(os.availableParallelism()),
                '--target', ...targets]);
  for (const target of targets) {
    const corpus = fs.mkdtempSync(path.join(os.tmpdir(), `${target}-`));
    try {
      fs.cpSync(path.join(fuzzDir, 'corpus'), corpus, { recursive: true });
      run(path.join(buildDir, target), [
        fuzzRuns > 0 ? `-runs=${fuzzRuns}` : `-max_total_time=${fuzzSeconds}`, '-print_final_stats=1',
        '-timeout=10', '-rss_limit_mb=2048', `-artifact_prefix=${buildDir}/`, corpus]);
    } finally {
      fs.rmSync(corpus, { recursive: true, force: true });
    }
  }
}

if (fuzzArg) {
  fuzz();
  process.exit(0);
}

fs.mkdirSync(buildDir, { recursive: true });
const configure = ['-S', path.join(root, 'test', 'cpp'), '-B', buildDir,
                   `-DLEAKGUARD_WERROR=${werror}`, '-DCMAKE_BUILD_TYPE=RelWithDebInfo',
                   `-DLEAKGUARD_CXX_STANDARD=${std}`];
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
