'use strict';
// The preload (node -r leakguard/register) and `leakguard snapshot <pid>`,
// end to end with real processes.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { spawn, spawnSync } = require('node:child_process');
const { checkSnapshot, tmpDir, listFiles } = require('../fixtures/snapshot-check');

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'lib', 'cli', 'main.js');
const APP = `
  const held = Array.from({ length: 5000 }, (_, i) => ({ i }));
  process.stdout.write('app ready\\n');
  setInterval(() => held.length, 1000);
  setTimeout(() => process.exit(0), Number(process.env.APP_MS || 20000));
`;

// The test's environment without LEAKGUARD_* variables (CI sets some of
// its own), so each test configures the preload with exactly its own.
function inherited() {
  return Object.fromEntries(Object.entries(process.env)
    .filter(([name]) => !name.startsWith('LEAKGUARD_')));
}

function startApp(env, { preload = 'leakguard/register' } = {}) {
  const proc = spawn(process.execPath, ['-r', preload, '-e', APP], {
    cwd: ROOT,  // so that 'leakguard/register' resolves to this package
    env: { ...inherited(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const app = { proc, stdout: '', stderr: '' };
  proc.stdout.on('data', (d) => { app.stdout += d; });
  proc.stderr.on('data', (d) => { app.stderr += d; });
  app.exit = new Promise((r) => proc.on('exit', (code, signal) => r({ code, signal })));
  app.ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`app not ready: ${app.stderr}`)), 15000);
    proc.stdout.on('data', () => {
      if (app.stdout.includes('app ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return app;
}

// A node process running `code`, resolved once it printed "ready" (its
// handlers are installed then, however loaded the machine is).
function spawnReady(code) {
  const proc = spawn(process.execPath, ['-e', `${code}; process.stdout.write('ready\\n')`],
                     { stdio: ['ignore', 'pipe', 'ignore'], cwd: ROOT });
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (d) => {
      out += d;
      if (out.includes('ready')) resolve(proc);
    });
    proc.on('exit', (c) => reject(new Error(`exited early with ${c}`)));
  });
}

function cli(args, { nodeArgs = [] } = {}) {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [...nodeArgs, CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    p.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

test('preload + `leakguard snapshot <pid>` finds the directory and prints a complete file', async () => {
  const dir = path.join(tmpDir(), 'snaps');
  const app = startApp({ LEAKGUARD_DIR: dir, LEAKGUARD_MAX_FILES: '2' });
  try {
    await app.ready;
    const r = await cli(['snapshot', String(app.proc.pid), '--timeout', '20']);
    assert.equal(r.code, 0, r.stderr);
    const file = r.stdout.trim();
    assert.equal(path.dirname(file), dir);
    assert.match(path.basename(file), new RegExp(`^leakguard-${app.proc.pid}-.*-signal\\.heapsnapshot$`));
    checkSnapshot(file);
    // One JSON line on the app's stderr for the snapshot.
    await new Promise((r2) => setTimeout(r2, 200));
    const lines = app.stderr.trim().split('\n').map((l) => JSON.parse(l));
    const logged = lines.filter((l) => l.leakguard === 'snapshot');
    assert.equal(logged.length, 1, app.stderr);
    assert.equal(logged[0].path, file);
    assert.equal(logged[0].trigger, 'signal');
    assert.equal(logged[0].pid, app.proc.pid);
  } finally {
    app.proc.kill('SIGKILL');
    await app.exit;
  }
  assert.equal(listFiles(dir).filter((f) => f.endsWith('.tmp')).length, 0);
});

// `leakguard snapshot` only signals and watches a directory: it runs where
// the addon cannot load (another Node, another libc than the target's).
// The guard makes loading lib/binding.js throw in the CLI's process.
test('`leakguard snapshot <pid>` never loads the addon', async () => {
  const dir = path.join(tmpDir(), 'snaps');
  const guard = path.join(tmpDir(), 'no-addon.js');
  require('node:fs').writeFileSync(guard, `
    const Module = require('node:module');
    const load = Module._load;
    Module._load = function (request, parent, isMain) {
      const file = Module._resolveFilename(request, parent, isMain);
      if (file === ${JSON.stringify(path.join(ROOT, 'lib', 'binding.js'))}) throw new Error('the addon was loaded');
      return load.apply(this, arguments);
    };`);
  // The guard works: a command that needs the addon fails under it.
  const needs = await cli(['summary', guard], { nodeArgs: ['-r', guard] });
  assert.notEqual(needs.code, 0);
  assert.match(needs.stderr, /the addon was loaded/);
  const app = startApp({ LEAKGUARD_DIR: dir });
  try {
    await app.ready;
    const r = await cli(['snapshot', String(app.proc.pid), '--timeout', '20'], { nodeArgs: ['-r', guard] });
    assert.equal(r.code, 0, r.stderr);
    checkSnapshot(r.stdout.trim());
    const help = await cli(['snapshot', '--help'], { nodeArgs: ['-r', guard] });
    assert.doesNotMatch(help.stderr, /the addon was loaded/);
  } finally {
    app.proc.kill('SIGKILL');
    await app.exit;
  }
});

test('the preload honours cooldown and retention from the environment', async () => {
  const dir = tmpDir();
  const app = startApp({
    LEAKGUARD_DIR: dir, LEAKGUARD_COOLDOWN_MS: '0', LEAKGUARD_MAX_FILES: '2',
    LEAKGUARD_LOG: 'json',
  }, { preload: path.join(ROOT, 'lib', 'register.js') });
  try {
    await app.ready;
    const paths = [];
    for (let i = 0; i < 3; i++) {
      const r = await cli(['snapshot', String(app.proc.pid), '--timeout', '20', '--dir', dir]);
      assert.equal(r.code, 0, r.stderr);
      paths.push(r.stdout.trim());
      await new Promise((r2) => setTimeout(r2, 100));
    }
    const left = listFiles(dir).filter((f) => f.endsWith('.heapsnapshot'));
    assert.deepEqual(left.sort(), paths.slice(1).map((p) => path.basename(p)).sort());
  } finally {
    app.proc.kill('SIGKILL');
    await app.exit;
  }
});

// The preload's log lines carry text from the heap and from files (suspect
// sites, reasons, error messages): escaped, in both formats, so a record
// stays one line and no control sequence reaches the terminal.
test('the preload\'s log escapes control characters, as JSON and as text', () => {
  const evil = 'bad\u001b[2J\u0007\nforged line\u202e';
  for (const format of ['json', 'text']) {
    const r = spawnSync(process.execPath, ['-r', 'leakguard/register', '-e',
      `require('leakguard').emit('error', new Error(${JSON.stringify(evil)}))`], {
      cwd: ROOT, env: { ...inherited(), LEAKGUARD_LOG: format }, encoding: 'utf8', timeout: 20000,
    });
    assert.equal(r.status, 0, r.stderr);
    // The armed line, then the error: one line each, nothing forged.
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 2, r.stderr);
    assert.ok(lines.every((l) => l.startsWith(format === 'json' ? '{"leakguard":' : 'leakguard ')), r.stderr);
    assert.doesNotMatch(r.stderr, /[\u001b\u0007\u202e]/);
    if (format === 'json') {
      assert.equal(JSON.parse(lines[1]).message, evil, 'JSON readers get the message back');
    } else {
      assert.match(lines[1], /^leakguard error: .*message=bad\\x1b\[2J\\x07\\x0aforged line\\u202e/);
    }
  }
});

test('invalid variables: one clear message, the app runs unmonitored', () => {
  for (const [name, value, pattern] of [
    ['LEAKGUARD_HEAP_PERCENT', 'lots', /LEAKGUARD_HEAP_PERCENT must be a number from 1 to 100, got "lots"/],
    ['LEAKGUARD_SIGNAL', 'SIGUSR1', /LEAKGUARD_SIGNAL must be one of SIGUSR2/],
    ['LEAKGUARD_RSS_BYTES', '12 parsecs', /LEAKGUARD_RSS_BYTES must be a size/],
    ['LEAKGUARD_NAME_TEMPLATE', '..x', /nameTemplate.*contains '\.\.'/],
  ]) {
    const r = spawnSync(process.execPath, ['-r', 'leakguard/register', '-e',
      'process.kill(process.pid, "SIGUSR2"); setTimeout(() => console.log("app ran"), 100)'], {
      cwd: ROOT, env: { ...process.env, [name]: value }, encoding: 'utf8', timeout: 20000,
    });
    // Not monitored: SIGUSR2 keeps its default action and ends the app,
    // which shows that no handler of ours was installed.
    assert.match(r.stderr, pattern);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /this process runs without leakguard/);
    assert.equal(r.signal, 'SIGUSR2');
  }
  const ok = spawnSync(process.execPath, ['-r', 'leakguard/register', '-e', 'console.log("app ran")'], {
    cwd: ROOT, env: { ...process.env, LEAKGUARD_HEAP_PERCENT: 'x' }, encoding: 'utf8', timeout: 20000,
  });
  assert.equal(ok.status, 0);
  assert.equal(ok.stdout.trim(), 'app ran');
});

test('`leakguard snapshot` times out with a reason and a non-zero exit', async () => {
  const dir = tmpDir();
  // A process with leakguard loaded that survives SIGUSR2 but has no
  // snapshots enabled: the CLI signals it, and nothing comes.
  const proc = await spawnReady(
    'require("leakguard"); process.on("SIGUSR2", () => {}); setTimeout(() => {}, 20000)');
  try {
    const r = await cli(['snapshot', String(proc.pid), '--timeout', '1', '--dir', dir]);
    assert.equal(r.code, 3);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /no new snapshot in .* after 1s; is leakguard loaded/);
  } finally {
    proc.kill('SIGKILL');
  }
  const gone = await cli(['snapshot', '999999', '--dir', dir]);
  assert.equal(gone.code, 3);
  assert.match(gone.stderr, /no process 999999/);
  const goneNoDir = await cli(['snapshot', '999999']);
  assert.equal(goneNoDir.code, 3);
  assert.match(goneNoDir.stderr, /no process 999999/);
  const bad = await cli(['snapshot', 'abc']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /<pid> must be a process id/);
});

// Signalling a process that does not catch SIGUSR2 kills it; one that
// catches it without leakguard gets nothing. Both are refused, and both
// processes are still running afterwards.
test('`leakguard snapshot` refuses processes where leakguard is not armed', async () => {
  const plain = await spawnReady('setTimeout(() => {}, 20000)');
  const catching = await spawnReady('process.on("SIGUSR2", () => {}); setTimeout(() => {}, 20000)');
  try {
    const a = await cli(['snapshot', String(plain.pid), '--dir', tmpDir()]);
    assert.equal(a.code, 3);
    assert.match(a.stderr, new RegExp(`process ${plain.pid} does not catch SIGUSR2, so the signal would kill it.*node -r leakguard/register`));
    const b = await cli(['snapshot', String(catching.pid)]);
    assert.equal(b.code, 3);
    assert.match(b.stderr, /catches SIGUSR2 but has not loaded leakguard/);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(plain.exitCode, null, 'the plain process is still running');
    assert.equal(plain.signalCode, null);
    assert.equal(catching.exitCode, null);
  } finally {
    plain.kill('SIGKILL');
    catching.kill('SIGKILL');
  }
});

// In a container node is PID 1. The service runs as PID 1 of a PID
// namespace this test makes (unshare; skipped where it may not), and the
// CLI, entered into that namespace (nsenter), asks PID 1 for a snapshot.
test('`leakguard snapshot 1`: the service is PID 1 of its namespace, as in a container', async (t) => {
  if (spawnSync('unshare', ['-fp', '--mount-proc', 'true']).status !== 0) {
    if (process.env.CI && process.geteuid() === 0) assert.fail('CI runs as root: unshare must work');
    t.skip('no PID namespaces here (not root)');
    return;
  }
  const dir = path.join(tmpDir(), 'snaps');
  const proc = spawn('unshare', ['-fp', '--mount-proc', process.execPath, '-r', 'leakguard/register', '-e', APP], {
    cwd: ROOT, env: { ...inherited(), LEAKGUARD_DIR: dir, APP_MS: '60000' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d) => { stdout += d; });
  proc.stderr.on('data', (d) => { stderr += d; });
  let inner = '';
  try {
    const end = Date.now() + 20000;
    while (!stdout.includes('app ready')) {
      assert.ok(Date.now() < end && proc.exitCode === null, `not ready: ${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    // The node inside: the child of unshare, PID 1 in its namespace.
    inner = spawnSync('pgrep', ['-P', String(proc.pid)], { encoding: 'utf8' }).stdout.trim();
    assert.match(inner, /^\d+$/, 'unshare forked the service');
    const status = require('node:fs').readFileSync(`/proc/${inner}/status`, 'utf8');
    assert.match(status, /^NSpid:\s+\d+\s+1$/m, 'the service is PID 1 of its namespace');
    const r = spawnSync('nsenter', ['-t', inner, '-p', '-m', process.execPath, CLI, 'snapshot', '1',
      '--timeout', '20'], { cwd: ROOT, encoding: 'utf8', timeout: 60000 });
    assert.equal(r.status, 0, r.stderr);
    checkSnapshot(r.stdout.trim());
  } finally {
    // The service first: it would outlive unshare, and its pipes the test.
    if (/^\d+$/.test(inner)) process.kill(Number(inner), 'SIGKILL');
    proc.kill('SIGKILL');
  }
});

// A service whose leakguard.node was replaced on disk since it loaded it
// (a reinstall, a new image layer) maps it as "... (deleted)": it is still
// loaded and armed, and the CLI asks it.
test('`leakguard snapshot`: an addon replaced on disk since it was loaded still counts as loaded', async () => {
  const fs = require('node:fs');
  const os = require('node:os');
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-copy-'));
  // A copy of the package whose addon the test removes once it is loaded.
  for (const entry of ['lib', 'package.json']) fs.cpSync(path.join(ROOT, entry), path.join(copy, entry), { recursive: true });
  fs.mkdirSync(path.join(copy, 'build', 'Release'), { recursive: true });
  fs.copyFileSync(path.join(ROOT, 'build', 'Release', 'leakguard.node'), path.join(copy, 'build', 'Release', 'leakguard.node'));
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'));
  const dir = path.join(tmpDir(), 'snaps');
  const app = startApp({ LEAKGUARD_DIR: dir }, { preload: path.join(copy, 'lib', 'register.js') });
  try {
    await app.ready;
    fs.rmSync(path.join(copy, 'build'), { recursive: true });
    const maps = fs.readFileSync(`/proc/${app.proc.pid}/maps`, 'utf8');
    assert.match(maps, /leakguard\.node \(deleted\)$/m);
    const r = await cli(['snapshot', String(app.proc.pid), '--timeout', '20']);
    assert.equal(r.code, 0, r.stderr);
    checkSnapshot(r.stdout.trim());
  } finally {
    app.proc.kill('SIGKILL');
    await app.exit;
    fs.rmSync(copy, { recursive: true, force: true });
  }
});

// Every command answers --help (its usage and the exit codes, on stdout,
// status 0) and --version, whatever else is on the line; a script gets
// JSON from the commands that talk to a process.
test('every command answers --help and --version; snapshot --json', async () => {
  const version = require('../../package.json').version;
  for (const command of ['analyze', 'diff', 'summary', 'snapshot', 'profile', 'report']) {
    const help = await cli([command, '--help']);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, new RegExp(`^usage: leakguard ${command} `));
    assert.match(help.stdout, /exit codes:\n {2}0 .*\n {2}1 .*\n {2}2 .*\n {2}3 /);
    assert.equal(help.stderr, '');
    const withArgs = await cli([command, '12', '--bogus', '-h']);
    assert.equal(withArgs.code, 0, withArgs.stderr);
    const v = await cli([command, '--version']);
    assert.equal(v.code, 0);
    assert.match(v.stdout, new RegExp(`^leakguard ${version.replace(/\./g, '\\.')} \\(node v\\d+`));
  }
  const top = await cli(['--version']);
  assert.match(top.stdout, /^leakguard \d+\.\d+\.\d+ \(node /);
  const dir = path.join(tmpDir(), 'snaps');
  const app = startApp({ LEAKGUARD_DIR: dir });
  try {
    await app.ready;
    const r = await cli(['snapshot', String(app.proc.pid), '--timeout', '20', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.pid, app.proc.pid);
    checkSnapshot(out.path);
  } finally {
    app.proc.kill('SIGKILL');
    await app.exit;
  }
});

// A snapshot signal inside the cooldown is refused visibly: the service
// logs it at once with the time left, and `leakguard snapshot` prints the
// target's reason and exits 3 without waiting for its timeout.
test('a refused snapshot signal: logged with the time left, and the CLI says why at once', async () => {
  const dir = path.join(tmpDir(), 'snaps');
  const app = startApp({ LEAKGUARD_DIR: dir, LEAKGUARD_LOG: 'json', LEAKGUARD_COOLDOWN_MS: '60000' });
  try {
    await app.ready;
    const first = await cli(['snapshot', String(app.proc.pid), '--timeout', '20']);
    assert.equal(first.code, 0, first.stderr);
    const started = Date.now();
    const second = await cli(['snapshot', String(app.proc.pid), '--timeout', '30']);
    assert.equal(second.code, 3, second.stderr);
    assert.match(second.stderr, /^leakguard snapshot: process \d+ refused: the snapshot signal was refused: the previous snapshot started less than cooldownMs ago; send it again in \d+ s\n$/);
    assert.ok(Date.now() - started < 15000, 'not after the timeout');
    const logged = app.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l))
      .filter((l) => l.leakguard === 'error');
    assert.equal(logged.length, 1, app.stderr);
    assert.equal(logged[0].code, 'ERR_LEAKGUARD_SNAPSHOT_REFUSED');
    assert.ok(logged[0].retryMs > 30000 && logged[0].retryMs <= 60000, JSON.stringify(logged[0]));
    assert.match(logged[0].message, /send it again in \d+ s/);
    assert.equal(listFiles(dir).filter((f) => f.endsWith('.heapsnapshot')).length, 1);
  } finally {
    app.proc.kill('SIGKILL');
    await app.exit;
  }
});

// What an operator reads: one line at start saying what is armed, and a
// leak as one line with units, the time to the limit and the top
// suspects (text), or every field (JSON).
test('the preload\'s log: the armed line at start, and leak lines an operator reads', async () => {
  const child = path.join(ROOT, 'test', 'fixtures', 'preload-log-child.js');
  const dir = path.join(tmpDir(), 'snaps');
  const run = (format) => new Promise((resolve) => {
    const p = spawn(process.execPath, ['-r', 'leakguard/register', child], {
      cwd: ROOT, env: { ...inherited(), LEAKGUARD_DIR: dir, LEAKGUARD_LOG: format }, stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    p.stderr.on('data', (d) => { stderr += d; });
    p.on('exit', (code) => resolve({ code, lines: stderr.trim().split('\n') }));
  });
  const text = await run('text');
  assert.equal(text.code, 0, text.lines.join('\n'));
  assert.match(text.lines[0], new RegExp(`^leakguard armed: snapshots on SIGUSR2 \u2192 ${dir} ` +
    '\\(at most 5 files, one per 60 s\\); leak detector on \\(sensitivity medium\\)$'));
  const leak = text.lines.find((l) => l.startsWith('leakguard leak: '));
  assert.match(leak, /^leakguard leak: heap \(episode event 0\): heap grew [\d.]+ [KMG]B over [\d.]+ s \([\d.]+ [KMG]B\/s\), .*; at this rate the [\d.]+ GiB heap limit is reached in .*; (suspects: .*\(preload-log-child\.js:\d+\)|no suspects: .*)$/);
  assert.doesNotMatch(leak, /\d+\.\d{4,}/, 'no raw floats');
  assert.ok(leak.length < 600, `one readable line: ${leak.length} characters`);

  const json = await run('json');
  assert.equal(json.code, 0, json.lines.join('\n'));
  const records = json.lines.map((l) => JSON.parse(l));
  assert.deepEqual(Object.keys(records[0]).slice(0, 3), ['leakguard', 'time', 'pid']);
  assert.equal(records[0].leakguard, 'armed');
  assert.deepEqual(records[0].snapshots, ['SIGUSR2']);
  assert.equal(records[0].dir, dir);
  assert.equal(records[0].detector, 'on');
  const event = records.find((r) => r.leakguard === 'leak');
  assert.equal(event.kind, 'heap');
  assert.ok(typeof event.bytesPerSecond === 'number' && Array.isArray(event.suspects), JSON.stringify(event));
});
