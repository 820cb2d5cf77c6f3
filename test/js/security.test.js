'use strict';
// Nothing leakguard reads, writes or runs can be turned against the host
// (docs/security.md). Each test is a finding of the red-team review,
// reproduced against real processes: a service running as another user,
// root's CLI against it, a hostile local user racing both with inotify,
// symlinks and FIFOs (test/fixtures/hostile/attacker.py).
//
// The tests that need a second and third user run as root (as CI does):
// they spawn the service and the attacker under uids that have no account
// (child_process's uid/gid), and remove every file they made. Elsewhere
// they are skipped with the reason.
const test = require('node:test');
const assert = require('node:assert');
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { runNode, jsonLines, ROOT } = require('./helpers/child');

const CLI = path.join(ROOT, 'lib', 'cli', 'main.js');
const REGISTER = path.join(ROOT, 'lib', 'register.js');
const ATTACKER = path.join(ROOT, 'test', 'fixtures', 'hostile', 'attacker.py');
const IS_ROOT = process.getuid() === 0;
// The service's user and another local user (no passwd entries needed).
const SERVICE = 47301;
const OTHER = 47302;
// Those users must be able to run this node on this checkout (a clone
// under a 0700 home would not let them): asked once, by running it.
const OTHERS_CAN_RUN = IS_ROOT && spawnSync(process.execPath,
  ['-e', `require(${JSON.stringify(ROOT)})`], { uid: SERVICE, gid: SERVICE, cwd: '/' }).status === 0;
const NEEDS_ROOT = !IS_ROOT
  ? 'needs root: a second and third user (uids without accounts)'
  : (OTHERS_CAN_RUN ? false : `uid ${SERVICE} cannot run ${process.execPath} on ${ROOT}`);

function tempDir(mode = 0o755) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-sec-'));
  fs.chmodSync(dir, mode);
  return dir;
}

// A scratch directory (tempDir) removed with everything in it when test
// `t` ends, however it ends.
function scratch(t, mode) {
  const dir = tempDir(mode);
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

// A long-running child; resolves once it printed `ready`. The caller
// kills it (kill()).
function startChild(argv, { uid, env = {}, cwd = ROOT, ready = 'ready' } = {}) {
  const child = spawn(argv[0], argv.slice(1), {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(uid === undefined ? {} : { uid, gid: uid }),
  });
  const out = { child, stdout: '', stderr: '' };
  child.stdout.on('data', (d) => { out.stdout += d; });
  child.stderr.on('data', (d) => { out.stderr += d; });
  out.exited = new Promise((r) => child.on('exit', (code, signal) => r({ code, signal })));
  out.ready = new Promise((resolve, reject) => {
    const check = () => {
      if (out.stdout.includes(ready)) resolve();
    };
    child.stdout.on('data', check);
    out.exited.then((e) => reject(new Error(`${argv.join(' ')} exited (${e.code}, ${e.signal}) ` +
      `before '${ready}': ${out.stderr}`)));
  });
  out.kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await out.exited;
  };
  return out;
}

// A service under leakguard's preload, as user `uid`, with its snapshots
// in `dir`; it prints `tick` every 50 ms, so that a blocked event loop
// shows as silence.
function startService(dir, uid, env = {}) {
  const script = `
    setInterval(() => process.stdout.write('tick\\n'), 50);
    const keep = [];
    setInterval(() => { keep.push(new Array(1000).fill(keep.length)); if (keep.length > 200) keep.length = 0; }, 10);
    console.log('ready');`;
  return startChild([process.execPath, '-r', REGISTER, '-e', script], {
    uid,
    cwd: dir,
    env: { LEAKGUARD_DIR: dir, LEAKGUARD_COOLDOWN_MS: '0', LEAKGUARD_MAX_FILES: '3', ...env },
  });
}

// A scratch tree: `dir` the service user's own 0700 directory, and
// `secret` a root-only file in a root-only directory beside it (what an
// attacker would have root hand over or print).
function serviceTree(secretText) {
  const top = tempDir();
  const dir = path.join(top, 'dumps');
  fs.mkdirSync(dir, { mode: 0o700 });
  fs.chownSync(dir, SERVICE, SERVICE);
  const vault = path.join(top, 'vault');
  fs.mkdirSync(vault, { mode: 0o700 });
  const secret = path.join(vault, 'secret');
  fs.writeFileSync(secret, secretText, { mode: 0o600 });
  return { top, dir, secret };
}

