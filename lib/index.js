'use strict';
// The default LeakGuard instance: an EventEmitter over the native monitor.
//
// Events: 'stats' after each full GC, 'gc' per collection (only while
// listened to), 'leak' when the detector finds memory that keeps growing,
// 'leakEnd' when that growth stops, 'error'. Listening to 'stats', 'leak',
// 'leakEnd' or 'gc' starts
// monitoring with the current options; removing listeners never stops it
// (call stop()). Nothing here keeps the event loop alive.
const { EventEmitter } = require('node:events');
const binding = require('./binding');
const options = require('./options');
const { Explainer } = require('./analysis/explain');
const { History } = require('./monitor/history');
const { buildTimeline } = require('./monitor/timeline');
const { RemoteProfiles } = require('./sampling/remote-profile');

const MONITOR_EVENTS = new Set(['stats', 'leak', 'leakEnd', 'gc']);
// lib/snapshot/snapshots.js calls guard[SNAPSHOTS_CHANGED]() after
// disableSnapshots(), and stop() calls it too; not part of the API.
const SNAPSHOTS_CHANGED = Symbol('leakguard.snapshotsChanged');

class LeakGuard extends EventEmitter {
  #options = options.defaults(options.MONITOR_SCHEMA);
  #warned = new Set();
  #onEvents = (events) => this.#dispatch(events);
  #explainer = new Explainer(this);
  // Stopped, but the monitor thread runs on for enableSnapshots()'
  // thresholds (they are checked there): no events, no detector probes.
  #quiet = false;
  // 'leak' events waiting for their suspects, so that they are emitted in
  // order; null when none waits.
  #leakChain = null;
  // The leak episodes and snapshots of timeline(), as they are emitted.
  #history = new History();

  constructor() {
    super();
    this.on('newListener', (event) => {
      if (!MONITOR_EVENTS.has(event)) return;
      if (event === 'gc') binding.setGcEvents(true);
      // 'stats' listeners get each one right after its full GC; otherwise
      // the monitor's 100 ms tick picks the collection up (docs/overhead.md).
      if (event === 'stats') binding.setStatsWake(true);
      if (!this.monitoring) this.#startBinding();
    });
    this.on('removeListener', (event) => {
      if (event === 'gc' && this.listenerCount('gc') === 0) {
        binding.setGcEvents(false);
      }
      if (event === 'stats' && this.listenerCount('stats') === 0) {
        binding.setStatsWake(false);
      }
    });
  }

