'use strict';
// Allocation sites from V8's sampling heap profiler: the suspects of
// `explain: 'allocations'` (lib/explain.js) and leakguard.allocationProfile().
//
// V8 samples about one allocation per `intervalBytes` allocated (Poisson)
// with its stack, and forgets a sample when its object is collected, so
// the profile is the live sampled allocations by call site, scaled by V8
// to an estimate of all of them. Reading it pauses this thread only to copy
// the tree (src/addon/analysis/allocation_profile.h); nothing walks the heap.
//
// One sampler per isolate (V8's): the first user starts it, the last one
// done stops it, and only if leakguard started it. One that someone else
// started (the inspector's HeapProfiler.startSampling, @datadog/pprof,
// v8.startHeapProfile) is read and never stopped, at its owner's interval.
// If its owner stops it while leakguard reads it, reading returns null.
const path = require('node:path');
const binding = require('./binding');
const options = require('./options');
const { makeError } = require('./errors');

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

// Node's and V8's own code, and leakguard's: a site is the innermost
// frame that is none of these.
function isUserFrame(frame) {
  const url = frame.url;
  if (url === '' || url.startsWith('node:')) return false;
  const file = url.startsWith('file://') ? decodeURIComponent(url.slice(7)) : url;
  return !file.startsWith(OWN_DIR);
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

// Live sampled bytes by site: Map of site -> { site, stack, bytes }, the
// stack (innermost frame first) of the heaviest node behind the site.
// Nodes with no user frame count under their innermost frame.
function sitesOf(profile) {
  const sites = new Map();
  const heaviest = new Map();  // site -> bytes of the node whose stack it keeps
  forEachAllocating(profile.head, (node, frames) => {
    let top = frames.length - 1;
    while (top >= 0 && !isUserFrame(frames[top])) top--;
    const site = frameText(frames[top >= 0 ? top : frames.length - 1]);
    let s = sites.get(site);
    if (s === undefined) {
      s = { site, stack: null, bytes: 0 };
      sites.set(site, s);
    }
    s.bytes += node.selfSize;
    if (node.selfSize > (heaviest.get(site) || 0)) {
      heaviest.set(site, node.selfSize);
      s.stack = frames.map(frameText).reverse();
    }
  });
  return sites;
}

// Sites whose live sampled bytes grew from `before` to `after` (Maps from
// sitesOf) by at least `minBytes`, most growth first, with the rate over
// `elapsedMs`.
function growingSites(before, after, elapsedMs, minBytes, top) {
  const out = [];
  for (const s of after.values()) {
    const was = before.has(s.site) ? before.get(s.site).bytes : 0;
    const growth = s.bytes - was;
    if (growth < minBytes) continue;
    out.push({
      site: s.site,
      stack: s.stack,
      bytes: s.bytes,
      growth,
      bytesPerSecond: elapsedMs > 0 ? growth * 1000 / elapsedMs : 0,
    });
  }
  out.sort((a, b) => b.growth - a.growth);
  return out.slice(0, top);
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
    return [...sitesOf(this).values()].sort((a, b) => b.bytes - a.bytes).slice(0, top);
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
  const o = options.validate(CALL, options.PROFILE_SCHEMA, opts);
  sampler.acquire(o.intervalBytes, o.stackDepth);
  const meta = { intervalBytes: sampler.intervalBytes, startTime: Date.now(), endTime: 0 };
  return new Promise((resolve, reject) => {
    // Not unref'd: the caller waits for the profile, as for a timer of its own.
    setTimeout(() => {
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
  });
}

module.exports = {
  sampler, sitesOf, growingSites, noiseFloor, allocationProfile, AllocationProfile, isUserFrame,
};
