'use strict';
// Allocation sites from V8's sampling heap profiler: the suspects of
// `explain: 'allocations'` (lib/analysis/explain.js) and leakguard.allocationProfile().
//
// V8 samples about one allocation per `intervalBytes` allocated (Poisson)
// with its stack, and forgets a sample when its object is collected, so
// the profile is the live sampled allocations by call site, scaled by V8
// to an estimate of all of them. Reading it pauses this thread only to copy
// the tree (src/addon/sampling/allocation_profile.h); nothing walks the heap.
//
// One sampler per isolate (V8's): the first user starts it, the last one
// done stops it, and only if leakguard started it. One that someone else
// started (the inspector's HeapProfiler.startSampling, @datadog/pprof,
// v8.startHeapProfile) is read and never stopped, at its owner's interval.
// If its owner stops it while leakguard reads it, reading returns null.
const path = require('node:path');
const binding = require('../binding');
const options = require('../options');
const { makeError } = require('../errors');

const OWN_DIR = __dirname + path.sep;
// V8's (and --heap-prof-interval's) default: the interval assumed for a
// sampler someone else started, whose interval nothing tells.
const V8_DEFAULT_INTERVAL = 512 * 1024;

const sampler = {
  users: 0,
  ours: false,       // leakguard started the running sampler
  intervalBytes: 0,  // ours; 0 when it is someone else's

  // Starts V8's sampler for the first user, unless one runs already.
  acquire(intervalBytes, stackDepth) {
    if (this.users === 0) {
      this.ours = binding.startAllocationSampling(intervalBytes, stackDepth);
      this.intervalBytes = this.ours ? intervalBytes : 0;
    }
    this.users++;
  },

  release() {
    if (this.users === 0) return;
    if (--this.users === 0 && this.ours) {
      this.ours = false;
      binding.stopAllocationSampling();
    }
  },

  // The parsed profile, or null when no sampler runs (stopped from
  // outside: then it is no longer ours to stop).
  read() {
    const text = binding.readAllocationProfile();
    if (text === null) {
      this.ours = false;
      return null;
    }
    return JSON.parse(text);
  },
};

// Where a frame's code comes from, best first: the application's own
// files, then its dependencies (a path through node_modules), then code
// that names no leak: Node's and V8's own (`node:` scripts, "(V8 API)",
// builtins without a script) and leakguard's. A site is the innermost
// frame of the best origin on its stack.
const ORIGINS = ['app', 'dependency', 'internal'];
const NODE_MODULES = `${path.sep}node_modules${path.sep}`;

function frameOrigin(frame) {
  const url = frame.url;
  if (url === '' || url.startsWith('node:')) return 'internal';
  const file = url.startsWith('file://') ? decodeURIComponent(url.slice(7)) : url;
  if (file.startsWith(OWN_DIR)) return 'internal';
  return file.includes(NODE_MODULES) ? 'dependency' : 'app';
}

// `fn (file:line:col)`, 1-based as in stack traces.
function frameText(frame) {
  const name = frame.functionName || '(anonymous)';
  if (frame.url === '') return name;
  const line = frame.lineNumber >= 0 ? `:${frame.lineNumber + 1}` : '';
  const col = frame.lineNumber >= 0 && frame.columnNumber >= 0 ? `:${frame.columnNumber + 1}` : '';
  return `${name} (${frame.url}${line}${col})`;
}

// Calls visit(node, frames) for each node of the tree under `head` that
// allocated live bytes itself; `frames` are the callFrames from the
// outermost to the node's own (the root's "(root)" is not part of any
// stack). The array is reused: copy what you keep.
function forEachAllocating(head, visit) {
  const frames = [];
  const walk = (node, depth) => {
    if (depth > 0) frames.push(node.callFrame);
    if (node.selfSize > 0 && frames.length > 0) visit(node, frames);
    for (const child of node.children) walk(child, depth + 1);
    if (depth > 0) frames.pop();
  };
  walk(head, 0);
}

