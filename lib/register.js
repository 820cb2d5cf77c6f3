'use strict';
// Preload: `node -r leakguard/register app.js` (or
// NODE_OPTIONS=--require=leakguard/register) turns on leak monitoring and
// heap snapshots from LEAKGUARD_* environment variables, and logs one JSON
// line per leak, snapshot or error to stderr.
//
// It must never take the application down: an invalid variable, or an
// addon that cannot load, prints one clear message and leaves the app
// running unmonitored.
//
//   LEAKGUARD_DIR              snapshot directory (default: the cwd)
//   LEAKGUARD_SIGNAL           SIGUSR2 (default), another allowed signal, or off
//   LEAKGUARD_HEAP_PERCENT     snapshot when heap used crosses this % of the limit
//   LEAKGUARD_HEAP_BYTES       ... crosses this size (512m, 2g, or bytes)
//   LEAKGUARD_RSS_BYTES        ... when RSS crosses this size
//   LEAKGUARD_NEAR_HEAP_LIMIT  1: one snapshot just before running out of heap
//   LEAKGUARD_SNAPSHOT_ON_LEAK 1: a snapshot on each 'leak' verdict
//   LEAKGUARD_MAX_FILES        snapshot files kept in the directory (default 5),
//                              and as many reports in LEAKGUARD_REPORT_DIR
//   LEAKGUARD_REPORT_DIR       an HTML report there at each 'leak' event
//   LEAKGUARD_COOLDOWN_MS      at most one automatic snapshot per (default 60000)
//   LEAKGUARD_MIN_FREE_DISK    refuse below this much free disk (default 0)
//   LEAKGUARD_NAME_TEMPLATE    file name template ({pid}, {tid}, {time}, {reason})
//   LEAKGUARD_SENSITIVITY      leak detector: low, medium (default) or high
//   LEAKGUARD_MEMORY_LIMIT     memoryLimitBytes: the RSS something else ends
//                              the process at (PM2's max_memory_restart)
//   LEAKGUARD_LOG              json (default), text or off
//   LEAKGUARD_METRICS          prometheus: leakguard's metrics in prom-client's
//                              default registry (the application's copy)
//   LEAKGUARD_DISABLE          1: load nothing
const fs = require('node:fs');
const path = require('node:path');
const { SNAPSHOT_SIGNALS } = require('./options');

const PREFIX = 'leakguard/register';

class EnvError extends Error {}

const UNITS = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };

function size(name, text) {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(text);
  if (!m) {
    throw new EnvError(`${name} must be a size such as 536870912, 512m or 2g, got "${text}"`);
  }
  const bytes = Math.floor(Number(m[1]) * UNITS[m[2].toLowerCase()]);
  if (!(bytes >= 1 && bytes <= Number.MAX_SAFE_INTEGER)) {
    throw new EnvError(`${name} is out of range: "${text}"`);
  }
  return bytes;
}

function integer(name, text, min, max) {
  if (!/^\s*\d+\s*$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new EnvError(`${name} must be an integer from ${min} to ${max}, got "${text}"`);
  }
  return Number(text);
}

function flag(name, text) {
  const t = text.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(t)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(t)) return false;
  throw new EnvError(`${name} must be 1 or 0 (true/false), got "${text}"`);
}

