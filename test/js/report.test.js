'use strict';
// timeline() and the HTML report (lib/report/): the data in a real leaking
// child, the file rules, the bounds, hostile input, the CLI and the
// preload. The page itself is opened in a real Chromium by
// test/integration/report-browser.test.js (npm run test:report).
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { runNode, jsonLines, startPreloaded } = require('./helpers/child');
const { History, MAX_EPISODES, MAX_SNAPSHOTS } = require('../../lib/monitor/history');
const { buildHtml, trimProfile } = require('../../lib/report');

const ROOT = path.resolve(__dirname, '..', '..');
const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'report-child.js');
const CLI = path.join(ROOT, 'lib', 'cli', 'main.js');

function tmpdir() {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-report-'));
}

// The JSON data a report page renders from.
function pageData(html) {
  const m = /<script type="application\/json" id="leakguard-data">([\s\S]*?)<\/script>/.exec(html);
  assert.ok(m, 'the report holds its data');
  return JSON.parse(m[1]);
}

test('timeline() of a leaking process: each kind, the episode where the event says, the snapshot; report() writes it', async () => {
  const dir = tmpdir();
  const r = await runNode({ file: FIXTURE, args: ['timeline', dir], timeoutMs: 120000 });
  assert.strictEqual(r.code, 0, r.stderr);
  const lines = jsonLines(r.stdout);
  const leak = lines.find((l) => l.leak).leak;
  const snapshot = lines.find((l) => l.snapshot).snapshot;
  const tl = lines.find((l) => l.timeline).timeline;
  const rep = lines.find((l) => l.report).report;

  assert.strictEqual(tl.version, 1);
  assert.strictEqual(tl.process.pid, tl.process.pid | 0);
  assert.match(tl.process.node, /^v\d+\./);
  assert.ok(tl.process.argv.some((a) => a.endsWith('report-child.js')));
  assert.strictEqual(tl.windowMs, 10000);
  assert.deepStrictEqual(tl.horizonsMs, [3600000, 86400000]);
  assert.strictEqual(tl.bytes, 3 * 2048 * 16);
  for (const kind of ['heap', 'external', 'rss']) {
    const k = tl.kinds[kind];
    assert.ok(k.t.length >= 3, `${kind}: ${k.t.length} points`);
    assert.strictEqual(k.min.length, k.t.length);
    assert.strictEqual(k.max.length, k.t.length);
    assert.strictEqual(k.bucketMs, 1000);
    for (let i = 0; i < k.t.length; i++) {
      assert.ok(k.min[i] <= k.max[i] && k.min[i] > 0, `${kind}[${i}]`);
      if (i > 0) assert.ok(k.t[i] > k.t[i - 1], `${kind}: times ascend`);
      // Wall-clock times of this run.
      assert.ok(Math.abs(k.t[i] - tl.now) < 120000, `${kind}[${i}] at ${k.t[i]}, now ${tl.now}`);
    }
  }
  // The live heap rose over the run (the leak), as the chart will show.
  const heap = tl.kinds.heap;
  assert.ok(heap.min[heap.min.length - 1] > heap.min[0] * 1.5,
    `heap ${heap.min[0]} -> ${heap.min[heap.min.length - 1]}`);
  // The detector's line now (the chart draws it over the window).
  assert.strictEqual(typeof heap.trend.bytesPerSecond, 'number');
  assert.strictEqual(typeof heap.trend.estimatedBase, 'number');
  assert.strictEqual(typeof heap.trend.verdict, 'string');

  assert.strictEqual(tl.episodes.length, 1);
  const e = tl.episodes[0];
  assert.strictEqual(e.kind, leak.kind);
  assert.strictEqual(e.start, leak.start);
  // Later events of the episode (while the snapshot was written) move its
  // end, never its start.
  assert.ok(e.end >= leak.end, `${e.end} >= ${leak.end}`);
  assert.ok(e.events >= 1);
  assert.ok(e.bytesPerSecond > 0 && e.windowMs > 0);
  assert.match(e.reason, /^heap grew/);
  assert.strictEqual(tl.droppedEpisodes, 0);

  assert.strictEqual(tl.snapshots.length, 1);
  assert.strictEqual(tl.snapshots[0].path, snapshot.path);
  assert.ok(Math.abs(tl.snapshots[0].time - e.end) < 60000);

  // report(): one private file, nothing partial, everything inside it.
  assert.strictEqual(rep.path, path.join(dir, 'r.html'));
  const st = fs.statSync(rep.path);
  assert.strictEqual(st.mode & 0o777, 0o600);
  assert.strictEqual(st.size, rep.bytes);
  assert.deepStrictEqual(fs.readdirSync(dir).filter((n) => n.endsWith('.tmp')), []);
  const html = fs.readFileSync(rep.path, 'utf8');
  // (uPlot's banner comment names its home page; the browser test checks
  // that no request leaves the page.)
  assert.doesNotMatch(html, /<link\b|\bsrc=|@import|url\(|(?<!\/\*! )https?:\/\//i,
    'no external script, stylesheet, font or image');
  assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
  assert.match(html, /The MIT License \(MIT\)/, "uPlot's licence is in the file");
  const data = pageData(html);
  assert.strictEqual(data.timeline.episodes[0].start, leak.start);
  assert.ok(data.timeline.kinds.heap.t.length >= heap.t.length);
});

test('the history keeps the newest episodes and snapshots, counts what it drops, and follows an episode', () => {
  const h = new History();
  const leak = (i, sequence, kind = 'heap') => ({
    kind, sequence, start: new Date(1000 * i), end: new Date(1000 * i + 500), growth: i,
    bytesPerSecond: i, estimatedBase: i, horizonMs: 300000, windowMs: 500, confidence: 1,
    reason: `r${i}`,
  });
  h.leak(leak(1, 0));
  h.leak({ ...leak(2, 1), suspects: [{ site: 'f (a.js:1:1)', growth: 5 }] });
  let j = h.toJSON();
  assert.strictEqual(j.episodes.length, 1, 'a repeat updates its episode');
  assert.strictEqual(j.episodes[0].start, 1000, 'the episode keeps where it began');
  assert.strictEqual(j.episodes[0].end, 2500);
  assert.strictEqual(j.episodes[0].events, 2);
  assert.strictEqual(j.episodes[0].suspects[0].site, 'f (a.js:1:1)');
  for (let i = 0; i < MAX_EPISODES + 10; i++) h.leak(leak(10 + i, 0, i % 2 ? 'rss' : 'heap'));
  for (let i = 0; i < MAX_SNAPSHOTS + 3; i++) h.snapshot({ path: `s${i}`, time: i, bytes: 1 });
  j = h.toJSON();
  assert.strictEqual(j.episodes.length, MAX_EPISODES);
  assert.strictEqual(j.droppedEpisodes, 11);
  assert.strictEqual(j.episodes[j.episodes.length - 1].reason, `r${10 + MAX_EPISODES + 9}`);
  assert.strictEqual(j.snapshots.length, MAX_SNAPSHOTS);
  assert.strictEqual(j.droppedSnapshots, 3);
  assert.strictEqual(j.snapshots[0].path, 's3');
});

// A full day at the timeline's bounds, every list full: the page stays
// under 1 MB.
function fullDay() {
  const now = Date.UTC(2026, 11, 3, 12);
  const kinds = {};
  for (const kind of ['heap', 'external', 'rss']) {
    const t = [];
    const min = [];
    const max = [];
    for (let i = 0; i < 2048; i++) {
      t.push(now - 86400000 + i * 64000 + 123);
      min.push(123456789 + i * 1234.567);
      max.push(133456789 + i * 1234.567);
    }
    kinds[kind] = { bucketMs: 64000, dropped: 77, t, min, max,
      trend: { estimatedBase: 2e8, bytesPerSecond: 1000.5, confidence: 0.99, samples: 50, leaking: true, verdict: 'leak' } };
  }
  const suspects = Array.from({ length: 10 }, (_, i) => ({
    what: `handler${i} (/srv/app/lib/handlers/some/long/path/file${i}.js:${i + 10}:17)`,
    site: `handler${i} (/srv/app/lib/handlers/some/long/path/file${i}.js:${i + 10}:17)`,
    stack: Array.from({ length: 8 }, (__, k) => `frame${k} (/srv/app/node_modules/framework/lib/router${k}.js:${k}:1)`),
    bytes: 1e6, growth: 1e6, bytesPerSecond: 1e3,
  }));
  return {
    version: 1, now, monitoring: true, windowMs: 300000, horizonsMs: [3600000, 86400000],
    process: { pid: 4242, node: 'v20.20.2', platform: 'linux', arch: 'x64', argv: ['node', 'server.js'], startTime: now - 9e7 },
    kinds,
    episodes: Array.from({ length: 64 }, (_, i) => ({
      kind: 'heap', start: now - 86400000 + i * 1e6, end: now - 86400000 + i * 1e6 + 3e5, events: 5,
      growth: 1e8, bytesPerSecond: 1e3, estimatedBase: 2e8, horizonMs: 86400000, windowMs: 86400000,
      confidence: 0.99, reason: 'heap grew 86.4 MB over 24 h (1.0 KB/s)', suspects,
    })),
    snapshots: Array.from({ length: 64 }, (_, i) => ({
      time: now - i * 60000, path: `/var/lib/app/snapshots/leakguard-4242-2026-12-03T12-00-00-000Z-leak-${i}.heapsnapshot`,
      reason: 'leak', trigger: 'leak', bytes: 1e8,
    })),
    droppedEpisodes: 10, droppedSnapshots: 3, bytes: 98304,
  };
}

test('a day of timeline, every list at its bound, makes a report under 1 MB', () => {
  const html = buildHtml({ timeline: fullDay() });
  const bytes = Buffer.byteLength(html);
  assert.ok(bytes < 1e6, `${bytes} bytes`);
  assert.strictEqual(pageData(html).timeline.kinds.rss.t.length, 2048);
});

test('hostile strings stay data: nothing in the inputs can end the data script or become markup', () => {
  const evil = '</script><script>window.pwned=1</script><!--';
  const html = buildHtml({
    timeline: { ...fullDay(), process: { pid: 1, node: evil, argv: [evil] } },
    analysis: { report: { groups: [{ constructor: evil, count: 1, path: evil, hops: [{ node: evil, edge: evil }] }] } },
    profile: { head: { callFrame: { functionName: evil, url: evil }, selfSize: 1, children: [] } },
  });
  assert.strictEqual(html.split('</script>').length - 1, 3, 'only the three scripts of the page end');
  assert.doesNotMatch(html, /window\.pwned=1<\/script>/);
  const data = pageData(html);
  assert.strictEqual(data.analysis.report.groups[0].constructor, evil);
  assert.strictEqual(data.profile.head.callFrame.functionName, evil);
});

test('a profile deeper than the stack is trimmed without recursion, and its totals stay right', () => {
  const head = { callFrame: { functionName: '(root)' }, selfSize: 0, children: [] };
  let node = head;
  for (let i = 0; i < 200000; i++) {
    const c = { callFrame: { functionName: `f${i}`, url: 'a.js', lineNumber: i, columnNumber: 0 }, selfSize: 0, children: [] };
    node.children.push(c);
    node = c;
  }
  node.selfSize = 1000;
  // Two small siblings at the top, below the 0.1% share: merged into the root.
  head.children.push({ callFrame: { functionName: 'tiny' }, selfSize: 0.5, children: [] });
  const t = trimProfile({ head });
  let depth = 0;
  let sum = 0;
  const stack = [t.head];
  let deepest = t.head;
  while (stack.length) {
    const n = stack.pop();
    sum += n.selfSize;
    for (const c of n.children) stack.push(c);
    if (n.children.length) {
      depth++;
      deepest = n.children[0];
    }
  }
  assert.strictEqual(sum, 1000.5, 'every byte is still counted');
  assert.strictEqual(depth, 64);
  assert.strictEqual(deepest.selfSize, 1000, 'what is cut below goes into the last frame kept');
  assert.strictEqual(t.head.children.length, 1);
  assert.strictEqual(trimProfile({ head: 5 }), null);
  assert.strictEqual(trimProfile(null), null);
});

test('report(): wrong options throw at the call, naming the option', () => {
  const leakguard = require('../..');
  assert.throws(() => leakguard.report({ file: 5 }), {
    name: 'TypeError', message: /leakguard\.report: options\.file must be a non-empty string/,
  });
  assert.throws(() => leakguard.report({ analysis: [] }), {
    name: 'TypeError', message: /options\.analysis must be an object/,
  });
  assert.throws(() => leakguard.report({ profile: 'p' }), { name: 'TypeError', message: /options\.profile/ });
  assert.throws(() => leakguard.report({ fil: 'x' }), {
    name: 'TypeError', message: /unknown option 'fil'; accepted options are file, analysis, profile/,
  });
  assert.throws(() => leakguard.report('x.html'), { name: 'TypeError', message: /options must be an object/ });
});

test('report() into a directory that does not exist rejects, and leaves nothing', async () => {
  const leakguard = require('../..');
  const dir = tmpdir();
  await assert.rejects(leakguard.report({ file: path.join(dir, 'no', 'r.html') }), { code: 'ENOENT' });
  assert.deepStrictEqual(fs.readdirSync(dir), []);
  const ok = await leakguard.report({ file: path.join(dir, 'r.html') });
  assert.strictEqual(fs.statSync(ok.path).mode & 0o777, 0o600);
  // Never monitored in this process: the page says so rather than failing.
  assert.strictEqual(pageData(fs.readFileSync(ok.path, 'utf8')).timeline.episodes.length, 0);
});

test('leakguard report: from saved inputs; each optional; unreadable or wrong inputs are one line and exit 2', async () => {
  const dir = tmpdir();
  const tl = path.join(dir, 't.json');
  fs.writeFileSync(tl, JSON.stringify(fullDay()));
  const analysis = path.join(dir, 'a.json');
  fs.writeFileSync(analysis, JSON.stringify({ version: 2, report: { groups: [{ constructor: 'Session', count: 3 }] } }));
  const out = path.join(dir, 'out.html');

  let r = await runNode({ file: CLI, args: ['report', '--timeline', tl, '--analyze', analysis, '-o', out] });
  assert.strictEqual(r.code, 0, r.stderr);
  assert.strictEqual(r.stdout.trim(), `${out} (${fs.statSync(out).size} bytes)`);
  assert.strictEqual(fs.statSync(out).mode & 0o777, 0o600);
  const data = pageData(fs.readFileSync(out, 'utf8'));
  assert.strictEqual(data.analysis.report.groups[0].constructor, 'Session');
  assert.strictEqual(data.profile, null);

  r = await runNode({ file: CLI, args: ['report'] });
  assert.strictEqual(r.code, 1);
  assert.match(r.stderr, /give --pid, or at least one of --timeline, --analyze and --profile/);

  const bad = path.join(dir, 'bad.json');
  fs.writeFileSync(bad, '{"kinds": ');
  r = await runNode({ file: CLI, args: ['report', '--timeline', bad, '-o', path.join(dir, 'x.html')] });
  assert.strictEqual(r.code, 2);
  assert.match(r.stderr, /bad\.json: not JSON/);
  r = await runNode({ file: CLI, args: ['report', '--profile', tl, '-o', path.join(dir, 'x.html')] });
  assert.strictEqual(r.code, 2);
  assert.match(r.stderr, /t\.json: not an allocation profile/);
  r = await runNode({ file: CLI, args: ['report', '--analyze', path.join(dir, 'missing.json'), '-o', path.join(dir, 'x.html')] });
  assert.strictEqual(r.code, 2);
  assert.match(r.stderr, /missing\.json: ENOENT/);
  assert.ok(!fs.existsSync(path.join(dir, 'x.html')));
  r = await runNode({ file: CLI, args: ['report', '--timeline', tl, '-o', path.join(dir, 'no', 'x.html')] });
  assert.strictEqual(r.code, 2);
  assert.match(r.stderr, /^leakguard: .*no\/x\.html: ENOENT[^\n]*\n$/);
});

test('the preload writes a report at each leak event into LEAKGUARD_REPORT_DIR, private and bounded', async () => {
  const dir = path.join(tmpdir(), 'reports');
  const child = spawn(process.execPath, ['-r', path.join(ROOT, 'lib', 'register.js'), FIXTURE, 'preload'], {
    cwd: ROOT,
    env: { ...process.env, LEAKGUARD_REPORT_DIR: dir, LEAKGUARD_MAX_FILES: '1', LEAKGUARD_SIGNAL: 'off' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const timer = setTimeout(() => child.kill('SIGKILL'), 150000);
  const code = await new Promise((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  assert.strictEqual(code, 0, stderr.slice(-2000));
  const reports = jsonLines(stderr).filter((l) => l.leakguard === 'report');
  assert.strictEqual(reports.length, 2, `a report per leak event; stderr:\n${stderr.slice(-2000)}`);
  const left = fs.readdirSync(dir).sort();
  assert.strictEqual(left.length, 1, `LEAKGUARD_MAX_FILES=1 keeps one: ${left}`);
  for (const name of left) {
    assert.match(name, new RegExp(`^leakguard-${child.pid}-.+-report\\.html$`));
    assert.strictEqual(fs.statSync(path.join(dir, name)).mode & 0o777, 0o600);
  }
  assert.strictEqual(fs.statSync(dir).mode & 0o777, 0o700);
  assert.ok(reports.some((r) => r.removed > 0), 'the oldest were removed');
  // The one kept is the newest, and holds the episode of its event.
  const newest = reports[reports.length - 1];
  assert.strictEqual(path.join(dir, left[0]), newest.path);
  assert.strictEqual(pageData(fs.readFileSync(newest.path, 'utf8')).timeline.episodes.length, 1);
});

// Node's own recursive mkdir never returns for some paths (on Node 20,
// /proc/x spins on ENOENT): the preload makes the directory one level at
// a time, and a directory it cannot make is one error line.
test('a report directory that cannot be made is an error line at start, never a hang or a throw', async () => {
  const r = await runNode({
    nodeArgs: ['-r', path.join(ROOT, 'lib', 'register.js')],
    code: `const lg = require(${JSON.stringify(ROOT)});
      // A 'leak' as the detector emits it, so that the preload writes now.
      lg.emit('leak', { kind: 'heap', sequence: 0, start: new Date(Date.now() - 10000), end: new Date(),
        growth: 1e7, bytesPerSecond: 1e6, estimatedBase: 5e7, horizonMs: 300000, windowMs: 10000,
        confidence: 1, reason: 'heap grew 10 MB over 10 s (1 MB/s)' });
      setTimeout(() => { lg.stop(); lg.disableSnapshots(); }, 500);`,
    env: { LEAKGUARD_REPORT_DIR: '/proc/leakguard-none/reports', LEAKGUARD_SIGNAL: 'off' },
    timeoutMs: 30000,
  });
  assert.strictEqual(r.code, 0, r.stderr);
  const errors = jsonLines(r.stderr).filter((l) => l.leakguard === 'error');
  assert.strictEqual(errors.length, 1, r.stderr);
  assert.match(errors[0].message,
    /^leakguard: LEAKGUARD_REPORT_DIR \/proc\/leakguard-none\/reports refused, no reports: ENOENT/);
  // Monitoring and snapshots run on without reports.
  assert.ok(!/runs without leakguard/.test(r.stderr), r.stderr);
});

// `leakguard report --pid`: a leaking service under the preload, sent the
// snapshot signal three times; the CLI asks it for its timeline through
// the same signal, analyses the newest three snapshots itself and writes
// one report of both.
test('leakguard report --pid: a running process\'s timeline with the analysis of its snapshots', async () => {
  const base = tmpdir();
  const dir = path.join(base, 'snapshots');
  const { child, output, logs, until } = startPreloaded(
    path.join(ROOT, 'test', 'fixtures', 'preload-report-analysis.js'),
    { LEAKGUARD_DIR: dir, LEAKGUARD_COOLDOWN_MS: '0', LEAKGUARD_MAX_FILES: '10' });
  const snapshots = () => logs('snapshot').length;
  try {
    await until('ready', () => output.stdout.includes('"ready"'));
    const out = path.join(base, 'live.html');
    // Two snapshots: the report says why there is no analysis.
    for (let i = 1; i <= 2; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      child.kill('SIGUSR2');
      await until(`snapshot ${i}`, () => snapshots() >= i);
    }
    let r = await runNode({ file: CLI, args: ['report', '--pid', String(child.pid), '-o', out], timeoutMs: 120000 });
    assert.strictEqual(r.code, 0, r.stderr);
    assert.match(r.stderr, /no analysis: the process has 2 heap snapshot\(s\) on disk; .*needs three/);
    let data = pageData(fs.readFileSync(out, 'utf8'));
    assert.strictEqual(data.timeline.process.pid, child.pid);
    assert.strictEqual(data.analysis, null);
    assert.match(data.analysisNote, /needs three/);
    // The third: the report holds the analysis, computed by the CLI.
    await new Promise((r) => setTimeout(r, 1000));
    child.kill('SIGUSR2');
    await until('snapshot 3', () => snapshots() >= 3);
    r = await runNode({ file: CLI, args: ['report', '--pid', String(child.pid), '-o', out], timeoutMs: 120000 });
    assert.strictEqual(r.code, 0, r.stderr);
    assert.strictEqual(r.stderr, '');
    data = pageData(fs.readFileSync(out, 'utf8'));
    assert.strictEqual(data.timeline.process.pid, child.pid);
    assert.ok(data.timeline.kinds.heap.t.length > 0);
    assert.strictEqual(data.timeline.snapshots.length, 3);
    const top = data.analysis.report.groups[0];
    assert.strictEqual(top.constructor, 'Session', JSON.stringify(data.analysis.report.groups.slice(0, 2)));
    assert.match(top.holder.expression, /^sessions$/);
    // Nothing of the exchange is left in the service's directory.
    assert.deepStrictEqual(fs.readdirSync(dir).filter((f) => !f.endsWith('.heapsnapshot')), []);
    assert.strictEqual(child.exitCode, null, 'the service runs on');
    // Bad usage: one line, exit 1.
    r = await runNode({ file: CLI, args: ['report', '--pid', String(child.pid), '--timeline', out] });
    assert.strictEqual(r.code, 1);
    assert.match(r.stderr, /--pid and --timeline both give the timeline/);
  } finally {
    child.kill('SIGKILL');
    fs.rmSync(base, { recursive: true, force: true });
  }
});
