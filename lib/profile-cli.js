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
// snapshot (lib/remote-profile.js). A second signal would need a second
// handler armed in every service, and a signal sent to a process that
// does not catch it kills it.
//
// Exit codes as `leakguard snapshot`: 0 printed the paths, 1 bad usage, 3
// no profile (refused, timeout, the process is gone); the reason is one
// line on stderr.
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const options = require('./options');
const { SnapshotCliError, begin, alive } = require('./snapshot-cli');
const { REQUEST_NAME, outputBase, publish } = require('./remote-profile');

// A request file older than this was left by a CLI that died, or by a
// target that exited before it looked.
const STALE_REQUEST_MS = 10 * 60 * 1000;

// "30s", "500ms", "2m", "1h" or plain seconds, in ms.
function parseDuration(text) {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(String(text).trim());
  if (m === null) {
    throw new SnapshotCliError(`--duration must be a time such as 30s, 500ms or 2m, got "${text}"`);
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
    throw new SnapshotCliError(err.message.replace(/options\.(\w+)/, (_, name) => flag[name] || name));
  }
}

function exists(file) {
  try {
    fs.lstatSync(file);
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

  const requestFile = path.join(dir, REQUEST_NAME);
  const id = crypto.randomBytes(8).toString('hex');
  const request = JSON.stringify({ id, ...opts });
  const tmp = path.join(dir, `${REQUEST_NAME}.${id}.tmp`);
  try {
    // A private file, published only complete: link() fails if another
    // request is pending, where rename() would replace it.
    publish(tmp, request);
    // root asking a service that runs as another user: the request must be
    // readable by the target, which owns the directory.
    if (typeof process.getuid === 'function' && process.getuid() === 0) {
      const owner = fs.statSync(dir);
      if (owner.uid !== 0) fs.chownSync(tmp, owner.uid, owner.gid);
    }
    try {
      fs.linkSync(tmp, requestFile);
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      const age = Date.now() - fs.lstatSync(requestFile).mtimeMs;
      if (age < STALE_REQUEST_MS) {
        return fail(`another profile request is pending in ${dir} ` +
          `(${REQUEST_NAME}, ${Math.round(age / 1000)} s old); try again when it is done`);
      }
      fs.rmSync(requestFile, { force: true });  // stale: its CLI is gone
      fs.linkSync(tmp, requestFile);
    }
  } catch (err) {
    return fail(`cannot write the request in ${dir}: ${err.code || err.message}` +
      (err.code === 'EACCES' ? ' (run as the user of the target process)' : ''));
  } finally {
    fs.rmSync(tmp, { force: true });  // publish() removed its own .tmp on failure
  }
  // The request must not outlive this CLI: a later signal (a user's kill
  // -USR2 for a snapshot) would otherwise be taken as this profile.
  const withdraw = () => {
    try {
      const pending = JSON.parse(fs.readFileSync(requestFile, 'utf8'));
      if (pending.id === id) fs.rmSync(requestFile, { force: true });
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
    const base = outputBase(dir, pid, id);
    const profile = `${base}.heapprofile`;
    const errorFile = `${base}.profile-error`;
    const deadline = Date.now() + opts.durationMs + timeoutS * 1000;
    for (;;) {
      if (exists(profile)) {
        io.stdout.write(`${profile}\n${base}.pb.gz\n`);
        return 0;
      }
      if (exists(errorFile)) {
        const why = fs.readFileSync(errorFile, 'utf8').trim();
        fs.rmSync(errorFile, { force: true });
        return fail(`process ${pid} refused: ${why}`);
      }
      if (!alive(pid)) return fail(`process ${pid} exited before its profile was written`);
      if (Date.now() >= deadline) {
        return fail(exists(requestFile)
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
