'use strict';
// The target's side of `leakguard profile <pid>` (lib/cli/profile.js) and
// of `leakguard report --pid <pid>` (lib/cli/report.js: a request of kind
// 'timeline' is answered with leakguard-<pid>-<id>.timeline.json, the
// process's timeline()).
//
// The CLI publishes a request file, leakguard-profile.request, in the
// snapshot directory and sends the snapshot signal. The native signal
// watcher reads and removes it through the checked directory's descriptor
// (src/addon/snapshot/snapshot_controller.cc, PostProfileRequest: never a
// link, never a FIFO, only this user's regular file of at most 4 KiB, and
// never in a directory others can write to) and hands its text here as a
// profile request: its own message, not a snapshot result. We sample
// allocations for the requested time and publish two files next to the
// snapshots:
//
//   leakguard-<pid>-<id>.heapprofile   Chrome DevTools' format
//   leakguard-<pid>-<id>.pb.gz         pprof
//
// each through the native file layer (a .tmp, mode 0600, written whole,
// flushed and linked), the .pb.gz first, so the .heapprofile the CLI waits
// for means both are complete; then the instance emits 'profile' with both
// paths and the top sites. A request that cannot be served leaves
// leakguard-<pid>-<id>.profile-error (one line, the reason) for the CLI to
// print, and is reported as an 'error' (or a warning) here.
const binding = require('../binding');
const options = require('../options');
const { makeError } = require('../errors');
const { sampleFor } = require('./allocations');

const REQUEST_NAME = 'leakguard-profile.request';
const MAX_REQUEST_BYTES = 4096;
const ID = /^[0-9a-f]{8,32}$/;

// The output files' name (without extension) for request `id`.
function outputName(pid, id) {
  return `leakguard-${pid}-${id}`;
}

// A file next to the snapshots, written once under its name.
function publishIn(dir, name, data) {
  return binding.writeFile(dir, name, data,
    { role: 'snapshot directory', create: false, mode: 'exclusive' });
}

// The request's text as { id, durationMs, intervalBytes?, stackDepth? }.
function parseRequest(text, dir) {
  let request;
  try {
    request = JSON.parse(text);
  } catch {
    request = null;
  }
  if (request === null || typeof request !== 'object' || Array.isArray(request) ||
      !ID.test(request.id)) {
    throw makeError('ERR_LEAKGUARD_PROFILE_REQUEST',
      `leakguard: ${dir}/${REQUEST_NAME} is not a profile request ` +
      '(expected JSON with an id of 8-32 hex digits)');
  }
  return request;
}

class RemoteProfiles {
  #guard;
  #running = false;

  constructor(guard) {
    this.#guard = guard;
  }

  // A request the snapshot signal found (snapshotInit's second callback):
  // r.request is its text, r.dir the snapshot directory; !r.ok when the
  // file was refused (r.message says why). Never throws.
  handle(r) {
    let request;
    try {
      if (!r.ok) throw makeError('ERR_LEAKGUARD_PROFILE_REQUEST', r.message);
      request = parseRequest(r.request, r.dir);
    } catch (err) {
      this.#guard.reportError(err, err.code);
      return;
    }
    const base = outputName(process.pid, request.id);
    const fail = (err) => {
      try {
        publishIn(r.dir, `${base}.profile-error`, `${err.message}\n`);
      } catch {
        // The directory went away or was refused; the error below says so.
      }
      this.#guard.reportError(err, err.code || 'profile');
    };
    // `leakguard report --pid`: this process's timeline, for the CLI to
    // combine with its own analysis of the snapshots (no analysis here:
    // the service's memory and threads are not spent on it).
    if (request.kind === 'timeline') {
      try {
        publishIn(r.dir, `${base}.timeline.json`, JSON.stringify(this.#guard.timeline()));
      } catch (err) {
        fail(err);
      }
      return;
    }
    if (request.kind !== undefined && request.kind !== 'profile') {
      fail(makeError('ERR_LEAKGUARD_PROFILE_REQUEST',
        `leakguard: unknown request kind ${JSON.stringify(String(request.kind)).slice(0, 40)} ` +
        "(expected 'profile' or 'timeline')"));
      return;
    }
    if (this.#running) {
      fail(makeError('ERR_LEAKGUARD_PROFILE_REQUEST',
        'leakguard profile: this process is already taking a profile for another request'));
      return;
    }
    let o;
    try {
      const { id, kind, ...opts } = request;
      o = options.validate('leakguard profile', options.PROFILE_SCHEMA, opts);
    } catch (err) {
      fail(err);
      return;
    }
    this.#running = true;
    sampleFor(o, { unref: true }).then((profile) => {
      const pprof = publishIn(r.dir, `${base}.pb.gz`, profile.toPprof());
      const json = publishIn(r.dir, `${base}.heapprofile`, JSON.stringify(profile));
      this.#guard.emit('profile', {
        path: json.path,
        pprofPath: pprof.path,
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

module.exports = { RemoteProfiles, REQUEST_NAME, MAX_REQUEST_BYTES, outputName };
