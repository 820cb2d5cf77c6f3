'use strict';
// leakguard.timeline(): the data behind the report's chart, as plain JSON
// (save it with JSON.stringify and give it to `leakguard report
// --timeline`). Times are milliseconds since the epoch, sizes bytes.
//
//   { version, now, process: { pid, node, platform, arch, argv, startTime },
//     monitoring, windowMs, horizonsMs,
//     kinds: { heap|external|rss: { bucketMs, dropped, t, min, max, trend } },
//     episodes: [...], snapshots: [...], droppedEpisodes, droppedSnapshots,
//     bytes }
//
// Each kind is the native history (src/core/monitor/timeline.h): at most
// 2048 buckets, each the lowest and highest live-set sample in it (heap and
// external after each full GC, RSS at each sample), one second wide at
// first and doubling up to 64 s, so a day always fits. `trend` is the
// detector's current line over its short window: its value now
// (estimatedBase) and slope (bytesPerSecond).
const binding = require('../binding');

const VERSION = 1;
const KINDS = ['heap', 'external', 'rss'];

function series(native) {
  const p = native.points;
  const n = p.length / 3;
  const t = new Array(n);
  const min = new Array(n);
  const max = new Array(n);
  for (let i = 0; i < n; i++) {
    t[i] = Math.round(p[3 * i]);
    min[i] = p[3 * i + 1];
    max[i] = p[3 * i + 2];
  }
  return { bucketMs: native.bucketMs, dropped: native.dropped, t, min, max };
}

// The command line without its values: a report gets shared, and
// passwords and tokens are passed as arguments. Node's own options and the
// script stay; of the script's arguments only option names stay
// ("--token=***", "--user ***"): every other word may be a value.
function redactedArgv(argv0 = process.argv0, execArgv = process.execArgv, argv = process.argv) {
  const redact = (arg) => {
    if (!arg.startsWith('-') || arg === '-' || arg === '--') return arg.startsWith('-') ? arg : '***';
    const eq = arg.indexOf('=');
    return eq === -1 ? arg : `${arg.slice(0, eq)}=***`;
  };
  return [argv0, ...execArgv.map(redact), ...argv.slice(1, 2), ...argv.slice(2).map(redact)];
}

function processIdentity() {
  return {
    pid: process.pid,
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    argv: redactedArgv(),
    startTime: Math.round(Date.now() - process.uptime() * 1000),
    threadId: require('../thread').threadId(),
  };
}

function buildTimeline(guard, history) {
  const native = binding.timeline();
  const stats = guard.heapStats();
  const kinds = {};
  for (const kind of KINDS) {
    const d = stats.detector.kinds[kind];
    kinds[kind] = {
      ...series(native.kinds[kind]),
      trend: {
        estimatedBase: d.estimatedBase,
        bytesPerSecond: d.bytesPerSecond,
        confidence: d.confidence,
        samples: d.samples,
        leaking: d.leaking,
        verdict: d.verdict,
      },
    };
  }
  const opts = guard.options;
  const h = history.toJSON();
  return {
    version: VERSION,
    now: Date.now(),
    process: processIdentity(),
    monitoring: stats.monitoring,
    windowMs: opts.windowMs,
    horizonsMs: stats.detector.horizonsMs.slice(1),
    kinds,
    ...h,
    bytes: native.bytes,
  };
}

module.exports = { buildTimeline, processIdentity, redactedArgv, KINDS, VERSION };