  // Starts monitoring (or applies new options to a running monitor).
  // Returns this, for chaining.
  start(opts) {
    const o = options.validate('leakguard.start', options.MONITOR_SCHEMA, opts, this.#options);
    options.resolveHorizons('leakguard.start', o);
    this.#options = o;
    this.#startBinding();
    return this;
  }

  // Stops monitoring: removes the GC callbacks and joins the monitor thread.
  // Counters in heapStats() are kept; start() resumes them. While
  // enableSnapshots() has a heap or RSS threshold, a quiet monitor keeps
  // checking it: no events, no probes ([SNAPSHOTS_CHANGED]).
  stop() {
    binding.stop();
    this.#quiet = false;
    this.#explainer.reset();
    this[SNAPSHOTS_CHANGED]();
    return this;
  }

  // Runs or ends the quiet monitor of a stopped instance, as the snapshot
  // thresholds need.
  [SNAPSHOTS_CHANGED]() {
    const so = this.snapshotOptions;
    const needed = so !== null && so !== undefined &&
      Boolean(so.heapUsedBytes || so.heapUsedPercent || so.rssBytes);
    if (this.#quiet && !needed) {
      binding.stop();
      this.#quiet = false;
    } else if (needed && !binding.isMonitoring()) {
      try {
        binding.start({ ...this.#forBinding(), probeIntervalMs: 0 }, () => {});
        this.#quiet = true;
      } catch (err) {
        this.reportError(err, 'start');
      }
    }
  }

  // Changes options; a running monitor picks them up without a restart
  // (the detector keeps its samples unless windowMs changed), except
  // ringCapacity, which takes effect at the next start().
  configure(opts) {
    const o = options.validate('leakguard.configure', options.MONITOR_SCHEMA, opts,
                               this.#options);
    options.resolveHorizons('leakguard.configure', o);
    this.#options = o;
    if (this.monitoring) binding.configure(this.#forBinding());
    return this;
  }

  get monitoring() {
    return binding.isMonitoring() && !this.#quiet;
  }

  get options() {
    const o = { ...this.#options };
    // A copy of an array of horizons, so the caller cannot change ours.
    if (Array.isArray(o.horizons)) o.horizons = [...o.horizons];
    return o;
  }

  // V8 heap and space statistics, GC counters and pause totals, RSS and
  // the dropped-record and dropped-event counters, synchronously.
  heapStats() {
    const stats = binding.heapStats();
    if (this.#quiet) stats.monitoring = false;
    return stats;
  }

  // A full, compacting collection now, without --expose-gc.
  gc() {
    binding.gc();
  }

  // The live-set history per kind, the detector's trend lines, the leak
  // episodes and the snapshots, as JSON data (lib/monitor/timeline.js).
  timeline() {
    return buildTimeline(this, this.#history);
  }

  // Writes one self-contained HTML report: the timeline, the suspects, the
  // three-snapshot groups and their paths (lib/report/index.js).
  report(opts) {
    return require('./report').report(this, opts);
  }

  // Records what timeline() shows as it is emitted; its failures are
  // leakguard's, never the emitter's.
  emit(event, ...args) {
    if (event === 'leak' || event === 'leakEnd' || event === 'snapshot') {
      try {
        if (event === 'leak') this.#history.leak(args[0]);
        else if (event === 'leakEnd') this.#history.leakEnd(args[0]);
        else this.#history.snapshot(args[0]);
      } catch (err) {
        this.reportError(err, 'timeline');
      }
    }
    return super.emit(event, ...args);
  }

  // The options as the binding reads them (horizons as lengths).
  #forBinding() {
    return options.resolveHorizons('leakguard.start', this.#options);
  }

  #startBinding() {
    try {
      this.#explainer.restarted();
      this.#quiet = false;
      binding.start(this.#forBinding(), this.#onEvents);
    } catch (err) {
      this.reportError(err, 'start');
    }
  }

  #dispatch(events) {
    for (const { event, data } of events) {
      if (event === 'leak') {
        this.#emitLeak(data);
        continue;
      }
      if (event === 'leakEnd' && this.#leakChain !== null) {
        // After the 'leak' events still waiting for their suspects.
        this.#leakChain = this.#leakChain.then(() => {
          process.nextTick(() => this.emit('leakEnd', data));
        });
        const chain = this.#leakChain;
        chain.then(() => { if (this.#leakChain === chain) this.#leakChain = null; });
        continue;
      }
      if (event === 'watch') {
        // The detector's own notice for the allocation sampler; not emitted.
        this.#explain(() => this.#explainer.watch(data, this.#options));
        continue;
      }
      if (event === 'stats') this.#explain(() => this.#explainer.stats(data, this.#options));
      this.emit(event, data);
    }
  }

  // Runs an explainer step; its failures are leakguard's, never the app's.
  #explain(step) {
    try {
      return step();
    } catch (err) {
      this.reportError(err, 'explain');
      return undefined;
    }
  }

  #emitLeak(data) {
    const out = this.#explain(() => this.#explainer.leak(data, this.#options)) || data;
    if (this.#leakChain === null && !(out instanceof Promise)) {
      this.emit('leak', out);
      return;
    }
    // Behind an event whose suspects are being computed: keep the order.
    // Emitted from a tick of its own, so a listener that throws is an
    // uncaught exception as with any EventEmitter, not a lost rejection.
    const chain = (this.#leakChain || Promise.resolve())
      .then(() => out)
      .catch(() => data)
      .then((info) => {
        if (this.#leakChain === chain) this.#leakChain = null;
        process.nextTick(() => this.emit('leak', info));
      });
    this.#leakChain = chain;
  }

  // Errors reach the user as an 'error' event when someone listens, and
  // otherwise as one process warning per kind: never as a crash.
  reportError(err, kind = err.code || 'error') {
    if (this.listenerCount('error') > 0) {
      this.emit('error', err);
      return;
    }
    if (this.#warned.has(kind)) return;
    this.#warned.add(kind);
    process.emitWarning(err.message, {
      type: 'LeakguardWarning',
      code: err.code || 'ERR_LEAKGUARD',
    });
  }
}

const leakguard = new LeakGuard();
// On the main thread, process.exit() disposes Node's platform and then
// exits without running environment cleanup hooks, while our monitor thread
// may be asking V8 for a probe: join it first, and let the finishing thread
// publish the snapshot files in flight (else a writeSnapshot() right before
// process.exit() leaves its .tmp). Prepended: an 'exit' listener that calls
// process.exit() itself ends the process on the spot, and the listeners
// after it never run. (A worker's exit runs the cleanup hook, which does
// the same.)
if (require('./thread').isMainThread) {
  process.prependListener('exit', () => {
    binding.stop();
    binding.flushSnapshots();
  });
}
// writeSnapshot, enableSnapshots, disableSnapshots, snapshotStats.
// The snapshot signal also carries `leakguard profile <pid>`'s requests;
// the sampler answers them (lib/sampling/remote-profile.js).
let remoteProfiles = null;
require('./snapshot/snapshots').install(leakguard, SNAPSHOTS_CHANGED, (request) => {
  if (remoteProfiles === null) remoteProfiles = new RemoteProfiles(leakguard);
  remoteProfiles.handle(request);
});
// Explanations in process (docs: README "Explaining a leak in process"):
// memwatch's HeapDiff, the three-snapshot findLeaks(), and analyze, diff
// and summary: the reports of `leakguard analyze|diff|summary` on snapshot
// files, computed off the main thread, in the format findLeaks() shares.
leakguard.HeapDiff = require('./analysis/heap-diff').HeapDiff;
leakguard.findLeaks = require('./analysis/find-leaks').findLeaks;
Object.assign(leakguard, require('./analysis/analyze'));
// Allocation sites, sampled (V8's sampling heap profiler; no pause): a
// profile to save as .heapprofile (DevTools) or pprof.
leakguard.allocationProfile = require('./sampling/allocations').allocationProfile;
module.exports = leakguard;
