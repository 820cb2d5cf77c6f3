#!/usr/bin/env node
'use strict';
// What leakguard costs when it is always on, next to the tools people run
// instead, in the same run (docs/overhead.md publishes the figures).
//
//   node bench/overhead.js [--workloads forced-gc,churn,http,big-heap,scrape]
//                          [--configs plain,leakguard,...] [--rounds 15]
//                          [--tools DIR] [--json FILE]
//
// Every run is a fresh child process. A round runs each configuration once,
// in a shuffled order, plain included; a configuration's ratio in that round
// is its figure over plain's. The table gives the median ratio over the
// rounds and the half-width of its bootstrap 95% interval (the spread).
//
// Configurations (leakguard's first, then the others):
//   plain              nothing loaded
//   leakguard          require('leakguard').on('leak', fn): monitoring alone
//   +sampler           monitoring with the allocation sampler on all the time
//                      (512 KiB, 64 frames)
//   +prometheus        monitoring, leakguard/prometheus in a prom-client
//                      registry, scraped every 15 s
//   +otel              monitoring, leakguard/otel on an SDK MeterProvider
//                      collected every 60 s
//   preload            node -r leakguard/register with snapshots on SIGUSR2,
//                      a report directory and LEAKGUARD_METRICS=prometheus
//   prom-client        collectDefaultMetrics(), scraped every 15 s
//   otel-runtime       @opentelemetry/instrumentation-runtime-node, every 60 s
//   pprof-heap         @datadog/pprof's heap profiler at 512 KiB, 64 frames
//   gc-stats           gc-stats with a 'stats' listener
//   memwatch           @airbnb/node-memwatch with a 'stats' listener
//
// prom-client and the OpenTelemetry packages are leakguard's devDependencies.
// The last three are not: install them where they build, in a scratch
// directory, and pass it as --tools:
//   mkdir /tmp/lgtools && cd /tmp/lgtools && npm init -y &&
//   npm_config_nodedir=$(node -p "path.resolve(process.execPath,'../..')") \
//     npm install @datadog/pprof@5 gc-stats@1.4.1 @airbnb/node-memwatch@3.0.0
// A configuration whose package does not load on this Node is left out of
// the table with the reason.
//
// Workloads:
//   forced-gc  8 rounds of 2,500 gc({type:'minor'}) and 25 gc() over a
//              20 MB live set: cost per scavenge and per full GC
//   churn      bench/gc-overhead.js's allocation churn: fixed work, wall time
//   http       a JSON service on loopback under a keep-alive load generator
//              (16 connections, another process): throughput and p99
//   big-heap   a 1 GB live heap (--max-old-space-size=2048) with young churn
//              and 3 forced full GCs: throughput and the full GC's pause
//   scrape     one process: a prom-client registry with collectDefaultMetrics
//              against one with leakguard/prometheus alone, alternating
//              blocks of 100 registry.metrics() calls
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('node:util');
const { median, bootstrapMedian } = require('./heap-of-small-objects');

// --root runs another checkout's leakguard (built there): the "before" of a
// change, in the same run.
const rootArg = process.argv.indexOf('--root');
const ROOT = rootArg > 0 ? path.resolve(process.argv[rootArg + 1]) : path.resolve(__dirname, '..');
const noop = () => {};

const CONFIGS = ['plain', 'leakguard', '+sampler', '+prometheus', '+otel', 'preload',
                 'prom-client', 'otel-runtime', 'pprof-heap', 'gc-stats', 'memwatch'];
const WORKLOADS = ['forced-gc', 'churn', 'http', 'big-heap'];

// ---------------------------------------------------------------- the child

function toolRequire(tools, name) {
  if (!tools) throw new Error(`${name} needs --tools (see the comment at the top)`);
  return require(require.resolve(name, { paths: [tools] }));
}