function cli(args, opts = {}) {
  return runNode({ file: CLI, args, timeoutMs: 90000, ...opts });
}

// -- F01 -------------------------------------------------------------------

test('F01: root\'s `leakguard profile` never chowns by path, whatever the service user swaps in',
  { skip: NEEDS_ROOT }, async () => {
    // Root's own secret, which the swap would hand to the service user.
    const { top, dir, secret: victim } = serviceTree('root only\n');
    const service = startService(dir, SERVICE);
    const attacker = startChild(['python3', ATTACKER, 'request-symlink', dir, victim, '120'],
      { uid: SERVICE });
    try {
      await Promise.all([service.ready, attacker.ready]);
      const pid = String(service.child.pid);
      for (let i = 0; i < 8; i++) {
        await cli(['profile', pid, '--duration', '200ms', '--timeout', '5']);
        const st = fs.statSync(victim);
        assert.deepStrictEqual([st.uid, st.gid, st.mode & 0o777], [0, 0, 0o600],
          `try ${i + 1}: root's file was given away (attacker: ${attacker.stdout})`);
      }
      // The attacker did get to swap entries: the race was run.
      assert.match(attacker.stdout, /planted leakguard-profile\.request/);
      assert.strictEqual(fs.readFileSync(victim, 'utf8'), 'root only\n');
    } finally {
      await attacker.kill();
      await service.kill();
      fs.rmSync(top, { recursive: true, force: true });
    }
  });

// A real profile as root against the service user's process: the request
// reaches it (given by descriptor), and the files come back.
test('root\'s `leakguard profile` against a service of another user works without chown by path',
  { skip: NEEDS_ROOT }, async () => {
    const { top, dir } = serviceTree('');
    const service = startService(dir, SERVICE);
    try {
      await service.ready;
      const r = await cli(['profile', String(service.child.pid), '--duration', '500ms']);
      assert.strictEqual(r.code, 0, r.stderr);
      const [json] = r.stdout.trim().split('\n');
      const st = fs.statSync(json);
      assert.strictEqual(st.uid, SERVICE);
      assert.strictEqual(st.mode & 0o777, 0o600);
      assert.ok(JSON.parse(fs.readFileSync(json, 'utf8')).head);
      assert.ok(!fs.readdirSync(dir).some((f) => f.includes('request')), fs.readdirSync(dir).join(' '));
    } finally {
      await service.kill();
      fs.rmSync(top, { recursive: true, force: true });
    }
  });

// -- F02 and F09 -------------------------------------------------------------

test('F02/F09: in a sticky shared directory, requests others plant (files, FIFOs) never hang ' +
  'the service nor swallow its snapshots', { skip: NEEDS_ROOT }, async () => {
  const top = tempDir();
  const dir = path.join(top, 'shared');
  fs.mkdirSync(dir);
  fs.chmodSync(dir, 0o1777);  // as /tmp: the docs accept it for snapshots
  const service = startService(dir, SERVICE, { LEAKGUARD_MAX_FILES: '0' });
  const attacker = startChild(['python3', ATTACKER, 'fifo-swap', dir, '120'], { uid: OTHER });
  try {
    await Promise.all([service.ready, attacker.ready]);
    for (let i = 0; i < 13; i++) {
      service.child.kill('SIGUSR2');
      // The loop keeps ticking: 10 ticks within 3 s of each signal.
      const ticks = service.stdout.split('tick').length;
      const t0 = Date.now();
      while (service.stdout.split('tick').length < ticks + 10 && Date.now() - t0 < 3000) await sleep(20);
      assert.ok(service.stdout.split('tick').length >= ticks + 10,
        `signal ${i + 1}: the service stopped answering (stderr: ${service.stderr})`);
    }
    // Every signal took its snapshot: a planted request is not ours to serve.
    const t0 = Date.now();
    const snapshots = () => jsonLines(service.stderr).filter((l) => l.leakguard === 'snapshot');
    while (snapshots().length < 13 && Date.now() - t0 < 60000) await sleep(100);
    assert.strictEqual(snapshots().length, 13, service.stderr);
    // Said once, with the reason.
    const errors = jsonLines(service.stderr).filter((l) => l.leakguard === 'error');
    assert.strictEqual(errors.length, 1, service.stderr);
    assert.match(errors[0].message, /ignored a profile request in .*other users can write to that directory/);
    // The CLI names the cause instead of waiting for a profile that cannot come.
    const r = await cli(['profile', String(service.child.pid), '--duration', '1s', '--timeout', '5']);
    assert.strictEqual(r.code, 3, r.stderr);
    assert.match(r.stderr, /cannot write the request in .*writable by everyone .*anyone could leave a request/);
  } finally {
    await attacker.kill();
    await service.kill();
    fs.rmSync(top, { recursive: true, force: true });
  }
});