// Live sampled bytes by site: Map of site -> { site, origin, stack, bytes,
// samples }, the stack (innermost frame first) of the heaviest node behind
// the site, and the ids (ordinals) of the site's live samples. A node
// counts under the innermost frame of the best origin on its stack
// (frameOrigin): the application's own code, else a dependency's, else its
// innermost frame.
function sitesOf(profile) {
  const sites = new Map();
  const byNode = new Map();  // node id -> its site's entry
  const heaviest = new Map();  // site -> bytes of the node whose stack it keeps
  forEachAllocating(profile.head, (node, frames) => {
    let top = frames.length - 1;
    let best = ORIGINS.length - 1;
    for (let i = frames.length - 1; i >= 0 && best > 0; i--) {
      const rank = ORIGINS.indexOf(frameOrigin(frames[i]));
      if (rank < best) {
        best = rank;
        top = i;
      }
    }
    const site = frameText(frames[top]);
    let s = sites.get(site);
    if (s === undefined) {
      s = { site, origin: ORIGINS[best], stack: null, bytes: 0, samples: new Set() };
      sites.set(site, s);
    }
    byNode.set(node.id, s);
    s.bytes += node.selfSize;
    if (node.selfSize > (heaviest.get(site) || 0)) {
      heaviest.set(site, node.selfSize);
      s.stack = frames.map(frameText).reverse();
    }
  });
  for (const sample of profile.samples) {
    const s = byNode.get(sample.nodeId);
    if (s !== undefined) s.samples.add(sample.ordinal);
  }
  return sites;
}

// Whether a site's growth from `was` to `now` (sitesOf entries; `was` may
// be undefined) is more than sampling can fake. A steady live set that
// turns over (a cache, a pool) keeps about the same number of live
// samples, but which objects were sampled is chance: samples come and go
// as Poisson counts, and one lucky read can show a few samples more than
// the last. So the growth must be at least the noise floor, and the
// samples gained minus those lost at least 3 standard deviations of that
// difference (its variance is about gained + lost). A site that only
// grows (nothing lost) needs 9 samples; a cache turning over with 4 either
// way never qualifies.
function significantGrowth(was, now, intervalBytes) {
  if (now.bytes - (was ? was.bytes : 0) < noiseFloor(intervalBytes)) return false;
  let gained = 0;
  for (const id of now.samples) if (!was || !was.samples.has(id)) gained++;
  let lost = 0;
  if (was) for (const id of was.samples) if (!now.samples.has(id)) lost++;
  return gained - lost >= 3 * Math.sqrt(gained + lost);
}

// Sites whose live sampled bytes grew from `before` to `after` (Maps from
// sitesOf) by more than sampling noise (significantGrowth), the
// application's own sites first (then dependencies', then Node's and V8's),
// each origin by most growth first, with the rate over `elapsedMs`. `intervalBytes`: the sampler's
// (0: someone else's, at V8's default or unknown).
function growingSites(before, after, elapsedMs, intervalBytes, top) {
  const out = [];
  for (const s of after.values()) {
    const was = before.get(s.site);
    if (!significantGrowth(was, s, intervalBytes)) continue;
    const growth = s.bytes - (was ? was.bytes : 0);
    out.push({
      site: s.site,
      origin: s.origin,
      stack: s.stack,
      bytes: s.bytes,
      growth,
      bytesPerSecond: elapsedMs > 0 ? growth * 1000 / elapsedMs : 0,
    });
  }
  out.sort((a, b) => ORIGINS.indexOf(a.origin) - ORIGINS.indexOf(b.origin) || b.growth - a.growth);
  return out.slice(0, top);
}

// A live sample of a cache or pool looks like growth for a while after
// sampling starts: V8 samples only objects born since, so a steady set
// that turns over is seen to fill up from nothing during its objects'
// lifetime, and then stays level. A leak's objects never die. So each
// sample is put in the cohort of the read that first saw it (born since
// the read before, and alive after a full GC), and Survival tells, for a
// site, how many of the samples born in the first half of the time
// sampled are alive now. A leak keeps them all; a cache whose entries
// live less than two thirds of the time sampled keeps under half.
//
// Memory: the ids of live samples (which V8 keeps anyway) and two numbers
// per site and cohort; at most MAX_COHORTS cohorts (older ones merge).
const MAX_COHORTS = 32;

