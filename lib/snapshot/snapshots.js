'use strict';
// Heap snapshots: writeSnapshot(), enableSnapshots(), disableSnapshots()
// and snapshotStats() on the LeakGuard instance.
//
// The native side takes each snapshot on this thread (from the call, from
// an interrupt while JS runs, or from a main-loop wake-up while it is idle),
// finishes the file on its own thread, and reports every outcome through
// one callback: #onResults below. Here we only validate, turn results into
// the promise, the 'snapshot' event, the sink call, or an error. A
// `leakguard profile <pid>` request found by the snapshot signal is not a
// snapshot: it comes to a callback of its own, and goes to the handler
// install() was given (lib/index.js passes lib/sampling/remote-profile.js's).
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { threadId } = require('../thread');
const binding = require('../binding');
const options = require('../options');
const { makeError } = require('../errors');

function templateError(call, template) {
  const why = binding.validateNameTemplate(template);
  if (why === '') return null;
  return makeError('ERR_INVALID_ARG_VALUE', `${call}: options.nameTemplate: ${why}`);
}

// A failed result becomes an Error with Node's fields: code (errno name or
// ERR_LEAKGUARD_*), and for a failed system call, syscall, path and errno.
// `call` names the API that wanted the snapshot, when it is not the
// snapshot API itself.
function resultError(r, call = 'leakguard') {
  const err = new Error(`${call}: heap snapshot (${r.trigger}) failed: ${r.message}`);
  err.code = r.code;
  if (r.syscall) {
    err.syscall = r.syscall;
    err.path = r.path;
    err.errno = r.errno;
  }
  err.trigger = r.trigger;
  err.reason = r.reason;
  if (r.estimatedBytes) err.estimatedBytes = r.estimatedBytes;
  if (r.headroomBytes) err.headroomBytes = r.headroomBytes;
  return err;
}

// Where a refused snapshot signal's reason is left for the CLI.
function refusalName(pid) {
  return `leakguard-${pid}.snapshot-refused`;
}

function resultInfo(r) {
  return {
    path: r.path,
    bytes: r.bytes,
    reason: r.reason,
    trigger: r.trigger,
    pauseMs: r.pauseMs,
    captureMs: r.captureMs,
    totalMs: r.totalMs,
    nodes: r.nodes,
    edges: r.edges,
    heapUsed: r.heapUsed,
    estimatedBytes: r.estimatedBytes,
    skipped: r.skipped,
    removed: r.removed,
    time: r.time,
    threadId: threadId(),
  };
}

// Test hook, not an option: simulate a full disk after N bytes.
function failAfterBytes() {
  const v = Number(process.env.LEAKGUARD_TEST_FAIL_AFTER_BYTES);
  return Number.isFinite(v) && v > 0 ? v : 0;
}

function fileRequest(opts, dir) {
  return {
    dir: path.resolve(opts.dir || dir),
    nameTemplate: opts.nameTemplate,
    maxFiles: opts.maxFiles,
    minFreeDiskBytes: opts.minFreeDiskBytes,
    ignoreHeadroom: opts.ignoreHeadroom,
    threadId: threadId(),
    failAfterBytes: failAfterBytes(),
  };
}

class Snapshots {
  #guard;
  #changed;  // the symbol of guard's hook for the quiet monitor (lib/index.js)
  #initialized = false;
  #nextId = 1;
  #pending = new Map();  // id -> { resolve, reject }
  #config = null;  // enableSnapshots() options while enabled
  #onLeak = () => binding.requestSnapshot();
  #onProfileRequest;  // (request) => void, never throws

  constructor(guard, changed, onProfileRequest) {
    this.#guard = guard;
    this.#changed = changed;
    this.#onProfileRequest = onProfileRequest;
  }