// Reads the environment into enableSnapshots() options and the log format.
// Throws EnvError naming the variable.
function readEnv(env) {
  const known = new Set([
    'LEAKGUARD_DIR', 'LEAKGUARD_SIGNAL', 'LEAKGUARD_HEAP_PERCENT',
    'LEAKGUARD_HEAP_BYTES', 'LEAKGUARD_RSS_BYTES', 'LEAKGUARD_NEAR_HEAP_LIMIT',
    'LEAKGUARD_SNAPSHOT_ON_LEAK', 'LEAKGUARD_MAX_FILES', 'LEAKGUARD_COOLDOWN_MS',
    'LEAKGUARD_MIN_FREE_DISK', 'LEAKGUARD_NAME_TEMPLATE', 'LEAKGUARD_LOG',
    'LEAKGUARD_DISABLE', 'LEAKGUARD_TEST_FAIL_AFTER_BYTES',
    'LEAKGUARD_SENSITIVITY', 'LEAKGUARD_MEMORY_LIMIT', 'LEAKGUARD_METRICS', 'LEAKGUARD_REPORT_DIR',
  ]);
  // A typo is worth a line, but not worth leaving the process unmonitored
  // (other leakguard tools may read variables of their own).
  const unknown = Object.keys(env).filter((n) => n.startsWith('LEAKGUARD_') && !known.has(n));
  // The preload keeps at most 5 files (the API keeps all); every other
  // default is enableSnapshots()'s (lib/options.js).
  const opts = {
    maxFiles: 5,
  };
  const get = (name) => (env[name] === undefined ? undefined : String(env[name]));
  let v;
  if ((v = get('LEAKGUARD_DIR')) !== undefined) {
    if (v.trim() === '') throw new EnvError('LEAKGUARD_DIR is empty');
    opts.dir = v;
  }
  if ((v = get('LEAKGUARD_SIGNAL')) !== undefined) {
    const s = v.trim().toUpperCase();
    if (['OFF', 'NONE', 'FALSE', '0'].includes(s)) {
      opts.signal = false;
    } else {
      const name = s.startsWith('SIG') ? s : `SIG${s}`;
      if (!SNAPSHOT_SIGNALS.includes(name)) {
        throw new EnvError(`LEAKGUARD_SIGNAL must be one of ${SNAPSHOT_SIGNALS.join(', ')} or off, got "${v}"`);
      }
      opts.signal = name;
    }
  }
  if ((v = get('LEAKGUARD_HEAP_PERCENT')) !== undefined) {
    const n = Number(v);
    if (v.trim() === '' || !(n >= 1 && n <= 100)) {
      throw new EnvError(`LEAKGUARD_HEAP_PERCENT must be a number from 1 to 100, got "${v}"`);
    }
    opts.heapUsedPercent = n;
  }
  if ((v = get('LEAKGUARD_HEAP_BYTES')) !== undefined) {
    opts.heapUsedBytes = size('LEAKGUARD_HEAP_BYTES', v);
  }
  if ((v = get('LEAKGUARD_RSS_BYTES')) !== undefined) {
    opts.rssBytes = size('LEAKGUARD_RSS_BYTES', v);
  }
  if ((v = get('LEAKGUARD_NEAR_HEAP_LIMIT')) !== undefined) {
    opts.nearHeapLimit = flag('LEAKGUARD_NEAR_HEAP_LIMIT', v);
  }
  if ((v = get('LEAKGUARD_SNAPSHOT_ON_LEAK')) !== undefined) {
    opts.onLeak = flag('LEAKGUARD_SNAPSHOT_ON_LEAK', v);
  }
  if ((v = get('LEAKGUARD_MAX_FILES')) !== undefined) {
    opts.maxFiles = integer('LEAKGUARD_MAX_FILES', v, 0, 1000000);
  }
  if ((v = get('LEAKGUARD_COOLDOWN_MS')) !== undefined) {
    opts.cooldownMs = integer('LEAKGUARD_COOLDOWN_MS', v, 0, 86400000);
  }
  if ((v = get('LEAKGUARD_MIN_FREE_DISK')) !== undefined) {
    opts.minFreeDiskBytes = size('LEAKGUARD_MIN_FREE_DISK', v);
  }
  if ((v = get('LEAKGUARD_NAME_TEMPLATE')) !== undefined) {
    opts.nameTemplate = v;
  }
  let monitor = null;
  if ((v = get('LEAKGUARD_SENSITIVITY')) !== undefined) {
    const level = v.trim().toLowerCase();
    if (!['low', 'medium', 'high'].includes(level)) {
      throw new EnvError(`LEAKGUARD_SENSITIVITY must be low, medium or high, got "${v}"`);
    }
    monitor = { sensitivity: level };
  }
  if ((v = get('LEAKGUARD_MEMORY_LIMIT')) !== undefined) {
    const bytes = size('LEAKGUARD_MEMORY_LIMIT', v);
    if (bytes < 1048576) throw new EnvError(`LEAKGUARD_MEMORY_LIMIT must be at least 1m, got "${v}"`);
    monitor = { ...monitor, memoryLimitBytes: bytes };
  }
  let log = 'json';
  if ((v = get('LEAKGUARD_LOG')) !== undefined) {
    log = v.trim().toLowerCase();
    if (!['json', 'text', 'off'].includes(log)) {
      throw new EnvError(`LEAKGUARD_LOG must be json, text or off, got "${v}"`);
    }
  }
  let metrics = null;
  if ((v = get('LEAKGUARD_METRICS')) !== undefined) {
    const m = v.trim().toLowerCase();
    if (!['prometheus', 'off', ''].includes(m)) {
      throw new EnvError(`LEAKGUARD_METRICS must be prometheus or off, got "${v}"`);
    }
    metrics = m === 'prometheus' ? m : null;
  }
  let reportDir = null;
  if ((v = get('LEAKGUARD_REPORT_DIR')) !== undefined) {
    if (v.trim() === '') throw new EnvError('LEAKGUARD_REPORT_DIR is empty');
    reportDir = v;
  }
  return { opts, monitor, log, unknown, metrics, reportDir };
}

