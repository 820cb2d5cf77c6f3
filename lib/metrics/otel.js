'use strict';
// leakguard/otel: leakguard's verdicts and counters as OpenTelemetry
// instruments, observed when the SDK collects (lib/metrics/read.js reads the
// addon then); nothing runs in between. @opentelemetry/api is a peer
// dependency: the application's copy, and its global MeterProvider unless
// one is passed.
//
//   require('leakguard/otel').register();            // the global provider
//   require('leakguard/otel').register(meterProvider);
//
// Names follow OpenTelemetry's semantic conventions where they exist
// (v8js.gc.duration, v8js.memory.heap.used); leakguard's own are under
// leakguard.*. docs/metrics.md lists them.
const { version } = require('../../package.json');
const binding = require('../binding');
const metrics = require('./read');
const { makeError } = require('../errors');
const options = require('../options');

// Semantic conventions' advice for v8js.gc.duration (seconds).
const GC_ADVICE = [0.01, 0.1, 1, 10];

function checkArgs(provider, opts) {
  if (provider === null || typeof provider !== 'object' ||
      typeof provider.getMeter !== 'function') {
    throw makeError('ERR_INVALID_ARG_TYPE',
      'leakguard/otel register(): meterProvider must be an OpenTelemetry MeterProvider ' +
        '(an object with getMeter()), or undefined for the global one');
  }
  opts = metrics.optionsObject('leakguard/otel register()', opts, ['attributes', 'runtime']);
  if (opts.runtime !== undefined && typeof opts.runtime !== 'boolean') {
    throw makeError('ERR_INVALID_ARG_TYPE',
      'leakguard/otel register(): options.runtime must be true or false, ' +
        `got ${options.describe(opts.runtime)}`);
  }
  const attributes = opts.attributes === undefined ? {} : opts.attributes;
  if (attributes === null || typeof attributes !== 'object' || Array.isArray(attributes)) {
    throw makeError('ERR_INVALID_ARG_TYPE',
      'leakguard/otel register(): options.attributes must be an object of attribute values');
  }
  for (const [name, value] of Object.entries(attributes)) {
    if (!['string', 'number', 'boolean'].includes(typeof value)) {
      throw makeError('ERR_INVALID_ARG_TYPE',
        `leakguard/otel register(): options.attributes['${name}'] must be a string, number ` +
          `or boolean, got ${options.describe(value)}`);
    }
  }
  return { attributes, runtime: opts.runtime === true };
}

// What is registered, by MeterProvider and attribute set: a second
// register() on the same provider with the same attributes returns the
// first handle instead of adding a second callback, which would record
// every collection twice in v8js.gc.duration.
const registrations = new WeakMap();

function attributesKey(attributes, runtime) {
  return JSON.stringify([runtime, Object.keys(attributes).sort().map((k) => [k, attributes[k]])]);
}