  #init() {
    if (this.#initialized) return;
    binding.snapshotInit((results) => this.#onResults(results),
                         (requests) => requests.forEach(this.#onProfileRequest));
    this.#initialized = true;
  }

  write(opts) {
    let o;
    try {
      o = options.validate('leakguard.writeSnapshot',
                           options.WRITE_SNAPSHOT_SCHEMA, opts);
      if (o.nameTemplate !== undefined) {
        const err = templateError('leakguard.writeSnapshot', o.nameTemplate);
        if (err) throw err;
      }
      this.#init();
    } catch (err) {
      return Promise.reject(err);
    }
    const defaults = this.#config || {};
    const request = fileRequest({
      ...o,
      dir: o.dir || defaults.dir,
      nameTemplate: o.nameTemplate || defaults.nameTemplate,
      maxFiles: opts && opts.maxFiles !== undefined
        ? o.maxFiles : (defaults.maxFiles || 0),
      minFreeDiskBytes: opts && opts.minFreeDiskBytes !== undefined
        ? o.minFreeDiskBytes : (defaults.minFreeDiskBytes || 0),
    }, process.cwd());
    request.id = this.#nextId++;
    request.reason = o.reason;
    return new Promise((resolve, reject) => {
      this.#pending.set(request.id, { resolve, reject });
      try {
        // The snapshot is taken during this call; the result arrives once
        // the file is flushed and published.
        binding.writeSnapshot(request);
      } catch (err) {
        this.#pending.delete(request.id);
        reject(err);
      }
    });
  }

  enable(opts) {
    const call = 'leakguard.enableSnapshots';
    const o = options.validate(call, options.SNAPSHOT_SCHEMA, opts);
    if (o.nameTemplate !== undefined) {
      const err = templateError(call, o.nameTemplate);
      if (err) throw err;
    }
    o.dir = path.resolve(o.dir || process.env.LEAKGUARD_DIR || process.cwd());
    const unsafe = binding.checkSnapshotDirectory(o.dir);
    if (unsafe !== '') throw makeError('ERR_INVALID_ARG_VALUE', `${call}: options.dir: ${unsafe}`);
    this.#init();
    const native = {
      ...fileRequest(o, o.dir),
      signal: o.signal ? os.constants.signals[o.signal] : 0,
      cooldownMs: o.cooldownMs,
      heapUsedBytes: o.heapUsedBytes || 0,
      heapUsedPercent: o.heapUsedPercent || 0,
      rssBytes: o.rssBytes || 0,
      nearHeapLimit: o.nearHeapLimit,
    };
    binding.enableSnapshots(native);
    this.#config = o;
    this.#guard.removeListener('leak', this.#onLeak);
    if (o.onLeak) this.#guard.on('leak', this.#onLeak);
    // The monitor thread watches the signal and the thresholds.
    if (!this.#guard.monitoring) this.#guard.start();
    return this.#guard;
  }

  disable() {
    if (this.#initialized) binding.disableSnapshots();
    this.#guard.removeListener('leak', this.#onLeak);
    this.#config = null;
    this.#guard[this.#changed]();
    return this.#guard;
  }

  get config() {
    return this.#config ? { ...this.#config } : null;
  }

  stats() {
    return { ...binding.snapshotStats(), signalsRefused: { ...this.#signalsRefused } };
  }

  // Snapshot signals the gate refused, by reason, as they reached JS.
  #signalsRefused = { cooldown: 0, busy: 0 };

  // The snapshot signal was refused (cooldown, or one being taken): an
  // 'error' (the preload logs it with the time left), counted, and the
  // reason left in the snapshot directory as
  // leakguard-<pid>.snapshot-refused, "<ms since the epoch> <reason>", for
  // `leakguard snapshot` to print instead of waiting for its timeout.
  #signalRefused(r) {
    if (Object.hasOwn(this.#signalsRefused, r.refused)) this.#signalsRefused[r.refused]++;
    // The addon's code (src/addon/napi/errors.h).
    const err = Object.assign(new Error(`leakguard: ${r.message}`), {
      code: r.code, refused: r.refused, retryMs: r.retryMs, trigger: r.trigger,
    });
    this.#guard.reportError(err, err.code);
    if (r.dir) {
      try {
        binding.writeFile(r.dir, refusalName(process.pid), `${r.time} ${r.message}\n`,
          { role: 'snapshot directory', create: false, mode: 'replace' });
      } catch {
        // The directory is refused or gone: the error above says it all.
      }
    }
  }

  #onResults(results) {
    for (const r of results) {
      const waiter = r.id ? this.#pending.get(r.id) : undefined;
      if (waiter) this.#pending.delete(r.id);
      if (!r.ok && r.refused) {
        this.#signalRefused(r);
        continue;
      }
      if (!r.ok) {
        const err = resultError(r);
        if (waiter) waiter.reject(err);
        else this.#guard.reportError(err, err.code);
        continue;
      }
      const info = resultInfo(r);
      // The file is written; removing old ones failed (maxFiles).
      if (r.retentionError) {
        r.retentionError.message = `leakguard: snapshot retention in ${r.dir} failed: ` +
          r.retentionError.message;
        this.#guard.reportError(r.retentionError, `retention:${r.retentionError.code}`);
      }
      if (waiter) waiter.resolve(info);
      this.#guard.emit('snapshot', info);
      if (!waiter && this.#config && this.#config.sink) {
        this.#runSink(this.#config, info);
      }
    }
  }

  // Never throws and never rejects: a failing sink is an 'error' (or a
  // warning) and the file stays where it is.
  async #runSink(config, info) {
    // Opened by the file layer (the checked directory, never a link or a
    // FIFO in its place), streamed from that descriptor.
    let stream;
    try {
      stream = fs.createReadStream(null, {
        fd: binding.openFile(path.dirname(info.path), path.basename(info.path),
          { role: 'snapshot directory' }),
      });
    } catch (cause) {
      this.#guard.reportError(makeError('ERR_LEAKGUARD_SINK',
        `leakguard: snapshot sink: cannot open ${info.path}: ${cause.message}`,
        { cause, path: info.path }), 'sink');
      return;
    }
    stream.on('error', () => {});  // reported through the sink's rejection
    try {
      await config.sink({ path: info.path, stream, info });
    } catch (cause) {
      const err = makeError('ERR_LEAKGUARD_SINK',
        `leakguard: snapshot sink failed for ${info.path}: ` +
        `${cause && cause.message ? cause.message : cause}`,
        { cause, path: info.path });
      this.#guard.reportError(err, 'sink');
      return;
    } finally {
      stream.destroy();
    }
    if (!config.keepAfterSink) {
      try {
        binding.removeFile(path.dirname(info.path), path.basename(info.path),
          { role: 'snapshot directory' });
      } catch {
        // gone already, or the directory changed: nothing of ours to remove
      }
    }
  }
}

// A snapshot of this thread's heap for an analysis in process (HeapDiff,
// findLeaks): V8 captures it, the addon copies `kind` out of it ('ids',
// 'classes' or 'full', see src/addon/analysis/heap_capture.h) and releases V8's
// snapshot before this returns. With `file` ({ dir, name }) the snapshot is
// also written there (mode 0600, atomically): `finished` then resolves once
// the file is published. Throws the snapshot's Error when it was refused
// or failed. Returns { handle, info, finished }.
function captureHeap(call, kind, { ignoreHeadroom = false, reason, file } = {}) {
  const request = { threadId: threadId(), ignoreHeadroom, reason: reason || kind };
  if (file) {
    request.dir = file.dir;
    request.nameTemplate = file.name;
  }
  const r = binding.captureHeap(kind, request);
  if (!r.ok) throw resultError(r, call);
  const { handle } = r;
  let finished = null;
  if (file) {
    finished = binding.finishCapture(handle).then((done) => {
      if (!done.ok) throw resultError(done, call);
      return done.path;
    });
  }
  return { handle, info: { ...resultInfo(r), copyMs: r.copyMs }, finished };
}

// Adds the snapshot methods to the default LeakGuard instance.
// `onProfileRequest(request)` answers `leakguard profile <pid>`: { dir, ok,
// request (its text) } or { dir, ok: false, message }.
function install(guard, changed, onProfileRequest) {
  const snapshots = new Snapshots(guard, changed, onProfileRequest);
  const methods = {
    // Promise of { path, bytes, reason, trigger, pauseMs, totalMs, nodes,
    // edges, ... }; rejects with an Error naming the code (and the syscall
    // and path) when no complete file could be written.
    writeSnapshot: (opts) => snapshots.write(opts),
    // Automatic snapshots on a signal, thresholds, near the heap limit and
    // on 'leak' verdicts. Returns the instance.
    enableSnapshots: (opts) => snapshots.enable(opts),
    disableSnapshots: () => snapshots.disable(),
    // Counters: taken, failed, skipped (cooldown/coalesced), signals, ...
    snapshotStats: () => snapshots.stats(),
  };
  for (const [name, fn] of Object.entries(methods)) {
    Object.defineProperty(guard, name, {
      value: fn, writable: true, configurable: true, enumerable: false,
    });
  }
  Object.defineProperty(guard, 'snapshotOptions', {
    get: () => snapshots.config, configurable: true, enumerable: false,
  });
  return guard;
}

module.exports = { install, captureHeap, resultError, refusalName };