// -- F03 ---------------------------------------------------------------------

test('F03: a bad LEAKGUARD_DISABLE is one line, and the application runs', async () => {
  for (const value of ['Y', '2', 'disabled']) {
    const r = await runNode({
      nodeArgs: ['-r', REGISTER],
      code: 'console.log("app ran")',
      env: { LEAKGUARD_DISABLE: value, LEAKGUARD_SIGNAL: 'off' },
    });
    assert.strictEqual(r.code, 0, r.stderr);
    assert.strictEqual(r.stdout, 'app ran\n');
    const lines = r.stderr.trim().split('\n');
    assert.strictEqual(lines.length, 1, r.stderr);
    assert.match(lines[0], /LEAKGUARD_DISABLE must be 1 or 0.*this process runs without leakguard/);
  }
  const off = await runNode({ nodeArgs: ['-r', REGISTER], code: 'console.log("app ran")',
    env: { LEAKGUARD_DISABLE: '1' } });
  assert.deepStrictEqual([off.code, off.stdout, off.stderr], [0, 'app ran\n', '']);
});

// -- F04 ---------------------------------------------------------------------

test('F04: LEAKGUARD_METRICS=prometheus loads the application\'s prom-client, never one in the cwd',
  async () => {
    const cwd = tempDir();
    const planted = path.join(cwd, 'node_modules', 'prom-client');
    fs.mkdirSync(planted, { recursive: true });
    const marker = path.join(cwd, 'PLANTED-CODE-RAN');
    fs.writeFileSync(path.join(planted, 'index.js'),
      `require('fs').writeFileSync(${JSON.stringify(marker)}, 'x'); module.exports = require(${
        JSON.stringify(require.resolve('prom-client'))});`);
    // The application: a file whose own node_modules has prom-client.
    const app = path.join(ROOT, 'test', 'fixtures', 'metrics-app.js');
    try {
      const r = await runNode({
        nodeArgs: ['-r', REGISTER],
        code: `
          process.argv[1] = ${JSON.stringify(app)};
          const client = require(${JSON.stringify(require.resolve('prom-client'))});
          console.log(JSON.stringify({ ours: client.register.getSingleMetric('leakguard_live_bytes') !== undefined }));`,
        cwd,
        env: { LEAKGUARD_METRICS: 'prometheus', LEAKGUARD_SIGNAL: 'off' },
      });
      assert.strictEqual(r.code, 0, r.stderr);
      assert.ok(!fs.existsSync(marker), 'code planted in the working directory ran');
      // -e has no entry file: leakguard's own place resolves the copy the app shares.
      assert.deepStrictEqual(JSON.parse(r.stdout), { ours: true }, r.stderr);
    } finally {
      fs.rmSync(cwd, { recursive: true, force: true });
    }
  });

test('F04: with an entry file, prom-client comes from the entry point\'s directory', async () => {
  const cwd = tempDir();
  const appDir = tempDir();
  try {
    for (const [dir, tag] of [[cwd, 'cwd'], [appDir, 'app']]) {
      const m = path.join(dir, 'node_modules', 'prom-client');
      fs.mkdirSync(m, { recursive: true });
      fs.writeFileSync(path.join(m, 'index.js'), `
        const real = require(${JSON.stringify(require.resolve('prom-client'))});
        globalThis.promFrom = (globalThis.promFrom || []).concat(${JSON.stringify(tag)});
        module.exports = real;`);
    }
    fs.writeFileSync(path.join(appDir, 'app.js'),
      'setTimeout(() => console.log(JSON.stringify(globalThis.promFrom || [])), 100);');
    const r = await runNode({
      nodeArgs: ['-r', REGISTER],
      file: path.join(appDir, 'app.js'),
      cwd,
      env: { LEAKGUARD_METRICS: 'prometheus', LEAKGUARD_SIGNAL: 'off' },
    });
    assert.strictEqual(r.code, 0, r.stderr);
    assert.deepStrictEqual(JSON.parse(r.stdout), ['app'], r.stderr);
  } finally {
    fs.rmSync(cwd, { recursive: true, force: true });
    fs.rmSync(appDir, { recursive: true, force: true });
  }
});

