'use strict';
// leakguard's metrics scraped by a real Prometheus server (Debian's
// `prometheus` package; .ci/run installs it): four services, a leaking and
// a healthy one exposing prom-client's registry (leakguard/prometheus) and
// the same pair exporting through OpenTelemetry (leakguard/otel and
// @opentelemetry/exporter-prometheus). Prometheus scrapes them every
// second; its HTTP API must then say leakguard_leak_active == 1 and a
// growth rate within 50% of the leak's for the leaking ones, 0 for the
// healthy ones, and the alert of docs/prometheus-rules.yml must fire for
// the leaking ones only.
//
//   npm run test:prometheus
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');

const ROOT = path.join(__dirname, '..', '..');
const LEAK_RATE = 1e6;  // bytes per second of the leaking fixtures
const HEAP_MIB = 1024;  // their heap limit
// Short windows so that the verdict comes within seconds (the defaults take
// about a minute); the metrics do not depend on them.
const DETECTOR = { windowMs: 20000, warmupMs: 2000, probeIntervalMs: 1000, sensitivity: 'high' };

function findPrometheus() {
  for (const p of ['/usr/bin/prometheus', '/usr/local/bin/prometheus']) {
    if (fs.existsSync(p)) return p;
  }
  try {
    return execFileSync('sh', ['-c', 'command -v prometheus'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

const PROMETHEUS = findPrometheus();
// On CI the server is installed by .ci/run, so its absence is a failure.
const skip = PROMETHEUS === null && process.env.CI !== 'true'
  ? 'the prometheus binary is not installed (apt-get install prometheus)' : false;

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const children = [];
function startApp(config, nodeArgs = []) {
  const child = spawn(process.execPath, [...nodeArgs, path.join(ROOT, 'test/fixtures/metrics-app.js'),
    JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  return new Promise((resolve, reject) => {
    const rl = readline.createInterface({ input: child.stdout });
    rl.on('line', (line) => {
      const m = JSON.parse(line);
      if (m.event === 'listening') resolve({ child, port: m.port });
    });
    child.on('exit', (code) => reject(new Error(`fixture exited (${code}): ${stderr}`)));
  });
}

async function query(base, expr) {
  const res = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = await res.json();
  assert.equal(body.status, 'success', JSON.stringify(body));
  return body.data.result;
}

// { "<job>/<fixture>": number } for an instant vector.
function byTarget(result) {
  const out = {};
  // Prometheus writes infinities as "+Inf" and "-Inf".
  for (const r of result) out[`${r.metric.job}/${r.metric.fixture}`] = Number(r.value[1].replace(/Inf$/, 'Infinity'));
  return out;
}

test('a real Prometheus server sees the leak through both exporters, and not on healthy services', {
  skip, timeout: 240000,
}, async (t) => {
  assert.ok(PROMETHEUS, 'prometheus is not installed: .ci/run installs the Debian package');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-prometheus-'));
  t.after(() => {
    for (const c of children) c.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const apps = {};
  for (const exporter of ['prom-client', 'otel']) {
    for (const fixture of ['leak', 'ok']) {
      // The leaking ones run with a 1 GiB heap: at 1 MB/s its limit is
      // ~17 min away, which the time-to-limit alert (under an hour) sees.
      apps[`${exporter}/${fixture}`] = await startApp({
        exporter, leakBytesPerSecond: fixture === 'leak' ? LEAK_RATE : 0, detector: DETECTOR,
      }, fixture === 'leak' ? [`--max-old-space-size=${HEAP_MIB}`] : []);
    }
  }
  const rules = fs.readFileSync(path.join(ROOT, 'docs/prometheus-rules.yml'), 'utf8')
    .replace(/for: \d+m/g, 'for: 0s');
  fs.writeFileSync(path.join(dir, 'rules.yml'), rules);
  const jobs = ['prom-client', 'otel'].map((exporter) => `
  - job_name: ${exporter}
    static_configs:
${['leak', 'ok'].map((fixture) => `      - targets: ['127.0.0.1:${apps[`${exporter}/${fixture}`].port}']
        labels: { fixture: ${fixture} }`).join('\n')}`).join('');
  fs.writeFileSync(path.join(dir, 'prometheus.yml'), `global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files: [rules.yml]
scrape_configs:${jobs}
`);
  const port = await freePort();
  const server = spawn(PROMETHEUS, [
    `--config.file=${path.join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${path.join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(server);
  let serverLog = '';
  server.stderr.on('data', (d) => { serverLog += d; });
  const base = `http://127.0.0.1:${port}`;

  const deadline = Date.now() + 180000;
  const wait = () => new Promise((r) => setTimeout(r, 1000));
  // Ready, and every target scraped successfully.
  for (;;) {
    assert.ok(Date.now() < deadline, `prometheus never became ready: ${serverLog}`);
    try {
      const up = byTarget(await query(base, 'up'));
      if (Object.keys(up).length === 4 && Object.values(up).every((v) => v === 1)) break;
    } catch {
      // not listening yet
    }
    await wait();
  }
  // The OpenTelemetry exporter names the attribute leakguard_memory_kind.
  const active = 'max by (job, fixture) (leakguard_leak_active{kind="heap"} or ' +
    'label_replace(leakguard_leak_active{leakguard_memory_kind="heap"}, "kind", "heap", "", ""))';
  let seen;
  for (;;) {
    seen = byTarget(await query(base, active));
    if (seen['prom-client/leak'] === 1 && seen['otel/leak'] === 1) break;
    assert.ok(Date.now() < deadline, `no leak seen by Prometheus: ${JSON.stringify(seen)}`);
    await wait();
  }
  const rate = byTarget(await query(base,
    'leakguard_growth_bytes_per_second{kind="heap"} or ' +
    'leakguard_memory_growth_rate{leakguard_memory_kind="heap"}'));
  for (const job of ['prom-client', 'otel']) {
    const r = rate[`${job}/leak`];
    assert.ok(Math.abs(r - LEAK_RATE) <= 0.5 * LEAK_RATE,
      `${job}: growth rate ${r} B/s is not within 50% of ${LEAK_RATE} B/s`);
  }
  // The documented alert fires for the leaking services only: the gauge
  // has the same name through both exporters, so one rule covers both.
  // The alerts named `name` once firing for both exporters' jobs.
  const firing = async (name) => {
    for (;;) {
      const body = await (await fetch(`${base}/api/v1/alerts`)).json();
      const alerts = body.data.alerts.filter((a) => a.labels.alertname === name && a.state === 'firing');
      const jobs = new Set(alerts.map((a) => a.labels.job));
      if (jobs.has('prom-client') && jobs.has('otel')) return alerts;
      assert.ok(Date.now() < deadline, `the ${name} alert never fired for both: ${JSON.stringify(alerts)}`);
      await wait();
    }
  };
  const alerts = await firing('MemoryLeak');
  const leaking = new Set(['prom-client/leak', 'otel/leak'].map((k) => `127.0.0.1:${apps[k].port}`));
  for (const a of alerts) assert.ok(leaking.has(a.labels.instance), JSON.stringify(a));
  // Time to limit: the same series name through both exporters; the heap's
  // limit at ~1 MB/s is under the 1 GiB heap limit's worth of seconds, and
  // the alert on it fires for the leaking services only.
  const ttl = byTarget(await query(base,
    'min by (job, fixture) (leakguard_time_to_limit_seconds{kind="heap"} or ' +
    'leakguard_time_to_limit{leakguard_memory_kind="heap"})'));
  for (const job of ['prom-client', 'otel']) {
    const s = ttl[`${job}/leak`];
    assert.ok(s > 0 && s < HEAP_MIB * 1.1 * 2 ** 20 / LEAK_RATE * 1.5, `${job}: time to limit ${s} s`);
  }
  // prom-client's healthy series is +Inf (OpenTelemetry's has no point).
  assert.equal(ttl['prom-client/ok'], Infinity, JSON.stringify(ttl));
  assert.equal(ttl['otel/ok'], undefined, JSON.stringify(ttl));
  const soon = await firing('MemoryLimitSoon');
  for (const a of soon) assert.ok(leaking.has(a.labels.instance), JSON.stringify(a));
  // The healthy services were scraped all along and never reported.
  const healthy = byTarget(await query(base,
    'max_over_time((leakguard_leak_active{kind="heap"} or ' +
    'leakguard_leak_active{leakguard_memory_kind="heap"})[10m:1s])'));
  assert.equal(healthy['prom-client/ok'], 0, JSON.stringify(healthy));
  assert.equal(healthy['otel/ok'], 0, JSON.stringify(healthy));
  // Scraped series of the GC histogram and the snapshot counters exist.
  const gc = await query(base, 'leakguard_gc_duration_seconds_count{job="prom-client"}');
  assert.ok(gc.length >= 2 * 4, JSON.stringify(gc));
  const otelGc = await query(base, 'v8js_gc_duration_count{job="otel"}');
  assert.ok(otelGc.length >= 2, JSON.stringify(otelGc));
});
