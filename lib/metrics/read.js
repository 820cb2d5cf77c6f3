'use strict';
// What leakguard/prometheus and leakguard/otel export, read from the addon
// at collection time: nothing here runs on a timer or per GC. One read per
// scrape: every collector of one registry.metrics() (or one OpenTelemetry
// collection) runs in the same tick, so the first one's read is shared by
// the others and dropped at the next microtask.
const { isMainThread, threadId } = require('../thread');
const binding = require('../binding');
const { makeError } = require('../errors');

const KINDS = ['heap', 'external', 'rss'];
// The native GC types folded into the `kind` values of prom-client's
// nodejs_gc_duration_seconds and OpenTelemetry's v8js.gc.type.
const GC_KINDS = {
  'mark-sweep-compact': 'major',
  scavenge: 'minor',
  'minor-mark-compact': 'minor',
  'incremental-marking': 'incremental',
  'weak-callbacks': 'weakcb',
};
const GC_KIND_NAMES = ['major', 'minor', 'incremental', 'weakcb'];
// Upper bounds of leakguard_gc_duration_seconds' buckets (seconds):
// prom-client's nodejs_gc_duration_seconds defaults, read from the addon
// that counts by them (src/core/monitor/gc_stats.h kGcDurationBoundsS).
const GC_DURATION_BOUNDS = binding.gcDurationBounds();
// The snapshot pause histogram's, likewise (snapshot_controller.h).
const SNAPSHOT_PAUSE_BOUNDS = binding.snapshotStats().metrics.pauseSeconds.bounds;
const TRIGGERS = ['api', 'signal', 'threshold', 'near-heap-limit', 'leak'];
const OUTCOMES = ['written', 'headroom', 'disk', 'cooldown', 'failed'];
const OUTCOME_LABELS = {
  written: 'written',
  headroom: 'refused_headroom',
  disk: 'refused_disk',
  cooldown: 'cooldown',
  failed: 'failed',
};

let cached = null;

// The state the collectors report, or null when there is nothing to say:
// not monitoring, and no snapshot was ever asked for. The addon's narrow
// read (metricsState): the detector's kinds and the drop counters; the GC
// counters only when `need.gc` (leakguard_gc_duration_seconds) and V8's
// spaces only when `need.spaces` (OTel's { runtime: true }). A collector
// that needs a part the shared read lacks reads that part once more.
function read(need = {}) {
  const gc = need.gc === true;
  const spaces = need.spaces === true;
  if (cached !== null) {
    const v = cached.value;
    if (v === null || ((!gc || v.stats.gc) && (!spaces || v.stats.spaces))) return v;
  }
  let value = null;
  try {
    const monitoring = require('../index').monitoring;
    const snaps = binding.snapshotStats();
    const used = snaps.enabled || Object.values(snaps.metrics.outcomes)
      .some((o) => OUTCOMES.some((k) => o[k] > 0));
    if (monitoring || used) {
      const had = cached !== null ? cached.value.stats : {};
      const stats = binding.metricsState(gc || had.gc !== undefined, spaces || had.spaces !== undefined);
      value = { monitoring, stats, snapshots: snaps.metrics };
    }
  } catch {
    // A collector never throws (the environment may be going away).
    value = null;
  }
  if (cached === null) queueMicrotask(() => { cached = null; });
  cached = { value };
  return value;
}

// Per-collector-kind views of one read.
// As exported: the live estimate in whole bytes; the confidence that the
// memory rises at the rate given, so 0 when that rate is not positive
// (Mann-Kendall can be sure of a rise that Theil-Sen's median slope puts
// at 0, as for a series of steps; a gauge pair saying "98% sure, 0 B/s"
// reads as a contradiction).
function detectorKinds(state) {
  if (state === null || !state.monitoring) return [];
  return KINDS.map((kind) => {
    const k = state.stats.detector.kinds[kind];
    return {
      kind,
      ...k,
      estimatedBase: Math.round(k.estimatedBase),
      confidence: k.bytesPerSecond > 0 ? k.confidence : 0,
    };
  });
}

// { major: { buckets: [non-cumulative x7], count, sum }, minor: ... } from
// heapStats().gc, the native per-type counters.
function gcHistograms(state) {
  if (state === null) return null;
  const out = {};
  for (const name of GC_KIND_NAMES) {
    out[name] = { buckets: new Array(GC_DURATION_BOUNDS.length + 1).fill(0), count: 0, sum: 0 };
  }
  for (const [type, kind] of Object.entries(GC_KINDS)) {
    const c = state.stats.gc[type];
    if (!c) continue;
    const h = out[kind];
    c.buckets.forEach((n, i) => { h.buckets[i] += n; });
    h.count += c.count;
    h.sum += c.totalPauseMs / 1000;
  }
  return out;
}

// The label every series of a worker carries, so that two isolates'
// metrics do not overwrite each other when they meet.
function threadLabels() {
  return isMainThread ? {} : { thread: String(threadId()) };
}

// The options object of `call` (e.g. "leakguard/otel register()"), {}
// when undefined; a TypeError for anything but a plain object of the
// `accepted` keys.
function optionsObject(call, opts, accepted) {
  if (opts === undefined) return {};
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts)) {
    throw makeError('ERR_INVALID_ARG_TYPE',
      `${call}: options must be an object with ${accepted.join(' and ')}`);
  }
  for (const key of Object.keys(opts)) {
    if (!accepted.includes(key)) {
      throw makeError('ERR_INVALID_ARG_TYPE',
        `${call}: unknown option '${key}' (accepted: ${accepted.join(', ')})`);
    }
  }
  return opts;
}

// require(name) for a peer dependency: the application's own copy, found
// from leakguard's place in its node_modules.
function peer(name, entry) {
  try {
    return require(name);
  } catch (cause) {
    if (cause && cause.code === 'MODULE_NOT_FOUND' && String(cause.message).includes(`'${name}'`)) {
      throw makeError('ERR_LEAKGUARD_PEER_MISSING',
        `${entry} needs ${name}, a peer dependency the application installs: npm install ${name}`,
        { cause });
    }
    throw cause;
  }
}

module.exports = {
  KINDS, GC_KINDS, GC_KIND_NAMES, GC_DURATION_BOUNDS, SNAPSHOT_PAUSE_BOUNDS, TRIGGERS, OUTCOMES,
  OUTCOME_LABELS,
  read, detectorKinds, gcHistograms, threadLabels, optionsObject, peer,
};