// -- F05 ---------------------------------------------------------------------

test('F05: LEAKGUARD_REPORT_DIR gets the snapshot directory\'s checks, at start', async (t) => {
  const top = scratch(t);
  const real = path.join(top, 'real');
  fs.mkdirSync(real, { mode: 0o700 });
  const link = path.join(top, 'link');
  fs.symlinkSync(real, link);
  const open = path.join(top, 'open');
  fs.mkdirSync(open);
  fs.chmodSync(open, 0o777);
  const cases = [[link, /is a symbolic link/], [open, /writable by everyone \(mode 0777\) without the sticky bit/]];
  if (IS_ROOT) {
    const foreign = path.join(top, 'foreign');
    fs.mkdirSync(foreign, { mode: 0o700 });
    fs.chownSync(foreign, OTHER, OTHER);
    cases.push([foreign, new RegExp(`belongs to uid ${OTHER}`)]);
  }
  for (const [dir, why] of cases) {
    const r = await runNode({
      nodeArgs: ['-r', REGISTER],
      code: 'console.log("app ran")',
      env: { LEAKGUARD_REPORT_DIR: dir, LEAKGUARD_SIGNAL: 'off' },
    });
    assert.strictEqual(r.code, 0, r.stderr);
    assert.strictEqual(r.stdout, 'app ran\n');
    const errors = jsonLines(r.stderr).filter((l) => l.leakguard === 'error');
    assert.strictEqual(errors.length, 1, r.stderr);
    assert.match(errors[0].message, /LEAKGUARD_REPORT_DIR .* refused, no reports/);
    assert.match(errors[0].message, why);
  }
  assert.deepStrictEqual(fs.readdirSync(real), []);
});

test('F05: report retention removes only reports of ours, never through a link', async (t) => {
  const top = scratch(t);
  const dir = path.join(top, 'reports');
  const other = path.join(top, 'other-service');
  fs.mkdirSync(dir, { mode: 0o700 });
  fs.mkdirSync(other, { mode: 0o700 });
  const victim = path.join(other, 'leakguard-1-2026-01-01T00-00-00-000Z-report.html');
  fs.writeFileSync(victim, 'another service\'s report', { mode: 0o600 });
  // Planted: oldest by name and time, so retention would pick them first.
  fs.symlinkSync(victim, path.join(dir, 'leakguard-1-2020-01-01T00-00-00-000Z-report.html'));
  fs.symlinkSync(other, path.join(dir, 'leakguard-1-2020-01-01T00-00-00-001Z-report.html'));
  const r = await runNode({
    code: `const lg = require(${JSON.stringify(ROOT)});
      const { reportInDir } = require(${JSON.stringify(path.join(ROOT, 'lib', 'report'))});
      (async () => {
        const out = [];
        for (let i = 0; i < 3; i++) {
          out.push(await reportInDir(lg, ${JSON.stringify(dir)}, 1));
          await new Promise((r) => setTimeout(r, 20));
        }
        console.log(JSON.stringify(out));
      })();`,
    env: { LEAKGUARD_SIGNAL: 'off' },
  });
  assert.strictEqual(r.code, 0, r.stderr);
  assert.strictEqual(fs.readFileSync(victim, 'utf8'), 'another service\'s report');
  const left = fs.readdirSync(dir).sort();
  // Both links stay (not ours), and one report of ours.
  assert.strictEqual(left.length, 3, left.join(' '));
  assert.strictEqual(left.filter((n) => fs.lstatSync(path.join(dir, n)).isSymbolicLink()).length, 2);
});

// -- F06 ---------------------------------------------------------------------