// Sets the configuration up in this process; returns the scrape (or null).
async function setup(config, tools) {
  const lg = () => require(ROOT);
  switch (config) {
    case 'plain':
    case 'preload':
      return null;
    case 'leakguard':
      lg().on('leak', noop);
      return null;
    case '+sampler':
      lg().on('leak', noop);
      require(path.join(ROOT, 'lib', 'sampling', 'allocations')).sampler.acquire(512 * 1024, 64);
      return null;
    case '+prometheus': {
      lg().on('leak', noop);
      const client = require('prom-client');
      const registry = new client.Registry();
      require(path.join(ROOT, 'lib', 'metrics', 'prometheus')).register(registry);
      return { every: 15000, scrape: () => registry.metrics() };
    }
    case '+otel':
    case 'otel-runtime': {
      const { MeterProvider, MetricReader } = require('@opentelemetry/sdk-metrics');
      class Reader extends MetricReader {
        async onForceFlush() {}
        async onShutdown() {}
      }
      const reader = new Reader();
      const provider = new MeterProvider({ readers: [reader] });
      if (config === '+otel') {
        lg().on('leak', noop);
        require(path.join(ROOT, 'lib', 'metrics', 'otel')).register(provider);
      } else {
        const { RuntimeNodeInstrumentation } = require('@opentelemetry/instrumentation-runtime-node');
        const inst = new RuntimeNodeInstrumentation();
        inst.setMeterProvider(provider);
        inst.enable();
      }
      return { every: 60000, scrape: () => reader.collect() };
    }
    case 'prom-client': {
      const client = require('prom-client');
      const registry = new client.Registry();
      client.collectDefaultMetrics({ register: registry });
      return { every: 15000, scrape: () => registry.metrics() };
    }
    case 'pprof-heap':
      toolRequire(tools, '@datadog/pprof').heap.start(512 * 1024, 64);
      return null;
    case 'gc-stats':
      toolRequire(tools, 'gc-stats')().on('stats', noop);
      return null;
    case 'memwatch':
      toolRequire(tools, '@airbnb/node-memwatch').on('stats', noop);
      return null;
    default:
      throw new Error(`unknown configuration ${config}`);
  }
}

// Configurations that can be switched on and off inside one process, for
// the toggled forced-GC measurement: { on(), off() }.
function toggles(config, tools) {
  const lg = () => require(ROOT);
  const monitor = {
    on: () => lg().on('leak', noop),
    off: () => { lg().off('leak', noop); lg().stop(); },
  };
  switch (config) {
    case 'leakguard':
      return monitor;
    case '+sampler': {
      const { sampler } = require(path.join(ROOT, 'lib', 'sampling', 'allocations'));
      return { on: () => { monitor.on(); sampler.acquire(512 * 1024, 64); },
               off: () => { sampler.release(); monitor.off(); } };
    }
    case 'pprof-heap': {
      const { heap } = toolRequire(tools, '@datadog/pprof');
      return { on: () => heap.start(512 * 1024, 64), off: () => heap.stop() };
    }
    case 'otel-runtime': {
      const { MeterProvider } = require('@opentelemetry/sdk-metrics');
      const { RuntimeNodeInstrumentation } = require('@opentelemetry/instrumentation-runtime-node');
      const inst = new RuntimeNodeInstrumentation({ enabled: false });
      inst.setMeterProvider(new MeterProvider());
      return { on: () => inst.enable(), off: () => inst.disable() };
    }
    default:
      return null;
  }
}
const TOGGLED = ['leakguard', '+sampler', 'pprof-heap', 'otel-runtime'];

// The tool on and off in alternating blocks of one process (which goes
// first alternates), after a few collections to let each switch settle:
// per pair, the block's cost per GC on over off. Processes differ by ±10%
// in their GC times here (heap layout, cores), adjacent blocks by little.
const turn = () => new Promise((resolve) => setImmediate(resolve));

