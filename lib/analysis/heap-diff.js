'use strict';
// memwatch's HeapDiff, in process: `new HeapDiff()` takes the "before"
// snapshot, `end()` takes the "after" one and returns memwatch's result
// synchronously, `endAsync()` returns a Promise of it and computes the diff
// on a libuv threadpool thread. The shape is @airbnb/node-memwatch's:
//
//   { before: { nodes, size_bytes, size }, after: { nodes, size_bytes, size },
//     change: { size_bytes, size, freed_nodes, allocated_nodes,
//               details: [{ what, size_bytes, size, '+', '-' }] } }
//
// and is computed by the same code as `leakguard diff` on two files
// (src/core/analysis/heap_diff.h), so the two agree for the same heap.
//
// Each snapshot pauses this thread while V8 captures the heap (it runs a
// full GC first). The addon then copies what a diff needs, per node its id,
// type, self size and, for objects, the constructor name, and releases
// V8's snapshot at once. Between the constructor and end() a HeapDiff
// holds only that copy of the "before" heap, in native memory: about 21
// bytes per heap object plus each distinct constructor name once (~45 MB
// for a heap of 2M objects). end() and endAsync() free both copies.
//
// Snapshots are per thread: a HeapDiff in a worker diffs the worker's heap.
const { captureHeap } = require('../snapshot/snapshots');
const binding = require('../binding');
const options = require('../options');
const { makeError } = require('../errors');

const CALL = 'leakguard.HeapDiff';

const HEAP_DIFF_SCHEMA = {
  ignoreHeadroom: {
    kind: 'boolean', default: false,
    doc: 'take the snapshots even when the memory budget says no',
  },
};

function endedError() {
  // memwatch's words, so code that matched them still does.
  return makeError('ERR_LEAKGUARD_HEAPDIFF_ENDED',
                   `${CALL}: attempt to end() a HeapDiff that was already ended`);
}

class HeapDiff {
  #options;
  #before;  // the capture handle of the "before" heap, until end

  constructor(opts) {
    this.#options = options.validate(CALL, HEAP_DIFF_SCHEMA, opts);
    this.#before = captureHeap(CALL, 'classes', {
      ignoreHeadroom: this.#options.ignoreHeadroom, reason: 'heap-diff',
    }).handle;
  }

  // The "after" snapshot; the HeapDiff is ended from here on, whether the
  // snapshot succeeds or not.
  #after() {
    const before = this.#before;
    if (before === null) throw endedError();
    this.#before = null;
    try {
      const after = captureHeap(CALL, 'classes', {
        ignoreHeadroom: this.#options.ignoreHeadroom, reason: 'heap-diff',
      }).handle;
      return [before, after];
    } catch (err) {
      binding.releaseCapture(before);
      throw err;
    }
  }

  // The diff, now, on this thread.
  end() {
    const [before, after] = this.#after();
    return JSON.parse(binding.diffCaptures(before, after, 0));
  }

  // The same, with the diff computed off this thread (the "after" snapshot
  // itself is taken during the call: V8 can only take it here).
  endAsync() {
    let handles;
    try {
      handles = this.#after();
    } catch (err) {
      return Promise.reject(err);
    }
    return binding.diffCapturesAsync(handles, options.defaults(options.REPORT_SCHEMA)).then(JSON.parse);
  }
}

// The constructors that grew most, from a memwatch-shaped heap diff:
// [{ what, count, bytes }], largest growth first.
function topGrowing(diff, limit = 3) {
  const details = diff && diff.change && diff.change.details;
  if (!Array.isArray(details)) return [];
  return details
    .map((d) => ({
      what: String(d.what),
      count: (Number(d['+']) || 0) - (Number(d['-']) || 0),
      bytes: Number(d.size_bytes) || 0,
    }))
    .filter((d) => d.bytes > 0 || d.count > 0)
    .sort((a, b) => b.bytes - a.bytes || b.count - a.count)
    .slice(0, limit);
}

module.exports = { HeapDiff, HEAP_DIFF_SCHEMA, topGrowing };
