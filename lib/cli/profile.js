'use strict';
// `leakguard profile <pid> [--duration 30s] [--interval bytes] [--depth n]
//  [--timeout s] [--dir d] [--signal SIGUSR2]`: samples allocations in a
// running process that has leakguard's snapshots armed (usually through
// leakguard/register), and prints the paths of the two files it wrote:
// a DevTools .heapprofile and a pprof .pb.gz.
//
// It goes through the snapshot signal's path, so nothing else needs arming:
// the CLI publishes a request file (leakguard-profile.request, mode 0600)
// in the target's snapshot directory and sends the snapshot signal. The
// target's signal watcher finds the file and samples instead of taking a
// snapshot (lib/sampling/remote-profile.js). A second signal would need a second
// handler armed in every service, and a signal sent to a process that
// does not catch it kills it.
//
// Exit codes as `leakguard snapshot`: 0 printed the paths, 1 bad usage, 3
// no profile (refused, timeout, the process is gone); the reason is one
// line on stderr.
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const binding = require('../binding');
const options = require('../options');
const { printable } = require('./printable');
const { UsageError } = require('./args');
const { alive, begin, targetIds } = require('./target');
const { REQUEST_NAME, MAX_REQUEST_BYTES, outputName } = require('../sampling/remote-profile');

// A request file older than this was left by a CLI that died, or by a
// target that exited before it looked.
const STALE_REQUEST_MS = 10 * 60 * 1000;

// "30s", "500ms", "2m", "1h" or plain seconds, in ms.
function parseDuration(text) {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(String(text).trim());
  if (m === null) {
    throw new UsageError(`--duration must be a time such as 30s, 500ms or 2m, got "${text}"`);
  }
  const unit = { ms: 1, s: 1000, m: 60000, h: 3600000 }[m[2] || 's'];
  return Math.round(Number(m[1]) * unit);
}

// The CLI's values as allocationProfile() options, checked against the
// same schema the target applies, so that usage errors are ours.
function profileOptions(values) {
  const raw = { durationMs: values.duration === undefined ? 30000 : parseDuration(values.duration) };
  if (values.interval !== undefined) raw.intervalBytes = Number(values.interval);
  if (values.depth !== undefined) raw.stackDepth = Number(values.depth);
  try {
    return options.validate('leakguard profile', options.PROFILE_SCHEMA, raw);
  } catch (err) {
    const flag = { durationMs: '--duration', intervalBytes: '--interval', stackDepth: '--depth' };
    throw new UsageError(err.message.replace(/options\.(\w+)/, (_, name) => flag[name] || name));
  }
}

// Whether `name` is in the directory (lstat: a link is not followed).
function exists(dir, name) {
  try {
    fs.lstatSync(path.join(dir, name));
    return true;
  } catch {
    return false;
  }
}

async function run(positionals, values, io = process) {
  const opts = profileOptions(values);
  const { fail, timeoutS, target } = begin('profile', positionals, values, io);
  if (target.exit !== undefined) return target.exit;
  const { pid, dir, signal } = target;
  const ids = targetIds(pid);
  const root = process.geteuid() === 0;
  // The directory must be the target user's (or root's) and writable by
  // nobody else: the target refuses requests from a directory others can
  // write to. Root gives the file to the target through its descriptor
  // (fchown), never by path.
  const where = {
    role: 'snapshot directory', private: true, ownerUid: ids.uid, ownerGid: ids.gid,
  };
  const id = crypto.randomBytes(8).toString('hex');
  const request = JSON.stringify({ id, ...opts });
  const publish = () => binding.writeFile(dir, REQUEST_NAME, request,
    { ...where, create: false, mode: 'exclusive', chown: root && ids.uid !== process.geteuid() });
  try {
    try {
      publish();
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      let pending = null;
      try {
        pending = binding.readFile(dir, REQUEST_NAME, MAX_REQUEST_BYTES, { ...where, fileUid: ids.uid });
      } catch {
        // not a request of the target's: left alone, and said below
      }
      const age = pending === null ? 0 : Date.now() - pending.mtimeMs;
      if (pending === null || age < STALE_REQUEST_MS) {
        return fail(`another profile request is pending in ${dir} ` +
          `(${REQUEST_NAME}, ${Math.round(age / 1000)} s old); try again when it is done`);
      }
      binding.removeFile(dir, REQUEST_NAME, where);  // stale: its CLI is gone
      publish();
    }
  } catch (err) {
    return fail(`cannot write the request in ${dir}: ${err.message}` +
      (err.code === 'EACCES' ? ' (run as the user of the target process, or as root)' : ''));
  }
  // The request must not outlive this CLI: a later signal (a user's kill
  // -USR2 for a snapshot) would otherwise be taken as this profile.
  const withdraw = () => {
    try {
      const pending = binding.readFile(dir, REQUEST_NAME, MAX_REQUEST_BYTES, { ...where, fileUid: ids.uid });
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
      return fail(err.code === 'ESRCH' ? `no process ${pid}` : `cannot signal process ${pid}: ${err.code}`);
    }
    const base = outputName(pid, id);
    const deadline = Date.now() + opts.durationMs + timeoutS * 1000;
    for (;;) {
      if (exists(dir, `${base}.heapprofile`)) {
        io.stdout.write(`${path.join(dir, `${base}.heapprofile`)}\n${path.join(dir, `${base}.pb.gz`)}\n`);
        return 0;
      }
      // The target's one line, read as the target's file only: never
      // through a link, never from a FIFO or a device, at most 4 KiB.
      let why = null;
      try {
        why = binding.readFile(dir, `${base}.profile-error`, MAX_REQUEST_BYTES,
          { ...where, fileUid: ids.uid });
      } catch (err) {
        why = { text: `its error file is not one (${err.message})` };
      }
      if (why !== null) {
        try {
          binding.removeFile(dir, `${base}.profile-error`, where);
        } catch {
          // left for the target's owner
        }
        return fail(`process ${pid} refused: ${printable(why.text.trim())}`);
      }
      if (!alive(pid)) return fail(`process ${pid} exited before its profile was written`);
      if (Date.now() >= deadline) {
        return fail(exists(dir, REQUEST_NAME)
          ? `process ${pid} did not take the request in ${timeoutS}s; is leakguard ` +
            `loaded there with snapshots on ${signal} and LEAKGUARD_DIR=${dir}?`
          : `process ${pid} took the request but wrote no profile within ` +
            `${opts.durationMs / 1000 + timeoutS}s; try a longer --timeout`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    withdraw();
  }
}

module.exports = {
  usage: 'profile <pid> [--duration 30s] [--interval bytes] [--depth frames] ' +
         '[--timeout seconds] [--dir dir] [--signal SIGUSR2]',
  help: 'sample allocations in a process running leakguard; print its .heapprofile and .pb.gz',
  args: 1,
  options: {
    duration: { type: 'string' },
    interval: { type: 'string' },
    depth: { type: 'string' },
    timeout: { type: 'string' },
    dir: { type: 'string' },
    signal: { type: 'string' },
  },
  run,
  parseDuration,
};
