'use strict';
// Suspects for 'leak' events: the `explain` option of start().
//
//   'allocations'   (the default) V8's sampling heap profiler, started when
//                   the detector begins to watch the heap closely (a rise
//                   that would clear the floors: before the first event)
//                   and stopped a minute after it stops watching (the
//                   episode is over). The profile is read after each full
//                   GC while watching; each 'leak' event carries as
//                   `suspects` the allocation sites whose live sampled
//                   bytes grew since sampling began, with their rate
//                   (lib/sampling/allocations.js). No heap snapshot, no pause
//                   beyond copying the profile.
//   'constructors'  at the first event of a leak episode, a snapshot of the
//                   heap's classes (node ids, types, sizes and constructor
//                   names; V8's snapshot is released once copied); after the
//                   heap has grown further, a second one, and their diff on
//                   a threadpool thread. The next 'leak' event of the
//                   episode carries the constructors that grew most as
//                   `suspects`.
//   'snapshots'     the three-snapshot method, once per episode: baseline at
//                   the first event, target and final after further growth,
//                   then the `leakguard analyze` report on a threadpool
//                   thread; the next event carries its groups (constructor,
//                   count, retained bytes, retainer path) as `suspects` and
//                   the whole report as `report`.
//   'none'          nothing.
//
// Each snapshot pauses this thread while V8 captures the heap. It is taken
// only when the memory budget allows (captureHeap refuses otherwise, see
// docs/snapshots.md) and when the pause it would cost, estimated from the
// heap's size and the pace of this process's earlier captures, stays under
// explainMaxPauseMs. A refusal never delays or drops the event: the event
// says why in `suspectsError`, and the error is reported once as an
// 'error' event or warning.
//
// Only 'heap' and 'external' episodes are explained; an 'rss' leak is
// native memory, which no heap snapshot shows. The allocation sampler sees
// JS heap allocations only, so with 'allocations' an 'external' episode
// says in `suspectsError` that 'constructors' is the mode that explains it.
const { captureHeap } = require('../snapshot/snapshots');
const binding = require('../binding');
const options = require('../options');
const { topGrowing } = require('./heap-diff');
const allocations = require('../sampling/allocations');

const CALL = 'leakguard explain';
// Suspects listed per event.
const TOP = 5;
// The second (and third) snapshot waits for this much more growth, and for
// at least MIN_GAP_MS, so that the diff shows the leak and not noise.
const MIN_GAP_MS = 5000;

// The sampler keeps running this long after the detector stops watching,
// so a pause in the evidence (a few samples under the line) does not lose
// what it sampled since the leak began.
const CALM_MS = 60000;

// V8's own classes ("(string)", "(compiled code)", "system / Context"):
// they grow with a leak of the program's objects, which name it better.
function isInternal(name) {
  return name.startsWith('(') || name.startsWith('system /');
}

// The constructors that grew (by at least a KB), largest growth first, the
// program's own before V8's internal classes.
function growingClasses(diff) {
  return topGrowing(diff, Infinity)
    .filter((g) => g.count > 0 && g.bytes >= 1024)
    .sort((a, b) => isInternal(a.what) - isInternal(b.what))  // stable
    .slice(0, TOP);
}

function leakGroups(report) {
  return report.report.groups.slice(0, TOP).map((g) => ({
    what: g.constructor,
    count: g.count,
    bytes: g.retained_size,
    path: g.path,
    ...(g.location ? { location: g.location } : {}),
    holder: g.holder,
    retains: g.retains,
    keys: g.keys,
  }));
}

// "9.2 s", "2.0 min": how long sampling ran.
function formatSeconds(ms) {
  return ms < 120000 ? `${(ms / 1000).toFixed(1)} s` : `${(ms / 60000).toFixed(1)} min`;
}

// The series of a kind in a 'stats' event.
function level(kind, stats) {
  return kind === 'external' ? stats.external : stats.current_base;
}

class Episode {
  constructor(kind, mode) {
    this.kind = kind;
    this.mode = mode;
    this.handles = [];       // captures so far, until analysed
    this.levelAt = 0;        // the series' value at the latest capture
    this.timeAt = 0;         // and its time
    this.analysis = null;    // Promise of { suspects, report } once started
    this.result = null;      // { suspects, report } or { error }
    this.error = null;       // why no capture was taken
  }