class Survival {
  #cohorts = [];  // { at, sites: Map site -> { born, live: Set } }, oldest first
  #known = new Set();  // ordinals in some cohort's live set

  // After each read: `sites` from sitesOf, at time `at`.
  add(sites, at) {
    const alive = new Set();
    for (const s of sites.values()) for (const id of s.samples) alive.add(id);
    for (const c of this.#cohorts) {
      for (const entry of c.sites.values()) {
        for (const id of entry.live) {
          if (!alive.has(id)) {
            entry.live.delete(id);
            this.#known.delete(id);
          }
        }
      }
    }
    const cohort = { at, sites: new Map() };
    for (const s of sites.values()) {
      for (const id of s.samples) {
        if (this.#known.has(id)) continue;
        this.#known.add(id);
        let entry = cohort.sites.get(s.site);
        if (entry === undefined) {
          entry = { born: 0, live: new Set() };
          cohort.sites.set(s.site, entry);
        }
        entry.born++;
        entry.live.add(id);
      }
    }
    this.#cohorts.push(cohort);
    if (this.#cohorts.length > MAX_COHORTS) this.#merge();
  }

  // The two oldest cohorts become one, at the later time.
  #merge() {
    const [a, b] = this.#cohorts.splice(0, 2);
    for (const [site, entry] of a.sites) {
      const into = b.sites.get(site);
      if (into === undefined) {
        b.sites.set(site, entry);
      } else {
        into.born += entry.born;
        for (const id of entry.live) into.live.add(id);
      }
    }
    this.#cohorts.unshift(b);
  }

  // { born, alive } of the site's samples first seen at or before `until`.
  of(site, until) {
    let born = 0;
    let alive = 0;
    for (const c of this.#cohorts) {
      if (c.at > until) break;
      const entry = c.sites.get(site);
      if (entry === undefined) continue;
      born += entry.born;
      alive += entry.live.size;
    }
    return { born, alive };
  }
}

// Whether a growing site keeps what it allocated: of its samples born in
// the first half of [since, now], at least half are alive (or too few were
// born to tell, under 4).
function keepsItsSamples(survival, site, since, now) {
  const { born, alive } = survival.of(site, since + (now - since) / 2);
  return born < 4 || alive * 2 >= born;
}

// Growth below this is noise: a few samples' worth, or objects that are
// still in the young generation when the profile is read.
function noiseFloor(intervalBytes) {
  return Math.max(4 * (intervalBytes || V8_DEFAULT_INTERVAL), 256 * 1024);
}

// What allocationProfile() resolves with.
class AllocationProfile {
  constructor(raw, meta) {
    this.head = raw.head;
    this.samples = raw.samples;
    this.truncated = raw.truncated;
    this.intervalBytes = meta.intervalBytes;  // 0: someone else's sampler
    this.startTime = meta.startTime;
    this.endTime = meta.endTime;
  }

  // Chrome DevTools' .heapprofile (Memory panel, "Load"):
  // fs.writeFileSync('x.heapprofile', JSON.stringify(profile)).
  toJSON() {
    return { head: this.head, samples: this.samples };
  }

  // Live sampled bytes by allocation site, largest first.
  sites(top = Infinity) {
    return [...sitesOf(this).values()].sort((a, b) => b.bytes - a.bytes).slice(0, top)
      .map(({ site, origin, stack, bytes }) => ({ site, origin, stack, bytes }));
  }