test('F06: a write cut short (file size limit) fails whole: exit 2, no partial file, no .tmp', async (t) => {
  const dir = scratch(t);
  const timeline = path.join(dir, 'timeline.json');
  const saved = await runNode({
    code: `const lg = require(${JSON.stringify(ROOT)}); lg.start(); lg.gc();
      setTimeout(() => { console.log(JSON.stringify(lg.timeline())); lg.stop(); }, 200);`,
  });
  fs.writeFileSync(timeline, saved.stdout);
  const out = path.join(dir, 'report.html');
  // 60 KiB: the report (uPlot and the page, ~80 KB) does not fit.
  const r = spawnSync('bash', ['-c', 'ulimit -f 60; exec "$@"', 'bash', process.execPath, CLI,
    'report', '--timeline', timeline, '-o', out], { encoding: 'utf8' });
  assert.strictEqual(r.status, 2, r.stderr);
  assert.match(r.stderr, /^leakguard: .*report\.html: EFBIG/);
  assert.deepStrictEqual(fs.readdirSync(dir), ['timeline.json']);
  // Without the limit it fits.
  const ok = spawnSync(process.execPath, [CLI, 'report', '--timeline', timeline, '-o', out],
    { encoding: 'utf8' });
  assert.strictEqual(ok.status, 0, ok.stderr);
  assert.match(fs.readFileSync(out, 'utf8'), /<\/html>\n$/);
});

// -- F07 and F08 -------------------------------------------------------------

test('F07: report() then process.exit() leaves the report and no .tmp (5 of 5)', async (t) => {
  const dir = scratch(t, 0o700);
  for (let i = 0; i < 5; i++) {
    const file = path.join(dir, `r${i}.html`);
    const r = await runNode({
      code: `const lg = require(${JSON.stringify(ROOT)});
        lg.report({ file: ${JSON.stringify(file)} }); process.exit(0);`,
      env: { LEAKGUARD_SIGNAL: 'off' },
    });
    assert.strictEqual(r.code, 0, r.stderr);
  }
  const names = fs.readdirSync(dir).sort();
  assert.deepStrictEqual(names, ['r0.html', 'r1.html', 'r2.html', 'r3.html', 'r4.html']);
});

test('F07: workers terminated while they write reports leave no .tmp', async (t) => {
  const dir = scratch(t, 0o700);
  const r = await runNode({
    code: `const { Worker } = require('node:worker_threads');
      (async () => {
        for (let i = 0; i < 10; i++) {
          const w = new Worker(\`
            const lg = require(${JSON.stringify(ROOT).replace(/"/g, "'")});
            const { parentPort } = require('node:worker_threads');
            parentPort.postMessage('go');
            for (let n = 0; ; n++) lg.report({ file: ${JSON.stringify(dir).replace(/"/g, "'")} + '/w${'${i}'}-' + (n % 3) + '.html' });
          \`, { eval: true });
          await new Promise((r) => w.once('message', r));
          await new Promise((r) => setTimeout(r, 30 + 20 * i));
          await w.terminate();
        }
        console.log('done');
      })();`,
    timeoutMs: 120000,
  });
  assert.strictEqual(r.code, 0, r.stderr);
  assert.strictEqual(r.stdout, 'done\n');
  const names = fs.readdirSync(dir);
  assert.ok(names.length > 0);
  assert.deepStrictEqual(names.filter((n) => !/^w\d-\d\.html$/.test(n)), [], names.join(' '));
  for (const n of names) assert.match(fs.readFileSync(path.join(dir, n), 'utf8'), /<\/html>\n$/);
});

test('F08: two report() calls for one file both resolve, and the file is whole', async (t) => {
  const dir = scratch(t, 0o700);
  const file = path.join(dir, 'same.html');
  const stray = path.join(dir, 'same.html.tmp');
  // Another writer's temporary is there: it is not ours to remove.
  fs.writeFileSync(stray, 'someone else is writing', { mode: 0o600 });
  const r = await runNode({
    code: `const lg = require(${JSON.stringify(ROOT)});
      Promise.all([lg.report({ file: ${JSON.stringify(file)} }), lg.report({ file: ${JSON.stringify(file)} })])
        .then((rs) => console.log(JSON.stringify(rs)), (e) => { console.error(e); process.exit(1); });`,
    env: { LEAKGUARD_SIGNAL: 'off' },
  });
  assert.strictEqual(r.code, 0, r.stderr);
  const rs = JSON.parse(r.stdout);
  assert.deepStrictEqual(rs.map((x) => x.path), [file, file]);
  assert.match(fs.readFileSync(file, 'utf8'), /<\/html>\n$/);
  assert.strictEqual(fs.readFileSync(stray, 'utf8'), 'someone else is writing');
  assert.deepStrictEqual(fs.readdirSync(dir).sort(), ['same.html', 'same.html.tmp']);
});

// -- Dead temporaries ----------------------------------------------------------