// Creates leakguard's instruments on a meter of `meterProvider`. Returns
// { instruments: [names], unregister() }; unregister() removes the
// callback (instruments cannot be deleted in OpenTelemetry; they stop
// reporting).
function register(meterProvider, opts) {
  const api = metrics.peer('@opentelemetry/api', 'leakguard/otel');
  if (meterProvider === undefined) meterProvider = api.metrics.getMeterProvider();
  const { attributes: user, runtime } = checkArgs(meterProvider, opts);
  if (!registrations.has(meterProvider)) registrations.set(meterProvider, new Map());
  const mine = registrations.get(meterProvider);
  const key = attributesKey(user, runtime);
  if (mine.has(key)) return mine.get(key);
  const thread = metrics.threadLabels();
  const base = { ...user, ...(thread.thread !== undefined ? { 'thread.id': Number(thread.thread) } : {}) };
  const meter = meterProvider.getMeter('leakguard', version);
  const names = [];
  // Observable gauges, counters and up-down counters (the semantic
  // conventions' kind for v8js.memory.*), and histograms with advice.
  const instrument = (create) => (name, description, unit, boundaries) => {
    names.push(name);
    const o = { description, unit };
    if (boundaries) o.advice = { explicitBucketBoundaries: boundaries };
    return create.call(meter, name, o);
  };
  const gauge = instrument(meter.createObservableGauge);
  const counter = instrument(meter.createObservableCounter);
  const upDown = instrument(meter.createObservableUpDownCounter);
  const histogram = instrument(meter.createHistogram);

  const live = gauge('leakguard.memory.live',
    'Live memory the leak detector estimates now, by leakguard.memory.kind (heap, external, rss)', 'By');
  const rate = gauge('leakguard.memory.growth_rate',
    'Growth rate of that memory over the detector\'s window (Theil-Sen slope)', 'By/s');
  const confidence = gauge('leakguard.leak.confidence',
    'Confidence, between 0 and 1, that the memory is rising (Mann-Kendall test)', '1');
  const active = gauge('leakguard.leak.active',
    '1 while the detector reports a leak episode of this kind, else 0', '1');
  const timeToLimit = gauge('leakguard.time_to_limit',
    'Time until this memory, growing at its current rate, reaches the tighter of its limits ' +
      '(observed only while it grows)', 's');
  const events = counter('leakguard.leak.events', '\'leak\' events leakguard emitted', '{event}');
  const snapshots = counter('leakguard.snapshots',
    'Heap snapshots asked for, by leakguard.snapshot.trigger and leakguard.snapshot.outcome',
    '{snapshot}');
  const size = gauge('leakguard.snapshot.size', 'Size of the newest heap snapshot file written', 'By');
  const dropped = counter('leakguard.gc.records.dropped',
    'GC records the monitor thread could not take because its ring was full', '{record}');
  const droppedEvents = counter('leakguard.events.dropped',
    'Events dropped because the queue to JavaScript was full', '{event}');
  const lostDurations = runtime ? counter('leakguard.gc.duration.dropped',
    'Collections not recorded in v8js.gc.duration: more than 4096 between two collections',
    '{collection}') : null;
  // The semantic conventions' runtime set, only with { runtime: true }:
  // @opentelemetry/instrumentation-runtime-node, in most setups, emits the
  // same names under its own scope.
  const heapUsed = runtime ? upDown('v8js.memory.heap.used',
    'Heap memory size allocated, by v8js.heap.space.name', 'By') : null;
  const heapLimit = runtime ? upDown('v8js.memory.heap.space.size',
    'Total heap memory size pre-allocated for a heap space, by v8js.heap.space.name', 'By') : null;
  const gcDuration = runtime ? histogram('v8js.gc.duration',
    'Garbage collection pauses, by v8js.gc.type, from leakguard\'s record of every collection',
    's', GC_ADVICE) : null;
  const snapshotDuration = histogram('leakguard.snapshot.duration',
    'How long each written heap snapshot paused the isolate', 's', metrics.SNAPSHOT_PAUSE_BOUNDS);

  // v8js.gc.type's attributes per native GC type, built once.
  const byType = {};
  for (const [type, kind] of Object.entries(metrics.GC_KINDS)) {
    byType[type] = { ...base, 'v8js.gc.type': kind };
  }
  let cursor = 0;
  let lost = 0;
  // { count, sum } of snapshot pauses at the previous collection (at
  // register() first: the addon counts since the process started).
  let seenSnapshots = { count: 0, sum: 0 };
  const callback = (result) => {
    const state = metrics.read({ spaces: runtime });
    if (state === null) return;
    for (const k of metrics.detectorKinds(state)) {
      const a = { ...base, 'leakguard.memory.kind': k.kind };
      result.observe(live, k.estimatedBase, a);
      result.observe(rate, k.bytesPerSecond, a);
      result.observe(confidence, k.confidence, a);
      result.observe(active, k.leaking ? 1 : 0, a);
      if (Number.isFinite(k.timeToLimitMs)) result.observe(timeToLimit, k.timeToLimitMs / 1000, a);
      result.observe(events, k.leakEvents, a);
    }
    for (const trigger of metrics.TRIGGERS) {
      const o = state.snapshots.outcomes[trigger];
      for (const outcome of metrics.OUTCOMES) {
        result.observe(snapshots, o[outcome], {
          ...base, 'leakguard.snapshot.trigger': trigger,
          'leakguard.snapshot.outcome': metrics.OUTCOME_LABELS[outcome],
        });
      }
    }
    if (state.snapshots.lastBytes > 0) result.observe(size, state.snapshots.lastBytes, base);
    result.observe(dropped, state.stats.droppedRecords, base);
    result.observe(droppedEvents, state.stats.droppedEvents, base);
    for (const s of runtime ? state.stats.spaces : []) {
      if (!s) continue;
      const a = { ...base, 'v8js.heap.space.name': s.space_name };
      result.observe(heapUsed, s.space_used_size, a);
      result.observe(heapLimit, s.space_size, a);
    }
    if (runtime && state.monitoring) {
      // Every collection since the previous one, each recorded with its
      // own pause; the histogram's data goes out with this collection.
      const d = binding.gcDurations(cursor);
      cursor = d.cursor;
      lost += d.lost;
      for (let i = 0; i < d.seconds.length; i++) {
        gcDuration.record(d.seconds[i], byType[d.types[i]]);
      }
    }
    if (runtime) result.observe(lostDurations, lost, base);
    // Snapshots are rare (a cooldown apart): the new ones since the last
    // collection, each with its pause (the mean, when several came between
    // two collections).
    const p = state.snapshots.pauseSeconds;
    if (p.count > seenSnapshots.count) {
      const n = p.count - seenSnapshots.count;
      const each = (p.sum - seenSnapshots.sum) / n;
      for (let i = 0; i < n; i++) snapshotDuration.record(each, base);
    }
    seenSnapshots = { count: p.count, sum: p.sum };
  };
  const observables = [live, rate, confidence, active, timeToLimit, events, snapshots, size, dropped,
                       droppedEvents, ...(runtime ? [lostDurations, heapUsed, heapLimit] : [])];
  const safe = (result) => {
    try {
      callback(result);
    } catch {
      // A collector never throws into the SDK (the environment may be
      // going away).
    }
  };
  meter.addBatchObservableCallback(safe, observables);
  // The pause log turns on now (its first read), and is read from its
  // start (cursor 0): the first export has every collection since
  // register(), not only those after the first export.
  try {
    const now = metrics.read();
    if (runtime && now?.monitoring) binding.gcDurations(0);
    if (now) seenSnapshots = { count: now.snapshots.pauseSeconds.count, sum: now.snapshots.pauseSeconds.sum };
  } catch {
    // as above
  }
  const handle = {
    instruments: names,
    unregister() {
      if (mine.get(key) !== handle) return;
      mine.delete(key);
      meter.removeBatchObservableCallback(safe, observables);
    },
  };
  mine.set(key, handle);
  return handle;
}

module.exports = { register };
