'use strict';
// leakguard/prometheus and leakguard/otel against the real prom-client,
// OpenTelemetry SDK and exporter, in child processes of their own (each
// starts from a process leakguard has not touched). The end-to-end run
// with a real Prometheus server is test/integration/prometheus.test.js.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const readline = require('node:readline');
const { spawn } = require('node:child_process');
const { runNode, jsonLines, ROOT } = require('./helpers/child');

const PROM = JSON.stringify(path.join(ROOT, 'lib/metrics/prometheus.js'));
const OTEL = JSON.stringify(path.join(ROOT, 'lib/metrics/otel.js'));
const LG = JSON.stringify(ROOT);

// Runs `code` in a child; it prints one JSON line with what to check.
async function child(code, opts = {}) {
  const r = await runNode({ code, ...opts });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const lines = jsonLines(r.stdout);
  assert.ok(lines.length > 0, r.stdout + r.stderr);
  return { ...lines[lines.length - 1], stderr: r.stderr };
}

const EXPECTED = {
  leakguard_live_bytes: 'gauge',
  leakguard_growth_bytes_per_second: 'gauge',
  leakguard_leak_confidence: 'gauge',
  leakguard_leak_active: 'gauge',
  leakguard_leak_events_total: 'counter',
  leakguard_time_to_limit_seconds: 'gauge',
  leakguard_snapshots_total: 'counter',
  leakguard_snapshot_pause_seconds: 'histogram',
  leakguard_snapshot_bytes: 'gauge',
  leakguard_gc_records_dropped_total: 'counter',
  leakguard_events_dropped_total: 'counter',
};