test('a dead writer\'s partial snapshot is taken back when the disk is short, whatever its age',
  { skip: IS_ROOT ? false : 'needs root: a small tmpfs stands for a full volume' }, async () => {
    const top = tempDir();
    const dir = path.join(top, 'volume');
    fs.mkdirSync(dir, { mode: 0o700 });
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=96m,mode=0700', 'tmpfs', dir]);
    try {
      assert.strictEqual(mounted.status, 0, `mount tmpfs: ${mounted.stderr}`);
      // What a capture killed mid-write leaves: a young, unlocked .tmp that
      // fills most of the volume.
      const dead = path.join(dir, 'leakguard-1-20260101T000000.000Z-signal.heapsnapshot.tmp');
      fs.writeFileSync(dead, Buffer.alloc(90 * 1024 * 1024), { mode: 0o600 });
      const r = await runNode({
        code: `const lg = require(${JSON.stringify(ROOT)});
          lg.writeSnapshot({ dir: ${JSON.stringify(dir)} }).then(
            (i) => console.log(JSON.stringify({ ok: true, path: i.path })),
            (e) => console.log(JSON.stringify({ ok: false, code: e.code, message: e.message })));`,
        env: { LEAKGUARD_SIGNAL: 'off' },
      });
      const out = JSON.parse(r.stdout);
      assert.strictEqual(out.ok, true, r.stdout + r.stderr);
      assert.ok(!fs.existsSync(dead), 'the dead temporary was taken back');
      assert.deepStrictEqual(fs.readdirSync(dir), [path.basename(out.path)]);
    } finally {
      if (mounted.status === 0) spawnSync('umount', [dir]);
      fs.rmSync(top, { recursive: true, force: true });
    }
  });

// -- F10 ---------------------------------------------------------------------

for (const kind of ['symlink', 'fifo']) {
  test(`F10: root's CLI reads the service's error file only as that user's regular file (a ${kind} planted)`,
    { skip: NEEDS_ROOT }, async () => {
      const { top, dir, secret } = serviceTree('ROOT-ONLY-SECRET\n');
      const service = startService(dir, SERVICE);
      await service.ready;
      const attacker = startChild(['python3', ATTACKER, 'error-file', dir, String(service.child.pid),
        kind, secret, '60'], { uid: SERVICE });
      // The service is stopped until the attacker has planted: it reads and
      // removes the request within microseconds of the signal, and on a
      // loaded machine the attacker, woken by inotify, lost that race (a
      // fresh-clone CI run). What is tested is what the CLI does with the
      // planted file, not who wins the race.
      const pid = service.child.pid;
      const resume = () => { try { process.kill(pid, 'SIGCONT'); } catch { /* gone */ } };
      const planted = setInterval(() => {
        if (/planted/.test(attacker.stdout)) {
          clearInterval(planted);
          resume();
        }
      }, 20);
      try {
        await attacker.ready;
        process.kill(pid, 'SIGSTOP');
        const r = await cli(['profile', String(pid), '--duration', '5s', '--timeout', '10'],
          { timeoutMs: 40000 });
        clearInterval(planted);
        resume();
        assert.match(attacker.stdout, /planted/);
        assert.strictEqual(r.signal, null, 'the CLI hung on the planted file');
        assert.ok(!r.stderr.includes('ROOT-ONLY-SECRET') && !r.stdout.includes('ROOT-ONLY-SECRET'), r.stderr);
        assert.strictEqual(r.code, 3, r.stderr);
        assert.match(r.stderr, /its error file is not one/);
      } finally {
        clearInterval(planted);
        resume();
        await attacker.kill();
        await service.kill();
        fs.rmSync(top, { recursive: true, force: true });
      }
    });
}

// -- F11 ---------------------------------------------------------------------

