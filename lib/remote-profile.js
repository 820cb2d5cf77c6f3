'use strict';
// The target's side of `leakguard profile <pid>` (lib/profile-cli.js).
//
// The CLI publishes a request file, leakguard-profile.request, in the
// snapshot directory and sends the snapshot signal. The native signal
// watcher sees the file and, instead of taking a snapshot, hands its path
// here (a result with trigger 'profile', src/addon/snapshot/
// snapshot_controller.cc). We read and remove the file, sample allocations
// for the requested time and publish two files next to the snapshots:
//
//   leakguard-<pid>-<id>.heapprofile   Chrome DevTools' format
//   leakguard-<pid>-<id>.pb.gz         pprof
//
// each written as a .tmp (mode 0600), flushed and renamed, the .pb.gz
// first, so the .heapprofile the CLI waits for means both are complete;
// then the instance emits 'profile' with both paths and the top sites. A
// request that cannot be served leaves leakguard-<pid>-<id>.profile-error
// (one line, the reason) for the CLI to print, and is reported as an
// 'error' (or a warning) here.
const fs = require('node:fs');
const path = require('node:path');
const options = require('./options');
const { makeError } = require('./errors');
const { sampleFor } = require('./allocations');
const { publish } = require('./files');

const REQUEST_NAME = 'leakguard-profile.request';
const MAX_REQUEST_BYTES = 4096;
const ID = /^[0-9a-f]{8,32}$/;

// The output files' base path for request `id` in `dir`.
function outputBase(dir, pid, id) {
  return path.join(dir, `leakguard-${pid}-${id}`);
}

// Reads and removes the request: { id, durationMs, intervalBytes?,
// stackDepth? }. Returns null when another isolate took it first.
function takeRequest(file) {
  let fd;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  } catch (err) {
    if (err.code === 'ENOENT') return null;
    throw err;
  }
  let text;
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile() || st.size > MAX_REQUEST_BYTES) {
      throw makeError('ERR_LEAKGUARD_PROFILE_REQUEST',
        `leakguard: ${file} is not a profile request (over ${MAX_REQUEST_BYTES} bytes or not a file)`);
    }
    const buf = Buffer.alloc(st.size);
    const n = fs.readSync(fd, buf, 0, st.size, 0);
    text = buf.toString('utf8', 0, n);
  } finally {
    fs.closeSync(fd);
    try {
      fs.unlinkSync(file);
    } catch (err) {
      if (err.code !== 'ENOENT') throw err;
    }
  }
  let request;
  try {
    request = JSON.parse(text);
  } catch {
    request = null;
  }
  if (request === null || typeof request !== 'object' || !ID.test(request.id)) {
    throw makeError('ERR_LEAKGUARD_PROFILE_REQUEST',
      `leakguard: ${file} is not a profile request (expected JSON with an id of 8-32 hex digits)`);
  }
  return request;
}

class RemoteProfiles {
  #guard;
  #running = false;

  constructor(guard) {
    this.#guard = guard;
  }

  // A result with trigger 'profile': r.path is the request file, r.dir the
  // snapshot directory. Never throws.
  handle(r) {
    let request;
    try {
      request = takeRequest(r.path);
    } catch (err) {
      this.#guard.reportError(err, err.code || 'profile-request');
      return;
    }
    if (request === null) return;
    const base = outputBase(r.dir, process.pid, request.id);
    const fail = (err) => {
      try {
        publish(`${base}.profile-error`, `${err.message}\n`);
      } catch {
        // The directory went away; the error below still reports it.
      }
      this.#guard.reportError(err, err.code || 'profile');
    };
    if (this.#running) {
      fail(makeError('ERR_LEAKGUARD_PROFILE_REQUEST',
        'leakguard profile: this process is already taking a profile for another request'));
      return;
    }
    let o;
    try {
      const { id, ...opts } = request;
      o = options.validate('leakguard profile', options.PROFILE_SCHEMA, opts);
    } catch (err) {
      fail(err);
      return;
    }
    this.#running = true;
    sampleFor(o, { unref: true }).then((profile) => {
      publish(`${base}.pb.gz`, profile.toPprof());
      publish(`${base}.heapprofile`, JSON.stringify(profile));
      this.#guard.emit('profile', {
        path: `${base}.heapprofile`,
        pprofPath: `${base}.pb.gz`,
        durationMs: profile.endTime - profile.startTime,
        intervalBytes: profile.intervalBytes,
        samples: profile.samples.length,
        sites: profile.sites(5),
      });
    }).catch(fail).finally(() => {
      this.#running = false;
    });
  }
}

module.exports = { RemoteProfiles, REQUEST_NAME, MAX_REQUEST_BYTES, outputBase, publish };
