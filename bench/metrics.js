#!/usr/bin/env node
'use strict';
// The cost of leakguard's metrics, as ratios within one run.
//
//   node bench/metrics.js [--rounds 20] [--seconds 10] [--scrapes 2000]
//                         [--arms plain,metrics]
//
// 1. Scrape: the time of one registry.metrics() call on a registry with
//    prom-client's default metrics and leakguard's collectors, against a
//    registry with prom-client's default metrics alone (same process,
//    leakguard monitoring, blocks of scrapes alternated).
// 2. HTTP: two copies of a loopback HTTP service run side by side under one
//    keep-alive load generator (its own process, 16 connections to each),
//    so that both see the same machine at the same time; leakguard monitors
//    in both. One ('metrics') has leakguard/prometheus registered and its
//    /metrics scraped every second, the other ('plain') neither. Rounds in
//    fresh processes, alternating which starts first; the median of the
//    per-round throughput ratios with a bootstrap interval, and the ratio
//    of the services' own CPU time per request. Target: >= 0.99.
//    --arms plain,plain measures the method's own noise.
const { spawn, spawnSync } = require('node:child_process');
const http = require('node:http');
const path = require('node:path');
const { median, bootstrapMedian } = require('./heap-of-small-objects');

const ROOT = path.resolve(__dirname, '..');
const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};

if (process.argv[2] === '--scrape-child') {
  const client = require('prom-client');
  const leakguard = require(ROOT);
  const plain = new client.Registry();
  const ours = new client.Registry();
  client.collectDefaultMetrics({ register: plain });
  client.collectDefaultMetrics({ register: ours });
  require(path.join(ROOT, 'lib/metrics/prometheus')).register(ours);
  leakguard.start();
  const scrapes = Number(process.argv[3]);
  const block = 100;
  (async () => {
    // Some collections first, so that every series exists.
    for (let i = 0; i < 3; i++) leakguard.gc();
    for (let i = 0; i < 200; i++) { await plain.metrics(); await ours.metrics(); }
    const times = { plain: [], ours: [] };
    for (let b = 0; b < scrapes / block; b++) {
      for (const [name, reg] of b % 2 ? [['plain', plain], ['ours', ours]] : [['ours', ours], ['plain', plain]]) {
        const t0 = process.hrtime.bigint();
        for (let i = 0; i < block; i++) await reg.metrics();
        times[name].push(Number(process.hrtime.bigint() - t0) / 1e3 / block);
      }
    }
    const text = await ours.metrics();
    process.stdout.write(JSON.stringify({
      plainUs: median(times.plain), oursUs: median(times.ours),
      series: text.split('\n').filter((l) => l.startsWith('leakguard_')).length,
    }) + '\n');
    leakguard.stop();
  })();
  return;
}