test('F11: analyze, summary and diff escape control characters from the heap', async (t) => {
  const dir = scratch(t, 0o700);
  const r = await runNode({
    code: `const lg = require(${JSON.stringify(ROOT)});
      const evil = '\\x1b]0;pwned\\x07\\x1b[2J\\nNo leak candidates\\u009b31m';
      // Objects whose class name (Symbol.toStringTag) is a hostile string,
      // held under a property named by it.
      const holder = { [evil]: [] };
      const grow = (n) => {
        for (let i = 0; i < n; i++) holder[evil].push({ [Symbol.toStringTag]: evil, i });
      };
      (async () => {
        const files = [];
        files.push((await lg.writeSnapshot({ dir: ${JSON.stringify(dir)} })).path);
        grow(3000);
        files.push((await lg.writeSnapshot({ dir: ${JSON.stringify(dir)} })).path);
        grow(3000);
        files.push((await lg.writeSnapshot({ dir: ${JSON.stringify(dir)} })).path);
        console.log(JSON.stringify(files));
      })();`,
    env: { LEAKGUARD_SIGNAL: 'off' },
    timeoutMs: 120000,
  });
  assert.strictEqual(r.code, 0, r.stderr);
  const files = JSON.parse(r.stdout);
  const runs = [
    ['analyze', ...files], ['summary', files[2], '--top', '200'], ['diff', files[0], files[2], '--top', '200'],
    ['analyze', ...files, '--json'],
  ];
  for (const args of runs) {
    const out = await cli(args);
    assert.strictEqual(out.code, 0, out.stderr);
    // No control character but the newlines of our own lines.
    assert.ok(!/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/.test(out.stdout),
      `${args[0]}: raw control characters in its output`);
    assert.match(out.stdout, /\\x1b|\\u001b/, `${args[0]} shows the escaped name`);
    assert.ok(!/^No leak candidates/m.test(out.stdout), `${args[0]}: a forged line`);
  }
});

// -- F12 ---------------------------------------------------------------------

test('F12: options named after Object.prototype are unknown options, with a code', () => {
  const leakguard = require('../..');
  const names = ['toString', 'constructor', 'valueOf', '__proto__', 'hasOwnProperty'];
  for (const name of names) {
    const opts = JSON.parse(`{"${name}": 1}`);
    for (const call of [() => leakguard.start(opts), () => leakguard.enableSnapshots(opts),
      () => leakguard.allocationProfile(opts), () => leakguard.configure(opts)]) {
      assert.throws(call, (err) => err instanceof TypeError && err.code === 'ERR_INVALID_ARG_TYPE' &&
        err.message.includes(`unknown option '${name}'`), name);
    }
  }
  leakguard.stop();
  leakguard.disableSnapshots();
});

