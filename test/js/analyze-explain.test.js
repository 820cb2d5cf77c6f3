'use strict';
// The leak report explains what it found: real child processes
// (test/fixtures/leak-analyzer.js) leak through listener closures, a Map
// and a URL-keyed cache between three snapshots, written by the Node that
// runs this suite (CI runs it on 20, 22, 24 and 26); `leakguard analyze`
// must say what each group retains, who holds it, where its functions were
// created (checked against the fixture's own source), and treat cache keys
// as wildcards.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { runNode } = require('./helpers/child');

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'lib', 'cli', 'main.js');
const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'leak-analyzer.js');
const SCRIPT = 'test/fixtures/leak-analyzer.js';  // relative to the CLI's cwd
const PER_ROUND = 2000;  // requests between the baseline and the target
const SOURCE = fs.readFileSync(FIXTURE, 'utf8').split('\n');

const runs = new Map();
// The three snapshots of one mode, written once per file.
function snapshots(mode) {
  if (!runs.has(mode)) {
    runs.set(mode, (async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), `leakguard-explain-${mode}-`));
      const r = await runNode({ file: FIXTURE, args: [mode, dir, String(PER_ROUND)],
                                timeoutMs: 120000 });
      assert.equal(r.code, 0, r.stderr);
      return ['baseline', 'target', 'final'].map((n) => path.join(dir, `${n}.heapsnapshot`));
    })());
  }
  return runs.get(mode);
}

test.after(async () => {
  for (const files of runs.values()) {
    fs.rmSync(path.dirname((await files)[0]), { recursive: true, force: true });
  }
});

async function analyze(mode, extra = []) {
  const files = await snapshots(mode);
  const r = await runNode({ file: CLI, args: ['analyze', ...files, '--json', ...extra],
                            timeoutMs: 120000 });
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.version, 2);
  return out.report;
}

async function human(mode) {
  const files = await snapshots(mode);
  const r = await runNode({ file: CLI, args: ['analyze', ...files, '--top', '3'],
                            timeoutMs: 120000 });
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

// The text at a 1-based line and column of the fixture: where V8 says a
// function starts, a `function` keyword or an arrow's parameters.
function sourceAt({ script, line, column }) {
  assert.equal(script, SCRIPT);
  assert.ok(Number.isInteger(line) && line >= 1, `line ${line}`);
  assert.ok(Number.isInteger(column) && column >= 1, `column ${column}`);
  return { line: SOURCE[line - 1], from: SOURCE[line - 1].slice(column - 1) };
}

function assertFunctionStart(location, lineText) {
  const at = sourceAt(location);
  assert.ok(at.line.includes(lineText), `line ${location.line} is ${JSON.stringify(at.line)}`);
  assert.match(at.from, /^(function\b|(\([^)]*\)|[\w$]+)\s*=>)/,
               `column ${location.column} of ${JSON.stringify(at.line)}`);
}

function near(actual, expected, what) {
  assert.ok(Math.abs(actual - expected) <= expected * 0.1, `${what}: ${actual}, expected ~${expected}`);
}