if (process.argv[2] === '--server') {
  // The service: JSON responses with some allocation per request.
  const leakguard = require(ROOT);
  leakguard.on('leak', () => {});
  let registry = null;
  const mode = process.argv[3];
  if (mode === 'metrics' || mode === 'registered' || mode === 'required') {
    const client = require('prom-client');
    if (mode !== 'required') require(path.join(ROOT, 'lib/metrics/prometheus')).register(client.register);
    // 'registered' and 'required': the collectors (or only prom-client)
    // loaded, but /metrics is not served: what registration alone costs.
    if (mode === 'metrics') registry = client.register;
  }
  const server = http.createServer(async (req, res) => {
    if (req.url === '/metrics' && registry) {
      const text = await registry.metrics();
      res.writeHead(200, { 'content-type': registry.contentType });
      res.end(text);
      return;
    }
    const items = [];
    for (let i = 0; i < 50; i++) items.push({ id: i, name: `item-${i}`, tags: ['a', 'b'] });
    const body = JSON.stringify({ url: req.url, items });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  server.keepAliveTimeout = 60000;
  server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
  // What the service itself spent per request, all threads (leakguard's
  // included), from its first request on (start-up and module loading
  // excluded): less sensitive to the load generator sharing the cores.
  let served = 0;
  let cpu0 = null;
  server.on('request', () => {
    if (cpu0 === null) cpu0 = process.cpuUsage();
    served++;
  });
  process.on('SIGTERM', () => {
    const cpu = process.cpuUsage(cpu0 || undefined);
    process.stdout.write(JSON.stringify({ served, cpuUs: cpu.user + cpu.system }) + '\n');
    server.close();
    leakguard.stop();
    process.exit(0);
  });
  return;
}

if (process.argv[2] === '--load') {
  // The load generator: `connections` keep-alive loops per port, for
  // `seconds`, every port at once. Prints the requests each port served.
  const [seconds, connections, ...ports] = process.argv.slice(3).map(Number);
  const end = Date.now() + seconds * 1000;
  const done = ports.map(() => 0);
  const loops = [];
  ports.forEach((port, p) => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
    for (let c = 0; c < connections; c++) {
      loops.push(new Promise((resolve) => {
        const one = () => {
          if (Date.now() >= end) return resolve();
          http.get({ host: '127.0.0.1', port, path: '/api/items', agent }, (res) => {
            res.resume();
            res.on('end', () => { done[p]++; one(); });
          }).on('error', () => resolve());
        };
        one();
      }));
    }
  });
  Promise.all(loops).then(() => {
    process.stdout.write(JSON.stringify({ requests: done }) + '\n');
    process.exit(0);
  });
  return;
}

function startServer(mode) {
  const server = spawn(process.execPath, [__filename, '--server', mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const ready = new Promise((resolve) => server.stdout.once('data', (d) => resolve(Number(String(d).trim()))));
  server.stdout.on('data', (d) => { out += d; });
  return {
    ready,
    async stop() {
      server.kill('SIGTERM');
      await new Promise((r) => server.once('exit', r));
      return JSON.parse(out.trim().split('\n').pop());
    },
  };
}

// One round: both services at once under the same load generator (16
// connections each), so that they share the machine's conditions; the
// `with` one is scraped every second.
async function httpRound(without, withArm, seconds, swap) {
  // Which one starts first, and which port the load generator serves
  // first, alternate between rounds.
  let a;
  let b;
  if (swap) {
    b = startServer(withArm);
    a = startServer(without);
  } else {
    a = startServer(without);
    b = startServer(withArm);
  }
  const [portA, portB] = [await a.ready, await b.ready];
  let scrapes = 0;
  const scraper = setInterval(() => {
    http.get({ host: '127.0.0.1', port: portB, path: '/metrics' }, (res) => {
      res.resume();
      res.on('end', () => { scrapes++; });
    }).on('error', () => {});
  }, 1000);
  const ports = swap ? [portB, portA] : [portA, portB];
  const loader = spawn(process.execPath, [__filename, '--load', String(seconds), '16', ...ports.map(String)],
                       { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  loader.stdout.on('data', (d) => { out += d; });
  const status = await new Promise((r) => loader.once('exit', r));
  clearInterval(scraper);
  const [ua, ub] = [await a.stop(), await b.stop()];
  if (status !== 0) throw new Error(`load generator exited with ${status}`);
  const served = JSON.parse(out.trim()).requests;
  const requests = swap ? [served[1], served[0]] : served;
  return {
    a: { rps: requests[0] / seconds, cpuPerRequestUs: ua.cpuUs / ua.served },
    b: { rps: requests[1] / seconds, cpuPerRequestUs: ub.cpuUs / ub.served, scrapes },
  };
}

(async () => {
  const scrapes = arg('scrapes', 2000);
  const s = spawnSync(process.execPath, [__filename, '--scrape-child', String(scrapes)], { encoding: 'utf8' });
  if (s.status !== 0) throw new Error(s.stderr);
  const scrape = JSON.parse(s.stdout.trim());
  console.log(`scrape: prom-client default metrics ${scrape.plainUs.toFixed(1)} us, with leakguard's ` +
              `collectors ${scrape.oursUs.toFixed(1)} us (${scrape.series} leakguard series): ` +
              `ratio ${(scrape.oursUs / scrape.plainUs).toFixed(3)}, +${(scrape.oursUs - scrape.plainUs).toFixed(1)} us ` +
              `per scrape (median of ${scrapes / 100} blocks of 100)`);
  const pairs = arg('rounds', 20);
  const seconds = arg('seconds', 10);
  // --arms a,b compares two arms (plain,plain: the noise of the method).
  const i0 = process.argv.indexOf('--arms');
  const [without, withArm] = i0 > 0 ? process.argv[i0 + 1].split(',') : ['plain', 'metrics'];
  const ratios = [];
  const cpuRatios = [];
  for (let i = 0; i < pairs; i++) {
    const res = await httpRound(without, withArm, seconds, i % 2 === 1);
    ratios.push(res.b.rps / res.a.rps);
    cpuRatios.push(res.b.cpuPerRequestUs / res.a.cpuPerRequestUs);
    console.log(`round ${i + 1}: ${without} ${res.a.rps.toFixed(0)} req/s ` +
                `(${res.a.cpuPerRequestUs.toFixed(1)} us CPU each), ${withArm} ` +
                `${res.b.rps.toFixed(0)} req/s (${res.b.cpuPerRequestUs.toFixed(1)} us, ` +
                `${res.b.scrapes} scrapes): ratio ${(res.b.rps / res.a.rps).toFixed(3)}`);
  }
  const [lo, hi] = bootstrapMedian(ratios);
  console.log(`median throughput ratio (${withArm} / ${without}) over ${pairs} rounds of ${seconds} s: ` +
              `${median(ratios).toFixed(3)} (95% interval of the median ${lo.toFixed(3)}-${hi.toFixed(3)}; ` +
              `min ${Math.min(...ratios).toFixed(3)}, max ${Math.max(...ratios).toFixed(3)})`);
  console.log(`median ratio of the service's CPU time per request (${without} / ${withArm}): ` +
              `${(1 / median(cpuRatios)).toFixed(3)}`);
})();
