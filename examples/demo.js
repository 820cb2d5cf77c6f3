'use strict';
// npm run demo: the whole story in under a minute. A small HTTP service
// keeps every request's context in a module-level Map; a loopback client
// loads it; leakguard notices the growth ('leak'), names the function that
// allocates what grows (explain: 'allocations', the default: V8's sampling
// heap profiler, no pause), and then the three-snapshot method
// (findLeaks) names the leaked class and the Map that holds it. The
// snapshots stay on disk for DevTools or `leakguard analyze`, and one HTML
// report (leakguard.report()) shows it all.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const leakguard = require('..');
const service = require('./leaky-service');

const MB = 1e6;
const fmt = (b) => (b >= MB / 10 ? `${(b / MB).toFixed(1)} MB` : `${Math.round(b / 1024)} KB`);
const started = Date.now();
const at = () => `${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s`;
// Stop waiting for the detector after this long (it needs ~15 s here).
const MAX_WAIT_MS = Number(process.env.DEMO_MAX_WAIT_MS || 45000);

function waitForSuspects() {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      leakguard.off('leak', onLeak);
      resolve(null);
    }, MAX_WAIT_MS);
    function onLeak(info) {
      console.log(`${at()}  [leak] ${info.reason}`);
      console.log(`         kind ${info.kind}, ${fmt(info.bytesPerSecond)}/s, ` +
                  `confidence ${(info.confidence * 100).toFixed(1)}%, ${info.samples} samples, ` +
                  `growing since ${info.start.toISOString()}`);
      if (info.suspects && info.suspects.length > 0) {
        console.log('         suspects (allocation sites whose live bytes grew: the function in which V8\n' +
                    '         sampled the allocation, at the line it is defined; small functions it calls,\n' +
                    '         such as a constructor, may be inlined into it):');
        for (const s of info.suspects) {
          if (s.site) {
            console.log(`           +${fmt(s.growth)} (${fmt(s.bytesPerSecond)}/s)  ${s.site}`);
            const caller = s.stack[s.stack.indexOf(s.site) + 1];
            if (caller) console.log(`             called from ${caller}`);
          } else {
            console.log(`           ${s.what.padEnd(16)} +${s.count} objects, +${fmt(s.bytes)}`);
          }
        }
        clearTimeout(timer);
        leakguard.off('leak', onLeak);
        resolve(info);
      } else {
        console.log(`         no suspects yet: ${info.suspectsError}`);
      }
    }
    leakguard.on('leak', onLeak);
  });
}

async function main() {
  console.log('leakguard demo: an HTTP service on 127.0.0.1 keeps every request\'s ' +
              'context in a module-level Map.\n');
  // Tuned so a demo shows a verdict in seconds; the defaults (5 min window,
  // 20 s warm-up, 60 s between events) suit production. See README.md.
  // A verdict in seconds also needs denser allocation samples than the
  // default (one per 512 KiB) to name the site by then: a site's growth
  // must span 9 samples, 4.5 MB of it at the default.
  leakguard.start({
    warmupMs: 3000, windowMs: 20000, sensitivity: 'high',
    minLeakIntervalMs: 5000, probeIntervalMs: 1000, allocationIntervalBytes: 128 * 1024,
  });
  leakguard.on('stats', (s) => {
    console.log(`${at()}  [stats] full GC #${s.num_full_gc}: live heap ${fmt(s.current_base)}, ` +
                `trend ${fmt(s.usage_trend)}/s`);
  });
  const svc = await service.start({ rps: 1000 });
  console.log(`${at()}  service on 127.0.0.1:${svc.port}, load 1000 req/s\n`);

  const leak = await waitForSuspects();
  leakguard.removeAllListeners('stats');
  // Two more seconds of load with the sampler on: the report's icicle of
  // live sampled bytes by stack.
  const profile = leak === null ? null : await leakguard.allocationProfile({ durationMs: 2000 });
  svc.pause();
  if (leak === null) {
    console.log(`\nno leak event with suspects within ${MAX_WAIT_MS / 1000} s (a very slow machine?)`);
  }

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-demo-'));
  console.log(`\n${at()}  three snapshots (findLeaks): baseline, 300 requests, target, ` +
              '300 more, final ...');
  const report = await leakguard.findLeaks({ run: () => svc.request(), iterations: 300, dir });
  const top = report.report.groups[0];
  if (top) {
    console.log(`${at()}  ${report.report.groups.length} group(s) leak; the largest:`);
    console.log(`         ${top.constructor} x ${top.count}, ${fmt(top.retained_size)} retained`);
    if (top.holder) console.log(`         held by ${top.holder.expression} (${top.holder.node})`);
    const retains = top.retains.slice(0, 3)
      .map((c) => `${c.what} x ${c.count} (${fmt(c.retained_size)})`).join(', ');
    if (retains) console.log(`         retains: ${retains}`);
    console.log(`         path: ${top.path}`);
  } else {
    console.log(`${at()}  no group above the noise threshold`);
  }
  console.log(`         snapshots kept in ${dir} (s1/s2/s3.heapsnapshot):`);
  console.log(`         npx leakguard analyze ${path.join(dir, 's1.heapsnapshot')} ` +
              `${path.join(dir, 's2.heapsnapshot')} ${path.join(dir, 's3.heapsnapshot')}`);

  // Everything above in one HTML file: the timeline with the episode, the
  // suspects, the groups and their paths (findLeaks' result is the default).
  const page = await leakguard.report({
    file: path.join(dir, 'report.html'), ...(profile ? { profile } : {}),
  });
  console.log(`\n${at()}  report: ${page.path} (${fmt(page.bytes)}; open it in a browser)`);

  await svc.stop();
  const h = leakguard.heapStats();
  console.log(`\n${svc.stats().retained} request contexts retained; GC: ${h.gc.num_full_gc} full ` +
              `(${h.detector.probesRequested} probes asked by the detector), ` +
              `${h.gc.totalPauseMs.toFixed(0)} ms total pause.`);
  leakguard.stop();
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