async function forcedGcToggled(config, tools, pairs) {
  const t = toggles(config, tools);
  const keep = [];
  for (let i = 0; i < 100000; i++) keep.push({ i, s: `item-${i}`, list: [i] });
  // The event loop turns after every 5th scavenge and every full GC, so
  // that what a tool does in JavaScript after a collection (events,
  // observers) is counted too.
  const scavenges = async (n) => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) {
      keep[(i * 31) % 1000].tmp = { i };
      globalThis.gc({ type: 'minor' });
      if (i % 5 === 4) await turn();
    }
    return (ms(t0) * 1000) / n;
  };
  const fulls = async (n) => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) {
      globalThis.gc();
      await turn();
    }
    return (ms(t0) * 1000) / n;
  };
  let state = false;
  const set = async (on) => {
    if (on !== state) {
      if (on) t.on(); else t.off();
      state = on;
    }
    await scavenges(20);
    await fulls(1);
  };
  await scavenges(500);
  await fulls(5);
  const scav = [];
  const full = [];
  for (let p = 0; p < pairs; p++) {
    const order = p % 2 ? [false, true] : [true, false];
    const s = {};
    const f = {};
    for (const on of order) { await set(on); s[on] = await scavenges(50); }
    for (const on of [...order].reverse()) { await set(on); f[on] = await fulls(2); }
    scav.push(s.true / s.false);
    full.push(f.true / f.false);
  }
  await set(false);
  return { perScavengeUs: median(scav), perFullGcUs: median(full) };
}

function resources() {
  const cpu = process.cpuUsage();  // every thread of the process
  // RSS at the end split into anonymous memory and file pages (mostly
  // node's own code, shared with every other node process).
  let anonMb = NaN;
  let fileMb = NaN;
  try {
    const s = fs.readFileSync('/proc/self/smaps_rollup', 'utf8');
    const kb = (k) => Number((s.match(new RegExp(`^${k}:\\s+(\\d+)`, 'm')) || [])[1]);
    anonMb = kb('Anonymous') / 1024;
    fileMb = (kb('Rss') - kb('Anonymous')) / 1024;
  } catch {}
  return { cpuMs: (cpu.user + cpu.system) / 1e3, maxRssMb: process.resourceUsage().maxRSS / 1024, anonMb, fileMb };
}

const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;

// Per GC, the median of batches within the run: a batch that the machine's
// other work preempted is one outlier among 200, not a shift of the total.
async function forcedGc() {
  const keep = [];
  for (let i = 0; i < 100000; i++) keep.push({ i, s: `item-${i}`, list: [i] });
  globalThis.gc();
  const scavengeBatches = [];
  const fulls = [];
  const t0 = process.hrtime.bigint();
  for (let round = 0; round < 8; round++) {
    for (let b = 0; b < 25; b++) {
      const t = process.hrtime.bigint();
      for (let i = 0; i < 100; i++) {
        // A little young garbage, so that each scavenge has something to do.
        keep[(i * 31 + round) % 1000].tmp = { round, i };
        globalThis.gc({ type: 'minor' });
        if (i % 5 === 4) await turn();
      }
      scavengeBatches.push(ms(t) * 10);  // µs per scavenge
    }
    for (let i = 0; i < 25; i++) {
      const t = process.hrtime.bigint();
      globalThis.gc();
      await turn();
      fulls.push(ms(t) * 1000);
    }
  }
  return { wallMs: ms(t0), perScavengeUs: median(scavengeBatches), perFullGcUs: median(fulls), sink: keep.length };
}

function churn(rounds = 60) {
  const old = new Array(200000);
  let sink = 0;
  const t0 = process.hrtime.bigint();
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < 200000; i++) {
      const o = { id: i, name: `obj-${i}`, list: [i, round] };
      if (i % 4 === 0) old[(i * 7 + round) % old.length] = o;
      sink += o.list.length;
    }
  }
  const wallMs = ms(t0);
  return { wallMs, throughput: (rounds * 200000) / wallMs, sink };
}