  // Captures needed before the analysis can start.
  get needed() {
    return this.mode === 'snapshots' ? 3 : 2;
  }
}

// explain: 'allocations': the sampler while the detector watches the heap.
class Watch {
  constructor(o) {
    allocations.sampler.acquire(o.allocationIntervalBytes, o.allocationStackDepth);
    this.intervalBytes = allocations.sampler.intervalBytes;
    this.calmSince = null;    // when the detector stopped watching
    this.error = null;        // why there are no suspects
    this.baseline = new Map();
    this.baselineAt = Date.now();
    this.latest = null;       // sites at the latest read
    this.latestAt = 0;
    this.survival = new allocations.Survival();
    const first = this.read();
    if (first !== null) this.baseline = first;
  }

  // Sites now, or null (and error set) when the sampler is gone.
  read() {
    const raw = allocations.sampler.read();
    if (raw === null) {
      this.error = 'the sampling heap profiler was stopped from outside leakguard';
      return null;
    }
    this.latest = allocations.sitesOf(raw);
    this.latestAt = Date.now();
    this.survival.add(this.latest, this.latestAt);
    return this.latest;
  }

  // { suspects, note }: the suspects (null when the sampler is gone, with
  // `error` set), and when there are none, why (for suspectsError).
  suspects() {
    // The read after this event's full GC, unless it is stale.
    if (this.latest === null || Date.now() - this.latestAt > 1000) this.read();
    if (this.error !== null) return { suspects: null, note: this.error };
    const elapsedMs = this.latestAt - this.baselineAt;
    // Sites that grew beyond sampling noise and keep what they allocate
    // (a cache that filled up since sampling began does not).
    const grown = allocations.growingSites(this.baseline, this.latest, elapsedMs,
      this.intervalBytes, Infinity);
    const kept = grown
      .filter((g) => allocations.keepsItsSamples(this.survival, g.site, this.baselineAt, this.latestAt));
    // Node's and V8's own sites ("(V8 API)": native code allocating, no
    // JavaScript on the stack) name no code to fix: listed only when
    // nothing else grew.
    const named = kept.filter((g) => g.origin !== 'internal');
    const suspects = (named.length > 0 ? named : kept)
      .slice(0, TOP)
      .map((g) => ({ what: g.site, ...g }));
    return { suspects, note: suspects.length > 0 ? null : this.#whyNone(grown.length, elapsedMs) };
  }

  // Why no site is a suspect yet: `grown` sites grew beyond noise but
  // turn over; or nothing sampled has grown beyond the noise floor.
  #whyNone(grown, elapsedMs) {
    const since = `allocation sampling began ${formatSeconds(elapsedMs)} before this event`;
    if (grown > 0) {
      return `${since}; ${grown} site${grown === 1 ? '' : 's'} grew but do${grown === 1 ? 'es' : ''} ` +
        'not keep what it allocates (a cache or pool filling up), so none is a suspect; ' +
        'later events of the episode look again';
    }
    const floor = allocations.noiseFloor(this.intervalBytes);
    const every = this.intervalBytes || allocations.V8_DEFAULT_INTERVAL;
    return `${since}; no allocation site has yet grown beyond sampling noise ` +
      `(${binding.formatBytes(floor, 'iec')} and 9 samples more than it lost, at one sample per ${binding.formatBytes(every, 'iec')}), ` +
      "or what grows is not allocated by JavaScript; later events of the episode look again";
  }

  release() {
    allocations.sampler.release();
  }
}

class Explainer {
  #guard;
  #episodes = new Map();  // kind -> Episode
  #trioBusy = false;  // one three-snapshot run at a time, all kinds together
  #lastStats = null;  // the latest 'stats' event
  #watch = null;      // explain: 'allocations' while the heap is watched

  constructor(guard) {
    this.#guard = guard;
  }