test('prometheus: names, types, units and HELP follow the conventions; nothing is reported or started before monitoring', async () => {
  const r = await child(`
    const client = require('prom-client');
    const leakguard = require(${LG});
    const registry = new client.Registry();
    const reg = require(${PROM}).register(registry);
    (async () => {
      const before = await registry.getMetricsAsJSON();
      const text = await registry.metrics();
      console.log(JSON.stringify({ names: reg.metrics, before, text, monitoring: leakguard.monitoring,
        snapshots: leakguard.snapshotStats().enabled }));
    })();
  `);
  assert.deepEqual(r.names.slice().sort(), Object.keys(EXPECTED).sort());
  for (const m of r.before) {
    assert.equal(m.type, EXPECTED[m.name], m.name);
    // Base units in the name, _total on counters and only there.
    assert.equal(m.type === 'counter', m.name.endsWith('_total'), m.name);
    if (/bytes|seconds/.test(m.help) && m.type !== 'counter') {
      assert.match(m.name, /_(bytes|seconds|bytes_per_second)$/, m.name);
    }
    assert.ok(m.help.length > 20 && m.help.endsWith('.'), `${m.name}: ${m.help}`);
    // Not monitoring and no snapshot asked for: no series at all.
    assert.deepEqual(m.values, [], m.name);
  }
  assert.match(r.text, /# HELP leakguard_live_bytes Live memory/);
  // The GC histogram is opt-in (prom-client's nodejs_gc_duration_seconds
  // is the usual one).
  assert.doesNotMatch(r.text, /leakguard_gc_duration_seconds/);
  // Scraping started nothing.
  assert.equal(r.monitoring, false);
  assert.equal(r.snapshots, false);
});

test('prometheus: the GC histogram counts every collection exactly, with nodejs_gc_duration_seconds\' buckets', async () => {
  const r = await child(`
    const client = require('prom-client');
    const leakguard = require(${LG});
    const registry = new client.Registry();
    require(${PROM}).register(registry, { gcHistogram: true });
    client.collectDefaultMetrics({ register: registry });
    leakguard.start();
    const junk = [];
    for (let i = 0; i < 20; i++) { for (let j = 0; j < 20000; j++) junk.push({ j }); junk.length = 0; }
    for (let i = 0; i < 5; i++) leakguard.gc();
    setTimeout(async () => {
      // A collection may land between the reads: bound ours by both.
      const before = leakguard.heapStats().gc;
      const json = await registry.getMetricsAsJSON();
      const after = leakguard.heapStats().gc;
      console.log(JSON.stringify({ json, before, after }));
      leakguard.stop();
    }, 500);
  `);
  const ours = r.json.find((m) => m.name === 'leakguard_gc_duration_seconds');
  const theirs = r.json.find((m) => m.name === 'nodejs_gc_duration_seconds');
  const pick = (m, kind, suffix, le) => m.values.find((v) => v.metricName === `${m.name}_${suffix}` &&
    v.labels.kind === kind && (le === undefined || v.labels.le === le));
  const between = (v, get) => {
    assert.ok(v >= get(r.before) && v <= get(r.after), `${v} not within ${get(r.before)}..${get(r.after)}`);
  };
  const majorCount = pick(ours, 'major', 'count').value;
  between(majorCount, (gc) => gc['mark-sweep-compact'].count);
  assert.ok(majorCount >= 5);
  between(pick(ours, 'minor', 'count').value, (gc) => gc.scavenge.count + gc['minor-mark-compact'].count);
  between(pick(ours, 'major', 'sum').value, (gc) => gc['mark-sweep-compact'].totalPauseMs / 1000);
  // The same bucket bounds as prom-client's, cumulative up to +Inf = count.
  const bounds = (m, kind) => m.values.filter((v) => v.metricName.endsWith('_bucket') && v.labels.kind === kind)
    .map((v) => String(v.labels.le));
  const seenByThem = theirs.values.find((v) => v.metricName.endsWith('_count'));
  assert.ok(seenByThem, JSON.stringify(theirs));
  assert.deepEqual(bounds(ours, 'major'), bounds(theirs, seenByThem.labels.kind));
  let last = 0;
  for (const le of bounds(ours, 'major')) {
    const v = pick(ours, 'major', 'bucket', le === '+Inf' ? '+Inf' : Number(le)).value;
    assert.ok(v >= last);
    last = v;
  }
  assert.equal(last, majorCount);
  // PerformanceObserver-based counting can only see fewer.
  const theirMajor = pick(theirs, 'major', 'count');
  assert.ok(!theirMajor || theirMajor.value <= majorCount);
});

test('prometheus: snapshot outcomes by trigger, the pause histogram and the file size', async () => {
  const r = await child(`
    const fs = require('node:fs'); const os = require('node:os'); const path = require('node:path');
    const client = require('prom-client');
    const leakguard = require(${LG});
    const registry = new client.Registry();
    require(${PROM}).register(registry);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lg-metrics-'));
    leakguard.on('error', () => {});
    leakguard.enableSnapshots({ dir, signal: false, onLeak: true, cooldownMs: 60000 });
    (async () => {
      const info = await leakguard.writeSnapshot();
      await leakguard.writeSnapshot({ minFreeDiskBytes: 2 ** 52 }).catch(() => {});
      // Two leak verdicts within the cooldown: one snapshot, one refusal.
      // (The leak trigger's wake-up does not keep the loop alive.)
      const alive = setTimeout(() => {}, 30000);
      leakguard.emit('leak', { reason: 'test' });
      await new Promise((r) => leakguard.once('snapshot', r));
      clearTimeout(alive);
      leakguard.emit('leak', { reason: 'test' });
      await new Promise((r) => setTimeout(r, 200));
      const json = await registry.getMetricsAsJSON();
      console.log(JSON.stringify({ json, bytes: fs.statSync(info.path).size,
        lastBytes: fs.statSync(fs.readdirSync(dir).map((f) => path.join(dir, f))
          .sort((a, b) => fs.statSync(a).mtimeMs - fs.statSync(b).mtimeMs).pop()).size }));
      leakguard.disableSnapshots();
      fs.rmSync(dir, { recursive: true, force: true });
    })();
  `);
  const m = (name) => r.json.find((x) => x.name === name);
  const count = (trigger, outcome) => m('leakguard_snapshots_total').values
    .find((v) => v.labels.trigger === trigger && v.labels.outcome === outcome).value;
  assert.equal(count('api', 'written'), 1);
  assert.equal(count('api', 'refused_disk'), 1);
  assert.equal(count('leak', 'written'), 1);
  assert.equal(count('leak', 'cooldown'), 1);
  assert.equal(count('signal', 'written'), 0);
  const pause = m('leakguard_snapshot_pause_seconds');
  const total = pause.values.find((v) => v.metricName.endsWith('_count')).value;
  assert.equal(total, 2);
  assert.ok(pause.values.find((v) => v.metricName.endsWith('_sum')).value > 0);
  assert.equal(m('leakguard_snapshot_bytes').values[0].value, r.lastBytes);
});

test('prometheus: a leaking child is reported as active, with its rate, and a worker has a thread label', async () => {
  const app = spawn(process.execPath, [path.join(ROOT, 'test/fixtures/metrics-app.js'), JSON.stringify({
    leakBytesPerSecond: 1e6, worker: true,
    detector: { windowMs: 20000, warmupMs: 2000, probeIntervalMs: 1000, sensitivity: 'high' },
  })], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise((resolve) => {
      readline.createInterface({ input: app.stdout }).on('line', (l) => {
        const m = JSON.parse(l);
        if (m.event === 'listening') resolve(m.port);
      });
    });
    const get = async (p) => (await fetch(`http://127.0.0.1:${port}${p}`)).text();
    let text;
    const deadline = Date.now() + 90000;
    for (;;) {
      text = await get('/metrics');
      if (/^leakguard_leak_active\{kind="heap"\} 1$/m.test(text)) break;
      assert.ok(Date.now() < deadline, text);
      await new Promise((r) => setTimeout(r, 1000));
    }
    const rate = Number(/^leakguard_growth_bytes_per_second\{kind="heap"\} (\S+)$/m.exec(text)[1]);
    assert.ok(rate > 0.5e6 && rate < 1.5e6, String(rate));
    assert.match(text, /^leakguard_leak_events_total\{kind="heap"\} [1-9]/m);
    assert.match(text, /^leakguard_live_bytes\{kind="heap"\} \d{7,}/m);
    const worker = await get('/worker-metrics');
    assert.match(worker, /^leakguard_live_bytes\{kind="heap",thread="1"\} \d+/m);
    assert.doesNotMatch(text, /thread=/);
  } finally {
    app.kill('SIGKILL');
  }
});

test('prometheus: arguments are checked, a second register() is the first, unregister() removes', async () => {
  const r = await child(`
    const client = require('prom-client');
    const { register } = require(${PROM});
    const registry = new client.Registry();
    const errors = [];
    for (const args of [[{}], [registry, { prefix: '1x' }], [registry, { labels: { kind: 'x' } }],
                        [registry, { labels: { app: 3 } }], [registry, { interval: 5 }], [registry, 'x'],
                        [registry, { gcHistogram: 'yes' }]]) {
      try { register(...args); errors.push(null); } catch (e) { errors.push({ name: e.name, code: e.code, message: e.message }); }
    }
    const a = register(registry, { prefix: 'svc_', labels: { app: 'shop' } });
    const b = register(registry, { prefix: 'svc_', labels: { app: 'shop' } });
    const c = register(registry);
    (async () => {
      const names = (await registry.getMetricsAsJSON()).map((m) => m.name);
      a.unregister(); c.unregister();
      const after = (await registry.getMetricsAsJSON()).map((m) => m.name);
      console.log(JSON.stringify({ errors, same: a === b, names, after }));
    })();
  `);
  assert.deepEqual(r.errors.map((e) => e && e.name),
    ['TypeError', 'TypeError', 'TypeError', 'TypeError', 'TypeError', 'TypeError', 'TypeError']);
  assert.match(r.errors[0].message, /registry must be a prom-client Registry/);
  assert.match(r.errors[1].message, /options\.prefix must be/);
  assert.match(r.errors[2].message, /options\.labels: 'kind' is not a label name you can set/);
  assert.match(r.errors[3].message, /options\.labels\.app must be a string, got 3/);
  assert.match(r.errors[4].message, /unknown option 'interval' \(accepted: prefix, labels, gcHistogram\)/);
  assert.match(r.errors[6].message, /options\.gcHistogram must be true or false, got "yes"/);
  assert.equal(r.same, true);
  assert.ok(r.names.includes('svc_leakguard_live_bytes') && r.names.includes('leakguard_live_bytes'));
  assert.equal(r.names.length, 2 * Object.keys(EXPECTED).length);
  assert.deepEqual(r.after, []);
});

test('prometheus: collectors never throw, after stop() and around a terminated worker', async () => {
  const r = await child(`
    const { Worker } = require('node:worker_threads');
    const client = require('prom-client');
    const leakguard = require(${LG});
    const registry = new client.Registry();
    require(${PROM}).register(registry);
    leakguard.start(); leakguard.gc(); leakguard.stop();
    (async () => {
      const stopped = await registry.getMetricsAsJSON();
      // Workers that register and scrape, terminated at once.
      for (let i = 0; i < 6; i++) {
        const w = new Worker(\`
          const client = require('prom-client');
          const registry = new client.Registry();
          require(${PROM.replace(/"/g, "'")}).register(registry);
          require(${LG.replace(/"/g, "'")}).start();
          setInterval(() => registry.metrics(), 1);
        \`, { eval: true });
        await new Promise((r) => setTimeout(r, 20 * i));
        await w.terminate();
      }
      const detector = stopped.find((m) => m.name === 'leakguard_live_bytes').values;
      console.log(JSON.stringify({ detector, ok: true }));
    })();
  `);
  assert.equal(r.ok, true);
  assert.deepEqual(r.detector, []);
});

// A MetricReader that collects on demand: what an exporter would receive.
const READER = `
  const { MeterProvider, MetricReader, DataPointType } = require('@opentelemetry/sdk-metrics');
  class Reader extends MetricReader {
    async onForceFlush() {}
    async onShutdown() {}
  }
  const flat = async (reader) => {
    const { resourceMetrics } = await reader.collect();
    const out = {};
    for (const sm of resourceMetrics.scopeMetrics) {
      for (const m of sm.metrics) {
        out[m.descriptor.name] = { unit: m.descriptor.unit, description: m.descriptor.description,
          type: DataPointType[m.dataPointType], scope: sm.scope.name, monotonic: m.isMonotonic,
          points: m.dataPoints.map((p) => ({ attributes: p.attributes,
            value: typeof p.value === 'number' ? p.value : { count: p.value.count, sum: p.value.sum } })) };
      }
    }
    return out;
  };
`;

test('otel: instrument names, units and types, exact v8js.gc.duration counts, attributes and thread.id in workers', async () => {
  const r = await child(`
    ${READER}
    const { Worker } = require('node:worker_threads');
    const leakguard = require(${LG});
    const reader = new Reader();
    const provider = new MeterProvider({ readers: [reader] });
    leakguard.start();
    const reg = require(${OTEL}).register(provider, { attributes: { pod: 'p1' }, runtime: true });
    const before = leakguard.heapStats().gc['mark-sweep-compact'].count;
    for (let i = 0; i < 4; i++) leakguard.gc();
    const major = () => leakguard.heapStats().gc['mark-sweep-compact'].count;
    (async () => {
      // A collection may land between a read and the SDK's collection:
      // each count is bounded by the reads on both sides.
      await new Promise((r) => setTimeout(r, 300));
      const firstLow = major();
      const first = await flat(reader);
      const firstHigh = major();
      for (let i = 0; i < 3; i++) leakguard.gc();
      await new Promise((r) => setTimeout(r, 300));
      const secondLow = major();
      const second = await flat(reader);
      const secondHigh = major();
      const w = new Worker(\`
        ${READER.replace(/`/g, '\\`')}
        const { parentPort } = require('node:worker_threads');
        const leakguard = require(${LG.replace(/"/g, "'")});
        const reader = new Reader();
        leakguard.start();
        require(${OTEL.replace(/"/g, "'")}).register(new MeterProvider({ readers: [reader] }), { runtime: true });
        leakguard.gc();
        setTimeout(async () => parentPort.postMessage(await flat(reader)), 200);
      \`, { eval: true });
      const inWorker = await new Promise((r) => w.once('message', r));
      await w.terminate();
      reg.unregister();
      console.log(JSON.stringify({ instruments: reg.instruments, first, second, before, firstLow, firstHigh,
        secondLow, secondHigh, inWorker }));
      leakguard.stop();
    })();
  `);
  const want = {
    'leakguard.memory.live': ['By', 'GAUGE'],
    'leakguard.memory.growth_rate': ['By/s', 'GAUGE'],
    'leakguard.leak.confidence': ['1', 'GAUGE'],
    'leakguard.leak.active': ['1', 'GAUGE'],
    'leakguard.leak.events': ['{event}', 'SUM'],
    'leakguard.snapshots': ['{snapshot}', 'SUM'],
    'leakguard.gc.records.dropped': ['{record}', 'SUM'],
    'leakguard.events.dropped': ['{event}', 'SUM'],
    'leakguard.gc.duration.dropped': ['{collection}', 'SUM'],
    'v8js.memory.heap.used': ['By', 'SUM', false],
    'v8js.memory.heap.space.size': ['By', 'SUM', false],
    'v8js.gc.duration': ['s', 'HISTOGRAM'],
  };
  for (const [name, [unit, type, monotonic]] of Object.entries(want)) {
    const m = r.first[name];
    assert.ok(m, `${name} missing from ${Object.keys(r.first)}`);
    assert.equal(m.unit, unit, name);
    assert.equal(m.type, type, name);
    // Counters are monotonic sums, up-down counters are not.
    if (type === 'SUM') assert.equal(m.monotonic, monotonic !== false, name);
    assert.equal(m.scope, 'leakguard');
    assert.ok(m.description.length > 10, name);
    for (const p of m.points) assert.equal(p.attributes.pod, 'p1', name);
  }
  assert.ok(r.instruments.includes('leakguard.snapshot.size') && r.instruments.includes('leakguard.snapshot.duration'));
  // Observed only while a kind leaks (not here): registered, no point.
  assert.ok(r.instruments.includes('leakguard.time_to_limit'));
  assert.equal(r.first['leakguard.time_to_limit'], undefined);
  const kinds = r.first['leakguard.memory.live'].points.map((p) => p.attributes['leakguard.memory.kind']);
  assert.deepEqual(kinds.sort(), ['external', 'heap', 'rss']);
  assert.ok(r.first['v8js.memory.heap.used'].points.some((p) => p.attributes['v8js.heap.space.name'] === 'old_space'));
  // Every major collection since register(), each recorded once: the
  // histogram is cumulative across collections.
  const major = (snap) => snap['v8js.gc.duration'].points
    .find((p) => p.attributes['v8js.gc.type'] === 'major').value.count;
  const within = (v, lo, hi) => assert.ok(v >= lo && v <= hi, `${v} not within ${lo}..${hi}`);
  within(major(r.first), r.firstLow - r.before, r.firstHigh - r.before);
  assert.ok(major(r.first) >= 4);
  within(major(r.second), r.secondLow - r.before, r.secondHigh - r.before);
  assert.ok(major(r.second) >= major(r.first) + 3);
  assert.ok(!Object.values(r.first).some((m) => m.points.some((p) => 'thread.id' in p.attributes)));
  const live = r.inWorker['leakguard.memory.live'].points;
  assert.ok(live.length === 3 && live.every((p) => p.attributes['thread.id'] === 1), JSON.stringify(live));
});

test("otel: each written snapshot's pause, its size and its outcome", async () => {
  const r = await child(`
    ${READER}
    const fs = require('node:fs'); const os = require('node:os'); const path = require('node:path');
    const leakguard = require(${LG});
    const reader = new Reader();
    require(${OTEL}).register(new MeterProvider({ readers: [reader] }));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lg-otel-'));
    (async () => {
      const info = await leakguard.writeSnapshot({ dir });
      const snap = await flat(reader);
      console.log(JSON.stringify({ info, snap, bytes: fs.statSync(info.path).size }));
      fs.rmSync(dir, { recursive: true, force: true });
    })();
  `);
  const duration = r.snap['leakguard.snapshot.duration'].points[0].value;
  assert.equal(duration.count, 1);
  assert.ok(Math.abs(duration.sum - r.info.pauseMs / 1000) < 0.01, JSON.stringify([duration, r.info.pauseMs]));
  assert.equal(r.snap['leakguard.snapshot.size'].points[0].value, r.bytes);
  const written = r.snap['leakguard.snapshots'].points.find((p) =>
    p.attributes['leakguard.snapshot.trigger'] === 'api' && p.attributes['leakguard.snapshot.outcome'] === 'written');
  assert.equal(written.value, 1);
});

test('otel: arguments are checked; the global provider is used when none is given', async () => {
  const r = await child(`
    const { register } = require(${OTEL});
    const errors = [];
    for (const args of [[{}], [undefined, { attributes: { a: {} } }], [undefined, { prefix: 'x' }],
                        [undefined, { runtime: 1 }]]) {
      try { register(...args); errors.push(null); } catch (e) { errors.push({ name: e.name, message: e.message }); }
    }
    // The API's no-op global provider: works, reports nothing.
    const reg = register();
    console.log(JSON.stringify({ errors, instruments: reg.instruments.length }));
  `);
  assert.match(r.errors[0].message, /meterProvider must be an OpenTelemetry MeterProvider/);
  assert.match(r.errors[1].message, /options\.attributes\['a'\] must be a string, number or boolean/);
  assert.match(r.errors[2].message, /unknown option 'prefix' \(accepted: attributes, runtime\)/);
  assert.match(r.errors[3].message, /options\.runtime must be true or false, got 1/);
  assert.ok(r.errors.every((e) => e.name === 'TypeError'));
  // leakguard's own instruments only; { runtime: true } adds the v8js.* set.
  assert.equal(r.instruments, 11);
});

test('preload: LEAKGUARD_METRICS=prometheus puts the collectors in the app\'s default registry', async () => {
  const app = spawn(process.execPath, ['-r', path.join(ROOT, 'lib/register.js'),
    path.join(ROOT, 'test/fixtures/metrics-app.js'), JSON.stringify({ preload: true })], {
    cwd: ROOT, env: { ...process.env, LEAKGUARD_METRICS: 'prometheus', LEAKGUARD_LOG: 'off' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    const port = await new Promise((resolve) => {
      readline.createInterface({ input: app.stdout }).on('line', (l) => {
        const m = JSON.parse(l);
        if (m.event === 'listening') resolve(m.port);
      });
    });
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    assert.match(text, /^leakguard_live_bytes\{kind="heap"\} \d+/m);
    assert.match(text, /^nodejs_heap_size_used_bytes /m);
  } finally {
    app.kill('SIGKILL');
  }
  const bad = await runNode({ code: 'setTimeout(() => {}, 10)', nodeArgs: ['-r', path.join(ROOT, 'lib/register.js')],
    env: { LEAKGUARD_METRICS: 'statsd' } });
  assert.equal(bad.code, 0);
  assert.match(bad.stderr, /LEAKGUARD_METRICS must be prometheus or off, got "statsd"; this process runs without leakguard/);
});

// Beside @opentelemetry/instrumentation-runtime-node, the usual runtime
// instrumentation: by default leakguard adds only its own instruments, so
// no name is exported twice under two scopes; { runtime: true } is the
// opt-in for a setup without it. Byte gauges are whole numbers, and a
// kind that does not grow has confidence 0.
test('otel: beside instrumentation-runtime-node, no instrument twice; whole bytes; confidence 0 at rate 0', async () => {
  const r = await child(`
    ${READER}
    const { RuntimeNodeInstrumentation } = require('@opentelemetry/instrumentation-runtime-node');
    const leakguard = require(${LG});
    const reader = new Reader();
    const provider = new MeterProvider({ readers: [reader] });
    const runtime = new RuntimeNodeInstrumentation({ monitoringPrecision: 100 });
    runtime.setMeterProvider(provider);
    runtime.enable();
    leakguard.start();
    require(${OTEL}).register(provider);
    for (let i = 0; i < 3; i++) leakguard.gc();
    setTimeout(async () => {
      const { resourceMetrics } = await reader.collect();
      const seen = [];
      for (const sm of resourceMetrics.scopeMetrics) {
        for (const m of sm.metrics) {
          seen.push({ scope: sm.scope.name, name: m.descriptor.name,
                      points: m.dataPoints.map((p) => ({ attributes: p.attributes, value: p.value })) });
        }
      }
      runtime.disable();
      leakguard.stop();
      console.log(JSON.stringify({ seen }));
    }, 500);
  `);
  const names = r.seen.map((m) => m.name);
  assert.ok(names.includes('v8js.memory.heap.used'), `the runtime instrumentation reports: ${names}`);
  assert.deepEqual(names.filter((n, i) => names.indexOf(n) !== i), [], 'no name twice');
  const ours = r.seen.filter((m) => m.scope === 'leakguard');
  assert.ok(ours.length >= 8 && ours.every((m) => m.name.startsWith('leakguard.')), JSON.stringify(ours.map((m) => m.name)));
  const live = ours.find((m) => m.name === 'leakguard.memory.live');
  assert.ok(live.points.length === 3 && live.points.every((p) => Number.isInteger(p.value)), JSON.stringify(live.points));
  const rate = ours.find((m) => m.name === 'leakguard.memory.growth_rate').points;
  for (const p of ours.find((m) => m.name === 'leakguard.leak.confidence').points) {
    const r2 = rate.find((q) => q.attributes['leakguard.memory.kind'] === p.attributes['leakguard.memory.kind']);
    if (r2.value <= 0) assert.equal(p.value, 0, JSON.stringify({ p, r2 }));
  }
});
