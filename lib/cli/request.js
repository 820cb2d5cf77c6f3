'use strict';
// The exchange `leakguard profile <pid>` and `leakguard report --pid <pid>`
// share with a running process (lib/sampling/remote-profile.js is the
// other side): publish a request file, leakguard-profile.request (mode
// 0600, the target user's: root gives it through its own descriptor,
// never by path), in the target's snapshot directory; send the snapshot
// signal; wait for the answer file, or for the one-line error file the
// target leaves when it refuses. The request never outlives the CLI: a
// later signal (a user's kill -USR2 for a snapshot) would otherwise be
// taken as this request.
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const binding = require('../binding');
const { printable } = require('./printable');
const { alive, targetIds } = require('./target');
const { REQUEST_NAME, MAX_REQUEST_BYTES, outputName } = require('../sampling/remote-profile');

// A request file older than this was left by a CLI that died, or by a
// target that exited before it looked.
const STALE_REQUEST_MS = 10 * 60 * 1000;

// Whether `name` is in the directory (lstat: a link is not followed).
function exists(dir, name) {
  try {
    fs.lstatSync(path.join(dir, name));
    return true;
  } catch {
    return false;
  }
}

// Sends `fields` (with a fresh id) to the target { pid, dir, signal } and
// waits up to `waitMs` for leakguard-<pid>-<id><suffix>. Resolves with
// { base, where, exit } after `fail` printed why there is none, or with
// { base, where, found: true } (`where`: the directory checks the target's
// files are read and removed with).
async function request(target, fields, suffix, waitMs, fail) {
  const { pid, dir, signal } = target;
  const ids = targetIds(pid);
  const root = process.geteuid() === 0;
  // The directory must be the target user's (or root's) and writable by
  // nobody else: the target refuses requests from a directory others can
  // write to.
  const where = {
    role: 'snapshot directory', private: true, ownerUid: ids.uid, ownerGid: ids.gid,
  };
  const id = crypto.randomBytes(8).toString('hex');
  const base = outputName(pid, id);
  const text = JSON.stringify({ id, ...fields });
  const publish = () => binding.writeFile(dir, REQUEST_NAME, text,
    { ...where, create: false, mode: 'exclusive', chown: root && ids.uid !== process.geteuid() });
  const readOwn = (name) => binding.readFile(dir, name, MAX_REQUEST_BYTES, { ...where, fileUid: ids.uid });
  try {
    try {
      publish();
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      let pending = null;
      try {
        pending = readOwn(REQUEST_NAME);
      } catch {
        // not a request of the target's: left alone, and said below
      }
      const age = pending === null ? 0 : Date.now() - pending.mtimeMs;
      if (pending === null || age < STALE_REQUEST_MS) {
        return { base, where, exit: fail(`another request is pending in ${dir} ` +
          `(${REQUEST_NAME}, ${Math.round(age / 1000)} s old); try again when it is done`) };
      }
      binding.removeFile(dir, REQUEST_NAME, where);  // stale: its CLI is gone
      publish();
    }
  } catch (err) {
    return { base, where, exit: fail(`cannot write the request in ${dir}: ${err.message}` +
      (err.code === 'EACCES' ? ' (run as the user of the target process, or as root)' : '')) };
  }
  const withdraw = () => {
    try {
      const pending = readOwn(REQUEST_NAME);
      if (pending !== null && JSON.parse(pending.text).id === id) {
        binding.removeFile(dir, REQUEST_NAME, where);
      }
    } catch {
      // Taken by the target already, or gone.
    }
  };
  try {
    try {
      process.kill(pid, signal);
    } catch (err) {
      return { base, where, exit: fail(err.code === 'ESRCH' ? `no process ${pid}` : `cannot signal process ${pid}: ${err.code}`) };
    }
    const deadline = Date.now() + waitMs;
    for (;;) {
      if (exists(dir, `${base}${suffix}`)) return { base, where, found: true };
      // The target's one line, read as the target's file only: never
      // through a link, never from a FIFO or a device, at most 4 KiB.
      let why = null;
      try {
        why = readOwn(`${base}.profile-error`);
      } catch (err) {
        why = { text: `its error file is not one (${err.message})` };
      }
      if (why !== null) {
        try {
          binding.removeFile(dir, `${base}.profile-error`, where);
        } catch {
          // left for the target's owner
        }
        return { base, where, exit: fail(`process ${pid} refused: ${printable(why.text.trim())}`) };
      }
      if (!alive(pid)) return { base, where, exit: fail(`process ${pid} exited before it answered`) };
      if (Date.now() >= deadline) {
        return {
          base, where,
          exit: fail(exists(dir, REQUEST_NAME)
            ? `process ${pid} did not take the request in ${Math.round(waitMs / 1000)}s; is leakguard ` +
              `loaded there with snapshots on ${signal} and LEAKGUARD_DIR=${dir}?`
            : `process ${pid} took the request but did not answer within ` +
              `${Math.round(waitMs / 1000)}s; try a longer --timeout`),
        };
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    withdraw();
  }
}

module.exports = { request, exists };