// A value of a text-mode line, for a person: bytes in IEC units, times in
// s or ms, other numbers to three significant digits; objects as compact
// JSON (the records that hold big ones give a summary instead).
function textValue(key, x, formatBytes) {
  if (typeof x === 'number' && Number.isFinite(x)) {
    if (/bytes$|^growth$|^rss$|^external$/i.test(key)) return formatBytes(x);
    if (/Ms$/.test(key)) return x >= 10000 ? `${+(x / 1000).toPrecision(3)}s` : `${+x.toPrecision(3)}ms`;
    return Number.isInteger(x) ? String(x) : String(+x.toPrecision(3));
  }
  if (x instanceof Date) return x.toISOString();
  return typeof x === 'object' && x !== null ? JSON.stringify(x) : String(x);
}

// One line per record on stderr: JSON with every field, or (text) the
// record's summary when it has one, else its fields as key=value. Values
// come from the heap and from files (suspect sites, reasons, paths):
// control characters are escaped in both formats, so a record is always
// one line and cannot drive a terminal.
function logger(format) {
  if (format === 'off') return () => {};
  const { printable, printableJson } = require('./cli/printable');
  const formatBytes = (n) => require('./binding').formatBytes(n, 'iec');
  return (kind, fields, summary) => {
    const line = format === 'json'
      ? printableJson({ leakguard: kind, time: new Date().toISOString(), pid: process.pid, ...fields })
      : `leakguard ${kind}: ${printable(summary !== undefined ? summary : Object.entries(fields)
        .filter(([, x]) => x !== undefined)
        .map(([k, x]) => `${k}=${textValue(k, x, formatBytes)}`).join(' '))}`;
    process.stderr.write(line + '\n');
  };
}

// Where the application's own packages are resolved from: the entry
// point's directory (require.main, or argv[1] while the preload runs
// before the main module is loaded). Never the working directory: another
// user's directory could plant a module there (docs/security.md).
function applicationDirs() {
  const dirs = [];
  if (require.main && require.main.filename) dirs.push(path.dirname(require.main.filename));
  if (process.argv[1]) {
    let entry = path.resolve(process.argv[1]);
    try {
      entry = fs.realpathSync(entry);
    } catch {
      // not a file (node -e, a REPL): its directory still says where
    }
    dirs.push(path.dirname(entry));
  }
  return dirs;
}