test('a listener leak names its creation line, the class it keeps alive and its holder', async () => {
  const report = await analyze('listeners');
  const top = report.groups[0];
  assert.ok(top, JSON.stringify(report));
  near(top.count, PER_ROUND / 4, 'closures');
  assert.match(top.constructor, new RegExp(`^anonymous function at ${SCRIPT}:\\d+:\\d+$`));
  assert.equal(top.constructor, `anonymous function at ${SCRIPT}:${top.location.line}:${top.location.column}`);
  assertFunctionStart(top.location, "serviceBus.on('config-reload'");
  // The closures' contexts are V8's; what they keep alive is a SessionToken each.
  assert.equal(top.retains[0].what, 'SessionToken', JSON.stringify(top.retains));
  near(top.retains[0].count, top.count, 'tokens');
  assert.ok(top.retains[0].retained_size > top.retains[0].count * 100);
  assert.ok(top.retains.every((c) => !c.what.startsWith('system /')), JSON.stringify(top.retains));
  assert.ok(top.retains.some((c) => c.what === 'Object'), JSON.stringify(top.retains));
  assert.deepEqual(top.holder && { expression: top.holder.expression, node: top.holder.node },
                   { expression: "serviceBus._events['config-reload']", node: 'Array' });
  const last = top.hops[top.hops.length - 1];
  assert.deepEqual(last.location, top.location);

  const text = await human('listeners');
  assert.match(text, /held by serviceBus\._events\['config-reload'\] \(Array of [\d,]+\)/);
  assert.match(text, /retains: SessionToken ×[\d,]+ \(/);
  assert.ok(text.includes(`anonymous function at ${SCRIPT}:${top.location.line}:`), text);
});

test('the same closure shape from two call sites is two groups with two locations', async () => {
  const report = await analyze('two-sites');
  const sites = report.groups.filter((g) => g.location);
  assert.equal(sites.length, 2, JSON.stringify(report.groups.map((g) => g.constructor)));
  const lines = sites.map((g) => SOURCE[g.location.line - 1]);
  assert.ok(lines.some((l) => l.includes("serviceBus.on('config-reload'")), lines.join('\n'));
  assert.ok(lines.some((l) => l.includes("serviceBus.on('audit'")), lines.join('\n'));
  for (const g of sites) {
    near(g.count, PER_ROUND / 4, g.constructor);
    assertFunctionStart(g.location, 'serviceBus.on(');
    assert.equal(g.retains[0].what, 'SessionToken');
  }
});

test('a Map leak: the holder is the Map, the path the short program-level one', async () => {
  const report = await analyze('map');
  const top = report.groups[0];
  assert.equal(top.constructor, 'RequestContext');
  near(top.count, PER_ROUND, 'requests');
  assert.equal(top.holder.expression, 'requests');
  assert.equal(top.holder.node, 'Map');
  assert.match(top.path, /requests \(Map\) → table → RequestContext$/);
  assert.doesNotMatch(top.path, /process|mainModule|queueMicrotask|setImmediate|timerListMap/);
  assert.equal(top.location, undefined);
  assert.ok(top.retains.some((c) => c.what === 'Object'), JSON.stringify(top.retains));
});

test('a cache keyed by unique URLs is one group, as big as the values it holds', async () => {
  const report = await analyze('url-cache');
  const top = report.groups[0];
  assert.equal(top.constructor, 'Buffer', JSON.stringify(report.groups.map((g) => g.constructor)));
  near(top.count, PER_ROUND, 'cached buffers');
  // Each value is a 1 KiB Buffer with its own ArrayBuffer.
  assert.ok(top.retained_size >= top.count * 1024, String(top.retained_size));
  assert.equal(top.holder.expression, 'responseCache.data');
  assert.equal(top.keys.length, 3);
  for (const k of top.keys) assert.match(k, /^\/api\/catalogue\?page=\d+&_=\d+$/);
  assert.equal(new Set(top.keys).size, 3);
  // The key strings, if they are a group at all, rank below the values.
  for (const g of report.groups.slice(1)) assert.ok(g.retained_size < top.retained_size);
  // No group per key any more: even with no noise floor there are few groups.
  const all = await analyze('url-cache', ['--min-count', '1', '--min-bytes', '0', '--top', '0']);
  const buffers = all.groups.filter((g) => g.constructor === 'Buffer');
  assert.equal(buffers.length, 1, `${buffers.length} Buffer groups`);

  const text = await human('url-cache');
  assert.match(text, /keys such as "\/api\/catalogue\?page=/);
  assert.match(text, /held by responseCache\.data \(Object of [\d,]+\)/);
});

test('findLeaks with dir reports source lines; in memory it names the script', async () => {
  const code = `
const leakguard = require(${JSON.stringify(ROOT)});
const { EventEmitter } = require('node:events');
const bus = new EventEmitter();
bus.setMaxListeners(0);
class Token { constructor(i) { this.id = 'tok-' + i; this.claims = { i }; } }
let n = 0;
const run = () => { for (let i = 0; i < 20; i++) { const t = new Token(n++); bus.on('x', () => t.id); } };
(async () => {
  const dir = process.argv[1];
  const inMemory = await leakguard.findLeaks({ run, iterations: 50 });
  const withDir = await leakguard.findLeaks({ run, iterations: 50, dir });
  console.log(JSON.stringify({ inMemory: inMemory.report.groups[0], withDir: withDir.report.groups[0] }));
})();
`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-explain-find-'));
  try {
    const r = await runNode({ code, args: [dir], timeoutMs: 120000 });
    assert.equal(r.code, 0, r.stderr);
    const { inMemory, withDir } = JSON.parse(r.stdout.trim().split('\n').pop());
    assert.match(inMemory.constructor, /^anonymous function in /);
    assert.equal(inMemory.location.line, null);
    assert.equal(inMemory.retains[0].what, 'Token');
    assert.match(withDir.constructor, /^anonymous function at .*:8:\d+$/);
    assert.equal(withDir.location.line, 8);
    assert.equal(withDir.retains[0].what, 'Token');
    assert.equal(withDir.holder.expression, "bus._events.x");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// Real packages (test/fixtures/leak-real-packages.js): an express route
// keeping Orders in a module-level Map, lru-cache or node-cache, in a
// module that also listens to leakguard's 'leak' events. The holder is the
// application's variable, named first with the function whose scope has
// it, and no path passes through leakguard's own objects (they hold the
// listener, and through it the module's scope).
const REAL = path.join(ROOT, 'test', 'fixtures', 'leak-real-packages.js');
for (const mode of ['express-map', 'lru-cache', 'node-cache']) {
  test(`real packages (${mode}): the class and the application's holder, no path through leakguard`, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `leakguard-real-${mode}-`));
    try {
      const r = await runNode({ file: REAL, args: [mode, dir, '1500'], timeoutMs: 120000 });
      assert.equal(r.code, 0, r.stderr);
      const files = ['baseline', 'target', 'final'].map((n) => path.join(dir, `${n}.heapsnapshot`));
      const a = await runNode({ file: CLI, args: ['analyze', ...files, '--json'], timeoutMs: 120000 });
      assert.equal(a.code, 0, a.stderr);
      const json = JSON.parse(a.stdout);
      const { groups } = json.report;
      const top = groups[0];
      const context = JSON.stringify(groups.slice(0, 2), null, 1).slice(0, 4000);
      // The leaked class: the group itself, or (node-cache wraps each
      // value in an entry object) what the group retains first.
      assert.ok(top.constructor === 'Order' || top.retains[0].what === 'Order', context);
      assert.ok(top.count >= 1500, context);
      assert.match(top.holder.expression, /^orders\b/, context);
      assert.match(top.holder.scope, /^anonymous function at test\/fixtures\/leak-real-packages\.js:\d+:\d+$/, context);
      assert.equal(top.holder.scope_location.script, 'test/fixtures/leak-real-packages.js');
      for (const g of groups) {
        assert.doesNotMatch(g.path, /lib\/index\.js|LeakGuard/, g.path);
        for (const hop of g.hops) {
          assert.ok(!hop.location || !hop.location.script.startsWith('lib/'), JSON.stringify(hop));
        }
      }
      // The text starts with the sentence that names class and holder, and
      // --json gives it too.
      const text = await runNode({ file: CLI, args: ['analyze', ...files], timeoutMs: 120000 });
      const sentence = /^Leaking: (Order|Object) \u00d71,5\d\d \(.* retained\), held by orders\S* \(\w+ of 1,5\d\d\), which anonymous function at test\/fixtures\/leak-real-packages\.js:\d+:\d+ closes over\.$/;
      assert.match(text.stdout.split('\n')[0], sentence);
      assert.equal(`Leaking: ${json.headline}.`, text.stdout.split('\n')[0]);
      if (mode === 'express-map') {
        // A reader that stops early (| head) is no error: exit 0, nothing on stderr.
        const { spawnSync } = require('node:child_process');
        const piped = spawnSync('bash', ['-c', 'set -o pipefail; "$0" "$@" | head -c 100 >/dev/null',
          process.execPath, CLI, 'analyze', ...files, '--json'], { encoding: 'utf8' });
        assert.equal(piped.status, 0, piped.stderr);
        assert.equal(piped.stderr, '');
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}
