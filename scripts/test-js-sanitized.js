#!/usr/bin/env node
'use strict';
// The JavaScript suites against a sanitized build of leakguard.node, loaded
// into the ordinary node with the sanitizer's runtime preloaded: the addon
// itself under AddressSanitizer + UndefinedBehaviorSanitizer, or under
// ThreadSanitizer (src/core alone is covered by `npm run test:asan|tsan`).
//
//   node scripts/test-js-sanitized.js --sanitize=address [test files...]
//   node scripts/test-js-sanitized.js --sanitize=thread  [test files...]
//
// The sources are copied to build/sanitize-<kind>/ and built there, so the
// ordinary build/Release stays as it is; the tests run from the copy (they
// load the package relative to themselves). Without test files, a stress
// subset runs: monitoring, worker churn and teardown, snapshots and their
// signals, analyses. Reports from node's and V8's own code (not compiled
// with the sanitizer) are suppressed by test/sanitizers/<kind>.supp, each
// entry with its reason; any report from our code fails the run.
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync, execFileSync } = require('node:child_process');

const root = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
const kindArg = args.find((a) => a.startsWith('--sanitize='));
const kind = kindArg ? kindArg.slice('--sanitize='.length) : '';
if (kind !== 'address' && kind !== 'thread') {
  process.stderr.write('usage: node scripts/test-js-sanitized.js --sanitize=address|thread [test files...]\n');
  process.exit(1);
}
const files = args.filter((a) => !a.startsWith('--'));

const STRESS = [
  'test/js/monitor.test.js',
  'test/js/worker-teardown.test.js',
  'test/js/teardown-order.test.js',
  'test/js/signal-guard.test.js',
  'test/js/snapshot.test.js',
  'test/js/snapshot-files.test.js',
  'test/js/analyze.test.js',
  'test/js/heapdiff.test.js',
  'test/js/find-leaks.test.js',
];

function run(cmd, argv, options) {
  const r = spawnSync(cmd, argv, { stdio: 'inherit', ...options });
  if (r.status !== 0) {
    process.stderr.write(`leakguard: ${cmd} ${argv.join(' ')} failed (${r.status ?? r.signal})\n`);
    process.exit(r.status || 1);
  }
}

// A copy of the tracked sources (and untracked, not ignored ones) with
// this checkout's node_modules.
const scratch = path.join(root, 'build', `sanitize-${kind}`);
fs.rmSync(scratch, { recursive: true, force: true });
fs.mkdirSync(scratch, { recursive: true });
const listed = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'],
                            { cwd: root, encoding: 'utf8' }).split('\0').filter(Boolean);
for (const rel of listed) {
  const from = path.join(root, rel);
  if (!fs.existsSync(from) || fs.statSync(from).isDirectory()) continue;
  fs.mkdirSync(path.dirname(path.join(scratch, rel)), { recursive: true });
  fs.copyFileSync(from, path.join(scratch, rel));
}
fs.symlinkSync(path.join(root, 'node_modules'), path.join(scratch, 'node_modules'));

const flags = kind === 'address'
  ? '-fsanitize=address,undefined -fno-sanitize=vptr -fno-omit-frame-pointer'
  : '-fsanitize=thread -fno-omit-frame-pointer';
const ld = kind === 'address' ? '-fsanitize=address,undefined' : '-fsanitize=thread';
run(process.execPath, [path.join(scratch, 'scripts', 'build.js')], {
  cwd: scratch,
  env: { ...process.env, CXXFLAGS: flags, LDFLAGS: ld },
});

const runtime = (lib) => execFileSync('gcc', [`-print-file-name=${lib}`], { encoding: 'utf8' }).trim();
const supp = path.join(scratch, 'test', 'sanitizers', `${kind}.supp`);
// Tests whose limits (ulimit -f, a 160 MiB cgroup) TSan's runtime cannot
// live under skip themselves, saying so.
const env = { ...process.env, LEAKGUARD_SANITIZER: kind };
if (kind === 'address') {
  env.LD_PRELOAD = `${runtime('libasan.so')}:${runtime('libubsan.so')}`;
  // Node's own allocations outlive the process on purpose: leak checking
  // would report V8's heap, not ours.
  env.ASAN_OPTIONS = 'detect_leaks=0:abort_on_error=1:halt_on_error=1';
  env.UBSAN_OPTIONS = `print_stacktrace=1:halt_on_error=1:suppressions=${supp}`;
} else {
  env.LD_PRELOAD = runtime('libtsan.so');
  // node and V8 are not built with TSan: their calls into intercepted libc
  // functions (file descriptors, mutexes) are not ours to judge, and TSan
  // cannot see the atomics that order them. leakguard's code is
  // instrumented and fully checked.
  env.TSAN_OPTIONS = 'halt_on_error=1:abort_on_error=1:second_deadlock_stack=1:' +
    `ignore_noninstrumented_modules=1:suppressions=${supp}`;
}
const tests = (files.length > 0 ? files : STRESS).map((f) => path.join(scratch, f));
run(process.execPath, ['--test', '--test-concurrency=1', '--test-timeout=900000', ...tests], {
  cwd: scratch,
  env,
});