async function bigHeap() {
  // ~1 GB of small objects that stay, then young churn over it and three
  // full collections.
  const live = [];
  const target = 1024 * 1024 * 1024;
  const heapUsed = () => process.memoryUsage().heapUsed;
  while (heapUsed() < target) {
    const chunk = new Array(100000);
    for (let i = 0; i < chunk.length; i++) chunk[i] = { i, s: `v${i}`, a: [i, i + 1] };
    live.push(chunk);
  }
  globalThis.gc();
  const work = churn(20);
  let fullMs = 0;
  for (let i = 0; i < 3; i++) {
    const t = process.hrtime.bigint();
    globalThis.gc();
    fullMs += ms(t);
  }
  return { wallMs: work.wallMs, throughput: work.throughput, perFullGcUs: (fullMs * 1000) / 3,
           heapMb: heapUsed() / 1048576, sink: live.length + work.sink };
}

function httpServer(done) {
  const http = require('node:http');
  let requests = 0;
  const server = http.createServer((req, res) => {
    if (req.url === '/__done') {
      res.end(JSON.stringify({ ...resources(), requests }));
      server.close();
      server.closeAllConnections();
      done();
      return;
    }
    requests++;
    const items = [];
    for (let i = 0; i < 40; i++) items.push({ id: i, name: `item-${i}`, tags: ['a', 'b'], at: Date.now() });
    const body = JSON.stringify({ url: req.url, items });
    res.setHeader('content-type', 'application/json');
    res.end(body);
  });
  server.keepAliveTimeout = 60000;
  server.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`));
}

// The load generator: `conns` keep-alive connections, for warm + measure ms.
async function loadgen(port, warmMs, measureMs, conns) {
  const http = require('node:http');
  const agent = new http.Agent({ keepAlive: true, maxSockets: conns });
  const lat = [];
  let measuring = false;
  let stop = false;
  const one = () => new Promise((resolve, reject) => {
    const t = process.hrtime.bigint();
    http.get({ host: '127.0.0.1', port, path: '/items', agent }, (res) => {
      res.on('data', noop);
      res.on('end', () => {
        if (measuring) lat.push(ms(t));
        resolve();
      });
    }).on('error', reject);
  });
  const loop = async () => { while (!stop) await one(); };
  const loops = Array.from({ length: conns }, loop);
  await new Promise((r) => setTimeout(r, warmMs));
  measuring = true;
  const t0 = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, measureMs));
  measuring = false;
  const elapsed = ms(t0);
  stop = true;
  await Promise.all(loops);
  agent.destroy();
  lat.sort((a, b) => a - b);
  return { throughput: lat.length / elapsed, p99Ms: lat[Math.floor(lat.length * 0.99)] };
}

async function child(workload, config, tools) {
  const scrape = workload === 'forced-gc-toggled' ? null : await setup(config, tools);
  let scrapes = 0;
  if (scrape) {
    const timer = setInterval(() => { scrapes++; scrape.scrape(); }, scrape.every);
    timer.unref();
  }
  const out = (r) => process.stdout.write(`${JSON.stringify({ ...r, ...resources(), scrapes })}\n`);
  if (workload === 'forced-gc') out(await forcedGc());
  else if (workload === 'forced-gc-toggled') out(await forcedGcToggled(config, tools, Number(process.env.LEAKGUARD_BENCH_PAIRS) || 150));
  else if (workload === 'churn') out(churn());
  else if (workload === 'big-heap') out(await bigHeap());
  else if (workload === 'http') {
    await new Promise((resolve) => httpServer(resolve));
  }
}

// ---------------------------------------------------------------- the parent

// Half-width of a bootstrap 95% interval of the median, relative to it.
function spread(xs) {
  if (xs.length < 3) return NaN;
  const [lo, hi] = bootstrapMedian(xs);
  return (hi - lo) / 2 / median(xs);
}

function shuffle(xs, round) {
  const a = [...xs];
  let seed = round * 7919 + 17;
  for (let i = a.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const j = seed % (i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

function childArgs(workload, config, tools) {
  const node = [];
  if (/forced-gc|big-heap/.test(workload)) node.push('--expose-gc');
  if (workload === 'big-heap') node.push('--max-old-space-size=2048');
  if (config === 'preload') node.push('-r', path.join(ROOT, 'lib', 'register.js'));
  const root = rootArg > 0 ? ['--root', ROOT] : [];
  return [...node, __filename, '--child', workload, config, tools || '', ...root];
}

function childEnv(config, scratch) {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('LEAKGUARD_')) delete env[k];
  if (config === 'preload') {
    Object.assign(env, { LEAKGUARD_DIR: scratch, LEAKGUARD_REPORT_DIR: scratch, LEAKGUARD_METRICS: 'prometheus',
                         LEAKGUARD_LOG: 'off' });
  }
  return env;
}

function runOnce(workload, config, tools, scratch, extraEnv = {}) {
  const r = spawnSync(process.execPath, childArgs(workload, config, tools),
                      { encoding: 'utf8', env: { ...childEnv(config, scratch), ...extraEnv }, maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`${workload}/${config} failed: ${(r.stderr || '').trim().split('\n').slice(-3).join(' | ')}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

async function runHttp(config, tools, scratch, measureMs) {
  const server = spawn(process.execPath, childArgs('http', config, tools),
                       { env: childEnv(config, scratch), stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  server.stderr.on('data', (d) => { err += d; });
  const first = new Promise((resolve, reject) => {
    let buf = '';
    server.stdout.on('data', (d) => {
      buf += d;
      const i = buf.indexOf('\n');
      if (i >= 0) resolve(JSON.parse(buf.slice(0, i)));
    });
    server.on('exit', (code) => reject(new Error(`http/${config} exited ${code}: ${err.trim()}`)));
  });
  const { port } = await first;
  const gen = spawnSync(process.execPath, [__filename, '--loadgen', String(port), '1000', String(measureMs), '16'],
                        { encoding: 'utf8' });
  if (gen.status !== 0) throw new Error(`loadgen failed: ${gen.stderr}`);
  const load = JSON.parse(gen.stdout.trim().split('\n').pop());
  const res = await new Promise((resolve, reject) => {
    require('node:http').get({ host: '127.0.0.1', port, path: '/__done' }, (r) => {
      let body = '';
      r.on('data', (d) => { body += d; });
      r.on('end', () => resolve(JSON.parse(body)));
    }).on('error', reject);
  });
  await new Promise((r) => server.exitCode !== null ? r() : server.on('exit', r));
  return { ...res, ...load, cpuMsPerKReq: (res.cpuMs / res.requests) * 1000 };
}

// Which configurations load here (a tool that does not build is left out).
function available(configs, tools) {
  const ok = [];
  const skipped = {};
  for (const c of configs) {
    const pkg = { 'pprof-heap': '@datadog/pprof', 'gc-stats': 'gc-stats', memwatch: '@airbnb/node-memwatch' }[c];
    if (!pkg) { ok.push(c); continue; }
    const r = spawnSync(process.execPath,
                        ['-e', `require(require.resolve(${JSON.stringify(pkg)}, { paths: [${JSON.stringify(tools || '/nonexistent')}] }))`],
                        { encoding: 'utf8' });
    if (r.status === 0) ok.push(c);
    else skipped[c] = (r.stderr || '').split('\n').find((l) => /Error|error/.test(l)) || `exit ${r.status}`;
  }
  return { ok, skipped };
}

const METRICS = {
  'forced-gc': [['perScavengeUs', 'per scavenge'], ['perFullGcUs', 'per full GC'], ['wallMs', 'wall'],
                ['cpuMs', 'CPU'], ['maxRssMb', 'peak RSS'], ['anonMb', 'anon RSS at end'], ['fileMb', 'file RSS at end']],
  churn: [['wallMs', 'wall'], ['cpuMs', 'CPU'], ['maxRssMb', 'peak RSS']],
  http: [['throughput', 'throughput'], ['p99Ms', 'p99'], ['cpuMsPerKReq', 'CPU per request'], ['maxRssMb', 'peak RSS']],
  'big-heap': [['throughput', 'throughput'], ['perFullGcUs', 'per full GC'], ['cpuMs', 'CPU'], ['maxRssMb', 'peak RSS']],
};

function fmt(x, digits = 3) {
  return Number.isFinite(x) ? x.toFixed(digits) : '—';
}

async function scrapeCost(rounds) {
  const client = require('prom-client');
  const lg = require(ROOT);
  lg.on('leak', noop);
  const defaults = new client.Registry();
  client.collectDefaultMetrics({ register: defaults });
  const ours = new client.Registry();
  require(path.join(ROOT, 'lib', 'metrics', 'prometheus')).register(ours);
  const block = async (reg) => {
    const t = process.hrtime.bigint();
    for (let i = 0; i < 100; i++) await reg.metrics();
    return ms(t) * 10;  // µs per call
  };
  await block(defaults);
  await block(ours);
  const a = [];
  const b = [];
  for (let r = 0; r < rounds; r++) {
    if (r % 2) { a.push(await block(defaults)); b.push(await block(ours)); } else { b.push(await block(ours)); a.push(await block(defaults)); }
  }
  const ratios = a.map((x, i) => b[i] / x);
  const series = (await ours.getMetricsAsJSON()).reduce((n, m) => n + m.values.length, 0);
  const defSeries = (await defaults.getMetricsAsJSON()).reduce((n, m) => n + m.values.length, 0);
  return { defaultsUs: median(a), leakguardUs: median(b), ratio: median(ratios), spread: spread(ratios), series,
           defSeries };
}

async function main() {
  const { values } = parseArgs({
    options: {
      workloads: { type: 'string', default: 'forced-gc-toggled,forced-gc,churn,http,big-heap,scrape' },
      root: { type: 'string' },
      configs: { type: 'string', default: CONFIGS.join(',') },
      rounds: { type: 'string', default: '15' },
      pairs: { type: 'string', default: '150' },
      'http-ms': { type: 'string', default: '4000' },
      tools: { type: 'string' },
      json: { type: 'string' },
    },
  });
  const rounds = Number(values.rounds);
  const pairs = Number(values.pairs);
  const tools = values.tools && path.resolve(values.tools);
  const wanted = values.configs.split(',');
  if (!wanted.includes('plain')) wanted.unshift('plain');
  for (const c of wanted) if (!CONFIGS.includes(c)) throw new Error(`--configs: unknown ${c}; one of ${CONFIGS.join(', ')}`);
  const { ok: configs, skipped } = available(wanted, tools);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-overhead-'));
  const results = { node: process.version, cpus: os.cpus().length, cpu: os.cpus()[0].model, date: new Date().toISOString(),
                    rounds, skipped, workloads: {} };
  console.log(`# node ${process.version}, ${results.cpus} × ${results.cpu}, ${rounds} rounds, load ${os.loadavg()[0].toFixed(2)}`);
  for (const [c, why] of Object.entries(skipped)) console.log(`# ${c} left out: ${why}`);
  for (const workload of values.workloads.split(',')) {
    if (workload === 'scrape') {
      const s = await scrapeCost(Math.max(rounds, 20));
      results.workloads.scrape = s;
      console.log(`\n## scrape: one registry.metrics(), µs (median of ${Math.max(rounds, 20)} blocks of 100)`);
      console.log(`collectDefaultMetrics (${s.defSeries} series) ${fmt(s.defaultsUs, 0)} µs; leakguard/prometheus ` +
                  `(${s.series} series) ${fmt(s.leakguardUs, 0)} µs; ratio ${fmt(s.ratio)} ±${fmt(s.spread * 100, 1)}%`);
      continue;
    }
    if (workload === 'forced-gc-toggled') {
      const rows = {};
      console.log(`\n## forced-gc, toggled in one process: per GC, on over off (median of ${pairs} pairs per ` +
                  `process; median over ${rounds} processes ± half the 95% interval)`);
      console.log('| configuration | per scavenge | per full GC |');
      console.log('|---|---|---|');
      for (const c of configs.filter((x) => TOGGLED.includes(x))) {
        const runs = [];
        for (let r = 0; r < rounds; r++) {
          runs.push(runOnce(workload, c, tools, scratch, { LEAKGUARD_BENCH_PAIRS: String(pairs) }));
          process.stderr.write(`${workload} ${c}: ${r + 1}/${rounds}\r`);
        }
        const cell = (key) => {
          const xs = runs.map((x) => x[key]);
          return { ratio: median(xs), spread: spread(xs) };
        };
        rows[c] = { perScavengeUs: cell('perScavengeUs'), perFullGcUs: cell('perFullGcUs'), runs };
        console.log(`| ${c} | ${fmt(rows[c].perScavengeUs.ratio)} ±${fmt(rows[c].perScavengeUs.spread * 100, 1)}% | ` +
                    `${fmt(rows[c].perFullGcUs.ratio)} ±${fmt(rows[c].perFullGcUs.spread * 100, 1)}% |`);
      }
      results.workloads[workload] = rows;
      continue;
    }
    if (!WORKLOADS.includes(workload)) throw new Error(`--workloads: unknown ${workload}`);
    const raw = Object.fromEntries(configs.map((c) => [c, []]));
    for (let round = 0; round < rounds; round++) {
      for (const c of shuffle(configs, round)) {
        raw[c].push(workload === 'http'
          ? await runHttp(c, tools, scratch, Number(values['http-ms']))
          : runOnce(workload, c, tools, scratch));
      }
      process.stderr.write(`${workload}: round ${round + 1}/${rounds}\r`);
    }
    const metrics = METRICS[workload];
    const table = {};
    console.log(`\n## ${workload}: ratio to plain, median over ${rounds} rounds (± half the 95% interval)`);
    console.log(`| configuration | ${metrics.map((m) => m[1]).join(' | ')} | peak RSS, MB more |`);
    console.log(`|---|${metrics.map(() => '---').join('|')}|---|`);
    for (const c of configs) {
      const row = {};
      for (const [key] of metrics) {
        const ratios = raw[c].map((r, i) => r[key] / raw.plain[i][key]);
        row[key] = { ratio: median(ratios), spread: spread(ratios), plain: median(raw.plain.map((r) => r[key])),
                     value: median(raw[c].map((r) => r[key])) };
      }
      row.extraRssMb = median(raw[c].map((r, i) => r.maxRssMb - raw.plain[i].maxRssMb));
      table[c] = row;
      const cells = metrics.map(([key]) => c === 'plain'
        ? fmt(row[key].plain, key === 'maxRssMb' ? 1 : 2)
        : `${fmt(row[key].ratio)} ±${fmt(row[key].spread * 100, 1)}%`);
      console.log(`| ${c} | ${cells.join(' | ')} | ${c === 'plain' ? '' : fmt(row.extraRssMb, 1)} |`);
    }
    results.workloads[workload] = { table, raw };
  }
  if (values.json) fs.writeFileSync(values.json, JSON.stringify(results, null, 1));
  fs.rmSync(scratch, { recursive: true, force: true });
}

if (process.argv[2] === '--child') {
  child(process.argv[3], process.argv[4], process.argv[5] || null).catch((e) => {
    console.error(e);
    process.exit(1);
  });
} else if (process.argv[2] === '--loadgen') {
  const [port, warm, measure, conns] = process.argv.slice(3).map(Number);
  loadgen(port, warm, measure, conns).then((r) => process.stdout.write(`${JSON.stringify(r)}\n`));
} else {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