// LEAKGUARD_METRICS=prometheus: the collectors go into the default
// registry of the application's prom-client (resolved from its entry
// point, then from leakguard's place), which its own /metrics route
// serves. Without prom-client, one warning and no metrics.
function registerPrometheus(log) {
  let file;
  for (const from of [...applicationDirs(), __dirname]) {
    try {
      file = require.resolve('prom-client', { paths: [from] });
      break;
    } catch {
      // try the next place
    }
  }
  if (file === undefined) {
    log('warning', {
      message: `${PREFIX}: LEAKGUARD_METRICS=prometheus, but the application has no ` +
        'prom-client (npm install prom-client); no metrics',
    });
    return;
  }
  require('./metrics/prometheus').register(require(file).register);
}

// LEAKGUARD_REPORT_DIR: one report per 'leak' event, at most one being
// written at a time (an event meanwhile is counted, and its episode is in
// the next report anyway).
function reportWriter(leakguard, dir, maxFiles, log) {
  let busy = false;
  let skipped = 0;
  return () => {
    if (busy) {
      skipped++;
      return;
    }
    busy = true;
    // A listener of the app's 'leak' events: whatever fails here is an
    // 'error' (or one warning), never a throw into the emitter.
    const failed = (cause) => {
      const err = cause instanceof Error ? cause : new Error(String(cause));
      err.message = `leakguard: report in ${dir} failed: ${err.message}`;
      leakguard.reportError(err, 'report');
    };
    let writing;
    try {
      writing = require('./report').reportInDir(leakguard, dir, maxFiles);
    } catch (err) {
      writing = Promise.reject(err);
    }
    writing.then((r) => {
      log('report', { path: r.path, bytes: r.bytes, removed: r.removed.length, skipped });
      skipped = 0;
    }, failed).finally(() => {
      busy = false;
    });
  };
}

// "createSession (app.js:22)": a suspect's function and the last part of
// its file, for a text line; the event's JSON has the whole stack.
function shortSite(s) {
  const site = String(s.site || s.what || '');
  const m = /^(.*) \((?:file:\/\/)?(.*?):(\d+):\d+\)$/.exec(site);
  return m ? `${m[1]} (${m[2].split('/').pop()}:${m[3]})` : site;
}

// The text line of a 'leak' event: the detector's sentence (rate, time
// to the limit) and the top three suspects, or why there are none yet.
function leakSummary(info) {
  const suspects = Array.isArray(info.suspects) && info.suspects.length > 0
    ? `suspects: ${info.suspects.slice(0, 3).map(shortSite).join(', ')}`
    : (info.suspectsError ? `no suspects: ${info.suspectsError}` : null);
  return [`${info.kind} (episode event ${info.sequence}): ${info.reason}`, suspects].filter(Boolean).join('; ');
}

// One line at start: what is armed, where it writes, what it watches.
function logArmed(leakguard, config, log) {
  const so = leakguard.snapshotOptions || {};
  const mo = leakguard.options || {};
  const triggers = [
    so.signal ? so.signal : null,
    so.heapUsedPercent ? `heap ${so.heapUsedPercent}%` : null,
    so.heapUsedBytes ? `heap ${require('./binding').formatBytes(so.heapUsedBytes, 'iec')}` : null,
    so.rssBytes ? `rss ${require('./binding').formatBytes(so.rssBytes, 'iec')}` : null,
    so.nearHeapLimit ? 'near the heap limit' : null,
    so.onLeak ? 'each leak' : null,
  ].filter(Boolean);
  const fields = {
    snapshots: triggers, dir: so.dir, maxFiles: so.maxFiles, cooldownMs: so.cooldownMs,
    detector: leakguard.monitoring ? 'on' : 'off', sensitivity: mo.sensitivity,
    reportDir: config.reportDir, metrics: config.metrics,
  };
  const summary = `snapshots on ${triggers.join(', ') || 'nothing'} \u2192 ${so.dir} ` +
    `(at most ${so.maxFiles || 'unlimited'} files, one per ${Math.round((so.cooldownMs || 0) / 1000)} s); ` +
    `leak detector ${fields.detector} (sensitivity ${mo.sensitivity})` +
    (config.reportDir ? `; reports in ${config.reportDir}` : '') +
    (config.metrics ? `; metrics: ${config.metrics}` : '');
  log('armed', fields, summary);
}

