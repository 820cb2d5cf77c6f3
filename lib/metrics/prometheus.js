'use strict';
// leakguard/prometheus: leakguard's verdicts and counters as prom-client
// metrics. register() adds collectors to a registry; they read leakguard's
// state when the registry is scraped (lib/metrics/read.js), and nothing runs in
// between. prom-client is a peer dependency: the application's copy.
//
//   const client = require('prom-client');
//   require('leakguard/prometheus').register(client.register);
//
// docs/metrics.md lists every metric with its type, unit and labels.
const options = require('../options');
const metrics = require('./read');
const { makeError } = require('../errors');

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
// Labels of our own: a user label of the same name would be overwritten.
const OWN_LABELS = new Set(['kind', 'trigger', 'outcome', 'thread', 'le']);

// One registration per registry and prefix: a second register() returns
// the first handle instead of failing on the duplicate names.
const registered = new WeakMap();  // registry -> Map(prefix -> handle)

function checkArgs(registry, opts) {
  if (registry === null || typeof registry !== 'object' ||
      typeof registry.registerMetric !== 'function' ||
      typeof registry.removeSingleMetric !== 'function') {
    throw makeError('ERR_INVALID_ARG_TYPE',
      'leakguard/prometheus register(): registry must be a prom-client Registry ' +
        '(for example require(\'prom-client\').register)');
  }
  opts = metrics.optionsObject('leakguard/prometheus register()', opts, ['prefix', 'labels', 'gcHistogram']);
  if (opts.gcHistogram !== undefined && typeof opts.gcHistogram !== 'boolean') {
    throw makeError('ERR_INVALID_ARG_TYPE',
      'leakguard/prometheus register(): options.gcHistogram must be true or false, ' +
        `got ${options.describe(opts.gcHistogram)}`);
  }
  const prefix = opts.prefix === undefined ? '' : opts.prefix;
  if (typeof prefix !== 'string' || (prefix !== '' && !NAME.test(prefix))) {
    throw makeError('ERR_INVALID_ARG_TYPE',
      'leakguard/prometheus register(): options.prefix must be a string of letters, ' +
        `digits, '_' and ':' not starting with a digit, got ${options.describe(prefix)}`);
  }
  const labels = opts.labels === undefined ? {} : opts.labels;
  if (labels === null || typeof labels !== 'object' || Array.isArray(labels)) {
    throw makeError('ERR_INVALID_ARG_TYPE',
      'leakguard/prometheus register(): options.labels must be an object of label name to string value');
  }
  for (const [name, value] of Object.entries(labels)) {
    if (!LABEL.test(name) || name.startsWith('__') || OWN_LABELS.has(name)) {
      throw makeError('ERR_INVALID_ARG_VALUE',
        `leakguard/prometheus register(): options.labels: '${name}' is not a label name ` +
          'you can set (letters, digits and \'_\', not starting with \'__\', and not one of ' +
          `${[...OWN_LABELS].join(', ')})`);
    }
    if (typeof value !== 'string') {
      throw makeError('ERR_INVALID_ARG_TYPE',
        `leakguard/prometheus register(): options.labels.${name} must be a string, ` +
          `got ${options.describe(value)}`);
    }
  }
  return { prefix, labels, gcHistogram: opts.gcHistogram === true };
}