  // pprof's profile.proto (encoded by pprof-format), gzip-compressed as
  // `go tool pprof`, Pyroscope and Datadog read it: sample types
  // objects/count and space/bytes, one sample per node with live bytes.
  toPprof() {
    const { Profile, StringTable, ValueType } = require('pprof-format');
    const zlib = require('node:zlib');
    const strings = new StringTable();
    const functions = new Map();  // key -> Function input
    const locations = new Map();  // key -> Location input
    const samples = [];
    const locationOf = (frame) => {
      const key = `${frame.functionName}\0${frame.url}\0${frame.lineNumber}\0${frame.columnNumber}`;
      let loc = locations.get(key);
      if (loc !== undefined) return loc.id;
      const fkey = `${frame.functionName}\0${frame.url}\0${frame.lineNumber}`;
      let fn = functions.get(fkey);
      if (fn === undefined) {
        fn = {
          id: functions.size + 1,
          name: strings.dedup(frame.functionName || '(anonymous)'),
          systemName: strings.dedup(frame.functionName || '(anonymous)'),
          filename: strings.dedup(frame.url),
          startLine: frame.lineNumber + 1,
        };
        functions.set(fkey, fn);
      }
      loc = {
        id: locations.size + 1,
        line: [{ functionId: fn.id, line: frame.lineNumber + 1, column: frame.columnNumber + 1 }],
      };
      locations.set(key, loc);
      return loc.id;
    };
    // Samples (count, bytes) per node, to estimate its objects: its sample
    // count scaled as V8 scaled its bytes.
    const sampled = new Map();
    for (const s of this.samples) {
      const n = sampled.get(s.nodeId) || { count: 0, bytes: 0 };
      n.count++;
      n.bytes += s.size;
      sampled.set(s.nodeId, n);
    }
    forEachAllocating(this.head, (node, frames) => {
      const n = sampled.get(node.id);
      const objects = n !== undefined && n.bytes > 0
        ? Math.max(1, Math.round(n.count * node.selfSize / n.bytes)) : 1;
      // pprof lists a sample's locations innermost first.
      samples.push({ locationId: frames.map(locationOf).reverse(), value: [objects, node.selfSize] });
    });
    const objectsType = new ValueType({ type: strings.dedup('objects'), unit: strings.dedup('count') });
    const spaceType = new ValueType({ type: strings.dedup('space'), unit: strings.dedup('bytes') });
    const profile = new Profile({
      sampleType: [objectsType, spaceType],
      sample: samples,
      location: [...locations.values()],
      function: [...functions.values()],
      stringTable: strings,
      timeNanos: BigInt(Math.round(this.startTime)) * 1000000n,
      durationNanos: BigInt(Math.max(0, Math.round(this.endTime - this.startTime))) * 1000000n,
      periodType: spaceType,
      period: this.intervalBytes || V8_DEFAULT_INTERVAL,
    });
    return zlib.gzipSync(profile.encode());
  }
}

const CALL = 'leakguard.allocationProfile';

// Samples for `durationMs` and resolves with what is live of it. With a
// sampler already running (someone else's, or explain's), reads that one
// at the end instead, so the profile holds what it sampled before too.
function allocationProfile(opts) {
  return sampleFor(options.validate(CALL, options.PROFILE_SCHEMA, opts), { unref: false });
}

// allocationProfile() after validation. `unref`: the timer does not keep
// the process alive (a profile asked for from outside, lib/sampling/remote-profile.js,
// must not delay the service's exit).
function sampleFor(o, { unref }) {
  sampler.acquire(o.intervalBytes, o.stackDepth);
  const meta = { intervalBytes: sampler.intervalBytes, startTime: Date.now(), endTime: 0 };
  return new Promise((resolve, reject) => {
    // By default not unref'd: the caller waits for the profile, as for a
    // timer of its own.
    const timer = setTimeout(() => {
      try {
        const raw = sampler.read();
        meta.endTime = Date.now();
        if (raw === null) {
          reject(makeError('ERR_LEAKGUARD_PROFILER_STOPPED',
            `${CALL}: the sampling heap profiler was stopped from outside leakguard`));
          return;
        }
        resolve(new AllocationProfile(raw, meta));
      } catch (err) {
        reject(err);
      } finally {
        sampler.release();
      }
    }, o.durationMs);
    if (unref) timer.unref();
  });
}

module.exports = {
  sampler, sitesOf, growingSites, noiseFloor, V8_DEFAULT_INTERVAL, allocationProfile, sampleFor, AllocationProfile,
  frameOrigin, Survival, keepsItsSamples,
};