function register(env = process.env) {
  let config;
  let leakguard;
  // One guard around everything: a bad variable of any kind is one line,
  // and the application runs.
  try {
    if (env.LEAKGUARD_DISABLE !== undefined && flag('LEAKGUARD_DISABLE', String(env.LEAKGUARD_DISABLE))) {
      return null;
    }
    config = readEnv(env);
    leakguard = require('./index');
    const log = logger(config.log);
    leakguard.on('snapshot', (info) => log('snapshot', {
      trigger: info.trigger, reason: info.reason, path: info.path, bytes: info.bytes,
      pauseMs: Math.round(info.pauseMs), totalMs: Math.round(info.totalMs),
      nodes: info.nodes, skipped: info.skipped,
    }));
    leakguard.on('profile', (info) => log('profile', {
      path: info.path, pprofPath: info.pprofPath, durationMs: info.durationMs,
      samples: info.samples, top: info.sites.length > 0 ? info.sites[0].site : null,
    }));
    leakguard.on('leak', (info) => log('leak', info, leakSummary(info)));
    leakguard.on('leakEnd', (info) => log('leak-end', {
      kind: info.kind, growth: info.growth, durationMs: info.durationMs, flatMs: info.flatMs,
      cause: info.cause, reason: info.reason,
    }, `${info.kind} episode ended: ${info.reason}`));
    if (config.reportDir !== null) {
      // Checked now, not at the first leak: a directory that cannot hold
      // reports is one error line, and the rest runs without reports.
      const refused = require('./report').checkReportDir(config.reportDir);
      if (refused === null) {
        leakguard.on('leak', reportWriter(leakguard, config.reportDir, config.opts.maxFiles, log));
      } else {
        log('error', {
          code: refused.code,
          message: `leakguard: LEAKGUARD_REPORT_DIR ${config.reportDir} refused, no reports: ` +
            `${refused.code}: ${refused.message}`,
        });
      }
    }
    leakguard.on('error', (err) => log('error', {
      code: err.code, message: err.message,
      ...(err.syscall ? { syscall: err.syscall, path: err.path } : {}),
      ...(err.refused ? { refused: err.refused, retryMs: err.retryMs } : {}),
    }));
    if (config.monitor) leakguard.start(config.monitor);
    leakguard.enableSnapshots(config.opts);
    if (config.metrics === 'prometheus') registerPrometheus(log);
    logArmed(leakguard, config, log);
    if (config.unknown.length > 0) {
      // In the log's format, so that a JSON log stays one object per line.
      log('warning', {
        message: `${PREFIX}: ignoring unknown variable(s) ${config.unknown.join(', ')}`,
      });
    }
  } catch (err) {
    const why = err instanceof EnvError || err.code === 'ERR_INVALID_ARG_VALUE' ||
      err.code === 'ERR_OUT_OF_RANGE' || err.code === 'ERR_INVALID_ARG_TYPE'
      ? err.message : `${err.code ? `${err.code}: ` : ''}${err.message}`;
    process.stderr.write(`${PREFIX}: ${why}; this process runs without leakguard.\n`);
    try {
      if (leakguard) {
        leakguard.disableSnapshots();
        leakguard.stop();
        leakguard.removeAllListeners();
      }
    } catch {
      // Nothing more to undo.
    }
    return null;
  }
  return leakguard;
}

module.exports = { register, readEnv };

// Loaded with -r / --require: configure from the environment right away.
if (require.main !== module) register();