// A metric of `Base` (prom-client's Gauge, Counter or Histogram: its name,
// HELP, type, validation, registration and text format) whose values are
// computed at scrape time by `values()` from one read of leakguard's state,
// rather than kept in the metric between scrapes. values() returns
// [{ labels, value }], or for a histogram [{ labels, buckets, sum, count }]
// with buckets not cumulative, as the addon counts them (exactly, every
// collection or snapshot since the process started).
function scraped(Base, config, values) {
  class Scraped extends Base {
    async get() {
      let out = [];
      let rows;
      try {
        rows = values();
      } catch {
        // A scrape never fails because of us (the environment may be
        // going away): the metric has no series this time.
        rows = [];
      }
      if (this.type !== 'histogram') {
        out = rows;
      } else {
        const bounds = this.upperBounds;
        for (const { labels, buckets, sum, count } of rows) {
          let cumulative = 0;
          for (let i = 0; i < bounds.length; i++) {
            cumulative += buckets[i];
            out.push({ labels: { ...labels, le: bounds[i] }, value: cumulative,
                       metricName: `${this.name}_bucket` });
          }
          out.push({ labels: { ...labels, le: '+Inf' }, value: count, metricName: `${this.name}_bucket` });
          out.push({ labels, value: sum, metricName: `${this.name}_sum` });
          out.push({ labels, value: count, metricName: `${this.name}_count` });
        }
      }
      return { name: this.name, help: this.help, type: this.type, values: out,
               aggregator: this.aggregator };
    }
  }
  // The registry's text format asks a histogram's getForPromString() where
  // it has one (prom-client 15), the JSON format get(): both read ours.
  if (typeof Base.prototype.getForPromString === 'function') {
    Scraped.prototype.getForPromString = Scraped.prototype.get;
  }
  return new Scraped(config);
}

// The prom-client copy `registry` belongs to, among those loaded: its
// Gauge, Counter and Histogram, so that an application with two copies
// (one nested in a dependency) gets metric classes from the same copy as
// its registry. Null when none matches.
function clientOf(registry) {
  for (const mod of Object.values(require.cache)) {
    const e = mod && mod.exports;
    if (e && typeof e === 'object' && e.Registry === registry.constructor &&
        typeof e.Gauge === 'function' && typeof e.Histogram === 'function') {
      return e;
    }
  }
  return null;
}