test('F12: a profile request naming a prototype key is refused with its code', async () => {
  const dir = tempDir(0o700);
  const service = startService(dir, undefined);
  try {
    await service.ready;
    fs.writeFileSync(path.join(dir, 'leakguard-profile.request'),
      '{"id":"0123456789abcdef","toString":1}', { mode: 0o600 });
    service.child.kill('SIGUSR2');
    const t0 = Date.now();
    const errors = () => jsonLines(service.stderr).filter((l) => l.leakguard === 'error');
    while (errors().length === 0 && Date.now() - t0 < 20000) await sleep(50);
    assert.strictEqual(errors()[0].code, 'ERR_INVALID_ARG_TYPE', service.stderr);
    assert.match(errors()[0].message, /unknown option 'toString'/);
    const err = fs.readFileSync(path.join(dir, `leakguard-${service.child.pid}-0123456789abcdef.profile-error`), 'utf8');
    assert.match(err, /unknown option 'toString'/);
  } finally {
    await service.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// -- F13 and F14 -------------------------------------------------------------

test('F13: prometheus register() after registry.clear() registers every series again', async () => {
  const r = await runNode({
    code: `const client = require('prom-client');
      const lg = require(${JSON.stringify(ROOT)});
      const prom = require(${JSON.stringify(path.join(ROOT, 'lib', 'metrics', 'prometheus.js'))});
      lg.start(); lg.gc();
      const registry = new client.Registry();
      const first = prom.register(registry);
      const again = prom.register(registry);
      registry.clear();
      const second = prom.register(registry);
      registry.getMetricsAsJSON().then((m) => {
        console.log(JSON.stringify({ same: first === again, fresh: second !== first,
          names: first.metrics, registered: m.map((x) => x.name) }));
        lg.stop();
      });`,
  });
  assert.strictEqual(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.strictEqual(out.same, true);
  assert.strictEqual(out.fresh, true);
  assert.ok(out.names.length >= 11);
  assert.deepStrictEqual(out.registered.sort(), [...out.names].sort());
});

test('F14: otel register() twice on one MeterProvider counts each collection once', async () => {
  const r = await runNode({
    code: `const { MeterProvider, MetricReader } = require('@opentelemetry/sdk-metrics');
      class Reader extends MetricReader { async onForceFlush() {} async onShutdown() {} }
      const lg = require(${JSON.stringify(ROOT)});
      const otel = require(${JSON.stringify(path.join(ROOT, 'lib', 'metrics', 'otel.js'))});
      const reader = new Reader();
      const provider = new MeterProvider({ readers: [reader] });
      lg.start();
      const a = otel.register(provider, { runtime: true });
      const b = otel.register(provider, { runtime: true });
      const major = () => lg.heapStats().gc['mark-sweep-compact'].count;
      const before = major();
      for (let i = 0; i < 10; i++) lg.gc();
      setTimeout(async () => {
        const low = major() - before;
        const { resourceMetrics } = await reader.collect();
        const high = major() - before;
        let count = 0;
        for (const sm of resourceMetrics.scopeMetrics) for (const m of sm.metrics) {
          if (m.descriptor.name !== 'v8js.gc.duration') continue;
          for (const p of m.dataPoints) if (p.attributes['v8js.gc.type'] === 'major') count += p.value.count;
        }
        console.log(JSON.stringify({ same: a === b, count, low, high }));
        lg.stop();
      }, 300);`,
  });
  assert.strictEqual(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.strictEqual(out.same, true);
  assert.ok(out.count >= out.low && out.count <= out.high, JSON.stringify(out));
});

// -- Secrets -----------------------------------------------------------------

test('reports keep the script and the flag names of the command line, not its values', async (t) => {
  const dir = scratch(t, 0o700);
  const file = path.join(dir, 'r.html');
  const script = path.join(dir, 'app.js');
  fs.writeFileSync(script, `const lg = require(${JSON.stringify(ROOT)});
    lg.report({ file: ${JSON.stringify(file)} }).then(() => console.log('ok'));`);
  const r = await runNode({
    file: script,
    args: ['--password', 'hunter2', '--token=abc123secret', 'postgres://u:pw@db/x', '-v'],
    env: { LEAKGUARD_SIGNAL: 'off' },
  });
  assert.strictEqual(r.code, 0, r.stderr);
  const html = fs.readFileSync(file, 'utf8');
  for (const secret of ['hunter2', 'abc123secret', 'u:pw@db']) assert.ok(!html.includes(secret), secret);
  const m = /<script type="application\/json" id="leakguard-data">([\s\S]*?)<\/script>/.exec(html);
  const argv = JSON.parse(m[1]).timeline.process.argv;
  assert.deepStrictEqual(argv.slice(-6), [script, '--password', '***', '--token=***', '***', '-v']);
});

// -- Fuzz --------------------------------------------------------------------

// The request parser and the option validator over mutated requests: every
// input is served or refused with a TypeError/RangeError or the request
// code, never another exception (a seeded generator: a failure replays).
test('fuzz: profile requests and options are refused cleanly, never thrown through', () => {
  const options = require('../../lib/options');
  let seed = 0x5eed;
  const rand = (n) => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed % n;
  };
  const keys = ['id', 'durationMs', 'intervalBytes', 'stackDepth', 'toString', '__proto__', 'constructor',
    'valueOf', 'length', '', 'x'];
  const values = ['0123456789abcdef', 1, -1, 0, 1e308, -0, 'NaN', null, true, [], {}, [1], '1e3', 1024,
    30000, 2 ** 53, '\u0000', { __proto__: null }];
  const accepted = new Set(['ERR_INVALID_ARG_TYPE', 'ERR_OUT_OF_RANGE', 'ERR_INVALID_ARG_VALUE',
    'ERR_LEAKGUARD_PROFILE_REQUEST']);
  let served = 0;
  for (let i = 0; i < 5000; i++) {
    const o = {};
    for (let k = rand(5); k > 0; k--) o[keys[rand(keys.length)]] = values[rand(values.length)];
    let text = JSON.stringify(o);
    if (rand(4) === 0) {
      const at = rand(text.length + 1);
      text = text.slice(0, at) + String.fromCharCode(rand(128)) + text.slice(at + rand(3));
    }
    try {
      const req = JSON.parse(text);
      if (req === null || typeof req !== 'object' || Array.isArray(req) ||
          !/^[0-9a-f]{8,32}$/.test(req.id)) continue;
      const { id, ...rest } = req;
      options.validate('leakguard profile', options.PROFILE_SCHEMA, rest);
      served++;
    } catch (err) {
      if (err instanceof SyntaxError) continue;
      assert.ok((err instanceof TypeError || err instanceof RangeError) && accepted.has(err.code),
        `${text}: ${err.stack}`);
    }
  }
  assert.ok(served > 0);
});