  // The detector began (watching: true) or stopped watching a kind.
  watch(data, o) {
    if (o.explain !== 'allocations') {
      this.#endWatch();
      return;
    }
    if (data.kind !== 'heap') return;
    if (data.watching) {
      // Nobody would read the suspects.
      if (this.#watch === null && this.#guard.listenerCount('leak') === 0) return;
      if (this.#watch === null) this.#watch = new Watch(o);
      this.#watch.calmSince = null;
    } else if (this.#watch !== null && this.#watch.calmSince === null) {
      this.#watch.calmSince = Date.now();
    }
  }

  // monitoring (re)started: the new detector watches nothing yet.
  restarted() {
    this.#endWatch();
  }

  #endWatch() {
    if (this.#watch === null) return;
    const w = this.#watch;
    this.#watch = null;
    w.release();
  }

  // The event to emit for `info`: at once, or (when its suspects are being
  // computed) a Promise of it.
  leak(info, o) {
    if (o.explain === 'none') {
      this.reset();  // turned off by configure(): free what was kept
      return info;
    }
    if (info.kind === 'rss') {
      return {
        ...info,
        suspects: null,
        suspectsError: 'rss grows outside the JS heap and external memory (native allocations), ' +
          'which neither the allocation sampler nor heap snapshots see',
      };
    }
    if (o.explain === 'allocations') return this.#allocationSuspects(info, o);
    this.#endWatch();
    let e = this.#episodes.get(info.kind);
    if (info.sequence === 0 || e === undefined || e.mode !== o.explain) {
      this.#drop(info.kind);
      const fresh = new Episode(info.kind, o.explain);
      this.#episodes.set(info.kind, fresh);
      // After this event's listeners: they see it without the capture's
      // pause in front of them. Off the caller's try, so its own: a failure
      // here is leakguard's, never an uncaught exception of the app.
      setImmediate(() => {
        try {
          if (this.#episodes.get(info.kind) === fresh) {
            this.#capture(fresh, o, this.#level(info.kind, info.estimatedBase));
          }
        } catch (err) {
          fresh.error = err.message;
          this.#release(fresh);
          this.#guard.reportError(err, 'explain');
        }
      });
      return this.#annotate(info, fresh);
    }
    if (e.result === null && e.analysis === null && e.error === null &&
        e.handles.length > 0) {
      // The next event came before enough growth: make do with what grew.
      while (e.handles.length < e.needed && e.error === null) {
        this.#capture(e, o, this.#level(info.kind, info.estimatedBase));
      }
      if (e.error === null) this.#analyse(e, o);
    }
    if (e.result === null && e.analysis !== null) {
      return e.analysis.then(() => this.#annotate(info, e));
    }
    return this.#annotate(info, e);
  }

  #allocationSuspects(info, o) {
    this.#drop(info.kind);  // captures of an earlier mode
    const out = { ...info, suspects: null };
    if (info.kind !== 'heap') {
      out.suspectsError = "the allocation sampler sees the JS heap only; explain: 'constructors' " +
        'diffs heap snapshots, which show what holds external memory';
      return out;
    }
    if (this.#watch === null) {
      // The detector reported before it watched (a verdict at its first
      // look): sampling starts now, and the next event has suspects.
      this.#watch = new Watch(o);
      out.suspectsError = this.#watch.error ||
        'allocation sampling began with this event; the next event of the episode carries suspects';
      return out;
    }
    const { suspects, note } = this.#watch.suspects();
    out.suspects = suspects;
    if (note !== null) out.suspectsError = note;
    return out;
  }

  // After each full GC: takes the next capture of an episode once its
  // series has grown enough since the last one; reads the allocation
  // profile while the heap is watched.
  stats(stats, o) {
    this.#lastStats = stats;
    if (this.#watch !== null) {
      if (o.explain !== 'allocations' ||
          (this.#watch.calmSince !== null && Date.now() - this.#watch.calmSince >= CALM_MS)) {
        this.#endWatch();
      } else if (this.#watch.error === null) {
        this.#watch.read();
      }
    }
    for (const e of this.#episodes.values()) {
      if (e.error !== null || e.analysis !== null || e.handles.length === 0) continue;
      const grown = level(e.kind, stats) - e.levelAt;
      if (grown < o.minGrowthBytes / 2 || Date.now() - e.timeAt < MIN_GAP_MS) continue;
      this.#capture(e, o, level(e.kind, stats));
      if (e.error === null && e.handles.length >= e.needed) this.#analyse(e, o);
    }
  }

  // The kind's series now: from the latest 'stats' (the raw value the later
  // captures compare with), else the detector's line.
  #level(kind, fallback) {
    return this.#lastStats === null ? fallback : level(kind, this.#lastStats);
  }

  // Frees every capture and stops the sampler (stop(), or explain turned
  // off).
  reset() {
    for (const kind of [...this.#episodes.keys()]) this.#drop(kind);
    this.#endWatch();
  }

  #drop(kind) {
    const e = this.#episodes.get(kind);
    if (e === undefined) return;
    this.#release(e);
    this.#episodes.delete(kind);
  }

  #release(e) {
    for (const h of e.handles) binding.releaseCapture(h);
    if (e.handles.length > 0 && e.mode === 'snapshots') this.#trioBusy = false;
    e.handles = [];
  }

  #capture(e, o, currentLevel) {
    if (e.mode === 'snapshots' && e.handles.length === 0) {
      if (this.#trioBusy) {
        e.error = 'a three-snapshot report of another episode is running';
        return;
      }
    }
    const heapUsed = process.memoryUsage().heapUsed;
    // The native cost model, learned from every capture of this process
    // (src/core/capture/memory_budget.h, CaptureCostModel).
    const estimateMs = binding.estimateSnapshotPauseMs(heapUsed);
    if (estimateMs > o.explainMaxPauseMs) {
      e.error = `a heap snapshot of ${Math.round(heapUsed / 2 ** 20)} MB would pause ` +
        `about ${Math.round(estimateMs)} ms, above explainMaxPauseMs (${o.explainMaxPauseMs})`;
      this.#release(e);
      return;
    }
    const kind = e.mode === 'constructors' ? 'classes'
      : (e.handles.length === 2 ? 'full' : 'ids');
    try {
      const c = captureHeap(CALL, kind, { reason: `leak-${e.kind}` });
      if (e.mode === 'snapshots' && e.handles.length === 0) this.#trioBusy = true;
      e.handles.push(c.handle);
    } catch (err) {
      e.error = err.message;
      this.#release(e);
      this.#guard.reportError(err, `explain:${err.code || 'error'}`);
      return;
    }
    e.levelAt = currentLevel;
    e.timeAt = Date.now();
  }

  #analyse(e, o) {
    const handles = e.handles;
    e.handles = [];
    const trio = e.mode === 'snapshots';
    const work = trio
      ? binding.analyzeCaptures(
        handles, options.withScriptRoot(options.defaults(options.LEAK_SCHEMA)))
        .then((json) => {
          const report = JSON.parse(json);
          return { suspects: leakGroups(report), report };
        })
      : binding.diffCapturesAsync(handles, options.defaults(options.REPORT_SCHEMA))
        .then((json) => ({ suspects: growingClasses(JSON.parse(json)), report: null }));
    e.analysis = work.then((result) => {
      e.result = result;
    }, (err) => {
      e.result = { error: err.message };
      this.#guard.reportError(err, `explain:${err.code || 'error'}`);
    }).finally(() => {
      if (trio) this.#trioBusy = false;
    });
  }

  #annotate(info, e) {
    const out = { ...info, suspects: null };
    if (e.result !== null && e.result.suspects) {
      out.suspects = e.result.suspects;
      if (e.result.report) out.report = e.result.report;
    } else if (e.result !== null && e.result.error) {
      out.suspectsError = e.result.error;
    } else if (e.error !== null) {
      out.suspectsError = e.error;
    } else {
      out.suspectsError = e.mode === 'constructors'
        ? 'the first heap snapshot of the episode is taken after this event; a later event ' +
          'carries the classes that grew'
        : 'the baseline heap snapshot of the episode is taken after this event; a later event ' +
          'carries the three-snapshot analysis';
    }
    return out;
  }
}

module.exports = { Explainer, growingClasses, Watch };