// Adds leakguard's collectors to `registry` (prom-client's default registry
// when omitted). Returns { metrics: [names], unregister() }.
function register(registry, opts) {
  let client;
  if (registry === undefined) {
    client = metrics.peer('prom-client', 'leakguard/prometheus');
    registry = client.register;
  }
  const { prefix, labels: userLabels, gcHistogram } = checkArgs(registry, opts);
  if (client === undefined) {
    client = clientOf(registry) || metrics.peer('prom-client', 'leakguard/prometheus');
  }
  if (!registered.has(registry)) registered.set(registry, new Map());
  const mine = registered.get(registry);
  const existing = mine.get(prefix);
  if (existing !== undefined) {
    if (existing.live()) return existing;
    // Cleared from outside (registry.clear(), removeSingleMetric): what is
    // left of ours goes, and the set is registered anew.
    existing.unregister();
  }

  const base = { ...userLabels, ...metrics.threadLabels() };
  const baseNames = Object.keys(base);
  const registers = [registry];
  const made = [];
  const withBase = (labels) => ({ ...labels, ...base });
  const add = (Base, config, values) => {
    made.push(scraped(Base, {
      ...config, name: prefix + config.name, registers,
      labelNames: [...(config.labelNames || []), ...baseNames],
    }, values));
  };

  // Per kind, while monitoring: a kind that stops being reported
  // disappears rather than freezing at its last value.
  const perKind = (Base, name, help, pick) => add(Base, { name, help, labelNames: ['kind'] },
    () => metrics.detectorKinds(metrics.read())
      .map((k) => ({ labels: withBase({ kind: k.kind }), value: pick(k) })));
  perKind(client.Gauge, 'leakguard_live_bytes',
    'Live memory the leak detector estimates now, by kind (heap: live set after full GCs; ' +
      'external: ArrayBuffers and Buffers; rss: native memory outside the V8 heap), in bytes.',
    (k) => k.estimatedBase);
  perKind(client.Gauge, 'leakguard_growth_bytes_per_second',
    'Growth rate of that memory over the detector\'s window (Theil-Sen slope), in bytes per second.',
    (k) => k.bytesPerSecond);
  perKind(client.Gauge, 'leakguard_leak_confidence',
    'Confidence, between 0 and 1, that the memory is rising (Mann-Kendall test on the window).',
    (k) => k.confidence);
  perKind(client.Gauge, 'leakguard_leak_active',
    '1 while the detector reports a leak episode of this kind, else 0.',
    (k) => (k.leaking ? 1 : 0));
  perKind(client.Gauge, 'leakguard_time_to_limit_seconds',
    'Seconds until this kind, growing at its current rate, reaches the tighter of its limits ' +
      '(heap: the V8 heap limit; all kinds: the cgroup memory limit, or the machine\'s memory, ' +
      'less what is already resident); +Inf while it is not growing.',
    (k) => k.timeToLimitMs / 1000);
  perKind(client.Counter, 'leakguard_leak_events_total',
    '\'leak\' events leakguard emitted, by kind.',
    (k) => k.leakEvents);

  // Snapshots: once snapshots were enabled or written.
  const snapshots = () => {
    const state = metrics.read();
    return state === null ? null : state.snapshots;
  };
  add(client.Counter, {
    name: 'leakguard_snapshots_total',
    help: 'Heap snapshots leakguard was asked for, by trigger and outcome (written, ' +
      'refused_headroom, refused_disk, cooldown, failed).',
    labelNames: ['trigger', 'outcome'],
  }, () => {
    const s = snapshots();
    if (s === null) return [];
    const rows = [];
    for (const trigger of metrics.TRIGGERS) {
      for (const outcome of metrics.OUTCOMES) {
        rows.push({ labels: withBase({ trigger, outcome: metrics.OUTCOME_LABELS[outcome] }),
                    value: s.outcomes[trigger][outcome] });
      }
    }
    return rows;
  });
  add(client.Histogram, {
    name: 'leakguard_snapshot_pause_seconds',
    help: 'How long each written heap snapshot paused the isolate (checks, capture and ' +
      'serialisation), in seconds.',
    buckets: metrics.SNAPSHOT_PAUSE_BOUNDS,
  }, () => {
    const s = snapshots();
    if (s === null) return [];
    const p = s.pauseSeconds;
    return [{ labels: base, buckets: p.buckets, sum: p.sum, count: p.count }];
  });
  add(client.Gauge, {
    name: 'leakguard_snapshot_bytes',
    help: 'Size of the newest heap snapshot file leakguard wrote, in bytes.',
  }, () => {
    const s = snapshots();
    return s === null || s.lastBytes === 0 ? [] : [{ labels: base, value: s.lastBytes }];
  });

  // Its own health.
  const health = (name, help, pick) => add(client.Counter, { name, help }, () => {
    const state = metrics.read();
    return state === null ? [] : [{ labels: base, value: pick(state.stats) }];
  });
  health('leakguard_gc_records_dropped_total',
    'GC records the monitor thread could not take because its ring was full.',
    (s) => s.droppedRecords);
  health('leakguard_events_dropped_total',
    'Events (gc, stats, leak) dropped because the queue to JavaScript was full.',
    (s) => s.droppedEvents);

  // prom-client's collectDefaultMetrics() has nodejs_gc_duration_seconds
  // with the same buckets and labels: ours only when asked for (it counts
  // every collection exactly, where prom-client's PerformanceObserver may
  // miss some under load).
  if (gcHistogram) add(client.Histogram, {
    name: 'leakguard_gc_duration_seconds',
    help: 'Garbage collection pauses by kind (major, minor, incremental, weakcb), in seconds, ' +
      'from leakguard\'s record of every collection; nodejs_gc_duration_seconds\' buckets.',
    buckets: metrics.GC_DURATION_BOUNDS,
    labelNames: ['kind'],
  }, () => {
    const state = metrics.read({ gc: true });
    if (state === null || !state.monitoring) return [];
    const h = metrics.gcHistograms(state);
    return metrics.GC_KIND_NAMES.map((kind) => ({ labels: withBase({ kind }), ...h[kind] }));
  });

  const names = made.map((m) => m.name);
  const handle = {
    metrics: names,
    unregister() {
      if (mine.get(prefix) !== handle) return;
      mine.delete(prefix);
      // Only our own objects: a metric of that name someone registered
      // after a clear() is theirs.
      for (const m of made) {
        if (registry.getSingleMetric(m.name) === m) registry.removeSingleMetric(m.name);
      }
    },
  };
  // Whether every one of our metrics is still in the registry.
  Object.defineProperty(handle, 'live', {
    value: () => made.every((m) => registry.getSingleMetric(m.name) === m),
  });
  mine.set(prefix, handle);
  return handle;
}

module.exports = { register };
