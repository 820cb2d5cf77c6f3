'use strict';
// What `leakguard snapshot <pid>` and `leakguard profile <pid>` share: the
// target process, found from its /proc entries as leakguard/register reads
// its environment (the directory it writes to, the signal it is armed on,
// its user), whether it can be signalled without being killed, and the
// --timeout both take. No addon here: `leakguard snapshot` never loads it.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { SNAPSHOT_SIGNALS } = require('../snapshot/signals');
const { UsageError, NO_SNAPSHOT_EXIT } = require('./args');

// The target's environment, when /proc lets us read it.
function targetEnv(pid) {
  try {
    const raw = fs.readFileSync(`/proc/${pid}/environ`, 'latin1');
    const env = {};
    for (const entry of raw.split('\0')) {
      const eq = entry.indexOf('=');
      if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
    }
    return env;
  } catch {
    return null;
  }
}

function targetCwd(pid) {
  try {
    return fs.readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return null;
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

// Whether the target catches `signal` (SigCgt in /proc/<pid>/status) and
// has leakguard's addon mapped (/proc/<pid>/maps): null when it does, or
// the reason not to signal it. Signalling a process that does not catch
// the signal kills it (SIGUSR2's default action). Where /proc cannot tell
// (not Linux, or maps unreadable for another user's process), the check
// that can be made is made.
function notListening(pid, signal) {
  let status;
  try {
    status = fs.readFileSync(`/proc/${pid}/status`, 'latin1');
  } catch {
    return null;  // no /proc here: nothing to check against
  }
  const m = /^SigCgt:\s*([0-9a-f]+)$/m.exec(status);
  const signum = os.constants.signals[signal];
  if (m && signum && (BigInt(`0x${m[1]}`) & (1n << BigInt(signum - 1))) === 0n) {
    return `process ${pid} does not catch ${signal}, so the signal would kill it; ` +
      'leakguard is not armed there. Start it with `node -r leakguard/register` ' +
      '(or call leakguard.enableSnapshots() in it), then ask again';
  }
  let maps;
  try {
    maps = fs.readFileSync(`/proc/${pid}/maps`, 'latin1');
  } catch {
    return null;  // another user's process: SigCgt is what we can see
  }
  // A mapping whose file was replaced on disk since (a reinstall, an image
  // layer) reads "... leakguard.node (deleted)": still loaded.
  if (!/\/leakguard[^/\n]*\.node(?: \(deleted\))?$/m.test(maps)) {
    return `process ${pid} catches ${signal} but has not loaded leakguard ` +
      '(no leakguard .node in its memory map), so nothing there would write a ' +
      'snapshot. Start it with `node -r leakguard/register`, then ask again';
  }
  return null;
}

// The target of `leakguard snapshot|profile <pid>`: its pid, the
// directory it writes to and the signal it is armed on, found from its
// environment as leakguard/register reads it (or --dir, --signal).
// Returns { pid, dir, signal }, or { exit } after `fail` printed why.
// Throws UsageError for bad usage.
function resolveTarget(positionals, values, fail) {
  const pidText = positionals[0];
  // PID 1 too: node is the first process of most containers.
  if (!/^\d+$/.test(pidText) || Number(pidText) < 1) {
    throw new UsageError(`<pid> must be a process id, got "${pidText}"`);
  }
  const pid = Number(pidText);
  if (!alive(pid)) return { exit: fail(`no process ${pid}`) };
  const env = targetEnv(pid) || {};
  let dir = values.dir || env.LEAKGUARD_DIR;
  if (!dir) {
    const cwd = targetCwd(pid);
    if (!cwd) {
      return {
        exit: fail(`cannot tell where process ${pid} writes snapshots: ` +
          'pass --dir (LEAKGUARD_DIR is not readable from its environment)'),
      };
    }
    dir = cwd;  // leakguard/register's default
  } else if (!path.isAbsolute(dir)) {
    dir = path.resolve(values.dir ? process.cwd() : (targetCwd(pid) || '.'), dir);
  }
  let signal = values.signal || env.LEAKGUARD_SIGNAL || 'SIGUSR2';
  signal = signal.toUpperCase().startsWith('SIG') ? signal.toUpperCase() : `SIG${signal.toUpperCase()}`;
  if (!SNAPSHOT_SIGNALS.includes(signal)) {
    return {
      exit: fail(`process ${pid} has snapshots on signal "${signal}", which leakguard cannot send ` +
        `(one of ${SNAPSHOT_SIGNALS.join(', ')})`),
    };
  }
  const refused = notListening(pid, signal);
  if (refused) return { exit: fail(refused) };
  return { pid, dir, signal };
}

// --timeout in seconds (default 60).
function timeoutSeconds(values) {
  if (values.timeout === undefined) return 60;
  const timeoutS = Number(values.timeout);
  if (!(timeoutS > 0 && timeoutS <= 86400)) {
    throw new UsageError(`--timeout must be seconds from 0 to 86400, got "${values.timeout}"`);
  }
  return timeoutS;
}

// What `leakguard <command> <pid>` starts with: `fail(message)` prints the
// reason and returns exit 3; the timeout; the target (or { exit }).
function begin(command, positionals, values, io) {
  const fail = (message) => {
    io.stderr.write(`leakguard ${command}: ${message}\n`);
    return NO_SNAPSHOT_EXIT;
  };
  const timeoutS = timeoutSeconds(values);
  return { fail, timeoutS, target: resolveTarget(positionals, values, fail) };
}

// The target's effective uid and gid (/proc/<pid>/status), or ours where
// /proc cannot tell. Every file of the exchange belongs to that user: the
// request we give it (through our own descriptor when we are root), the
// profile and error files it writes.
function targetIds(pid) {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'latin1');
    const uid = /^Uid:\s+\d+\s+(\d+)/m.exec(status);
    const gid = /^Gid:\s+\d+\s+(\d+)/m.exec(status);
    if (uid && gid) return { uid: Number(uid[1]), gid: Number(gid[1]) };
  } catch {
    // not Linux, or gone: the checks below fail on their own
  }
  return { uid: process.geteuid(), gid: process.getegid() };
}

module.exports = { alive, begin, targetIds };
