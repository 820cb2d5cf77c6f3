'use strict';
// `leakguard snapshot <pid> [--timeout s] [--dir d] [--signal SIGUSR2]`:
// asks a process that runs leakguard (usually through leakguard/register)
// for a heap snapshot and prints the path of the new file once it is
// complete. leakguard publishes a file under its final name only after it
// is fully written and flushed, so the first new *.heapsnapshot in the
// directory is complete.
//
// Exit codes: 0 printed the path, 1 bad usage, 3 no snapshot (timeout, the
// process is gone or cannot be signalled); the reason is one line on
// stderr.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { SNAPSHOT_SIGNALS } = require('../snapshot/signals');

const NO_SNAPSHOT_EXIT = 3;

// Bad usage; the code makes lib/cli/main.js print the usage line and exit 1.
class SnapshotCliError extends Error {
  constructor(message) {
    super(message);
    this.code = 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE';
  }
}

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

function snapshotFiles(dir) {
  try {
    return fs.readdirSync(dir).filter((f) => f.endsWith('.heapsnapshot'));
  } catch {
    return [];
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
  if (!/\/leakguard[^/\n]*\.node$/m.test(maps)) {
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
// Throws SnapshotCliError for bad usage.
function resolveTarget(positionals, values, fail) {
  const pidText = positionals[0];
  if (!/^\d+$/.test(pidText) || Number(pidText) <= 1) {
    throw new SnapshotCliError(`<pid> must be a process id, got "${pidText}"`);
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
    throw new SnapshotCliError(`--timeout must be seconds from 0 to 86400, got "${values.timeout}"`);
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

async function run(positionals, values, io = process) {
  const { fail, timeoutS, target } = begin('snapshot', positionals, values, io);
  if (target.exit !== undefined) return target.exit;
  const { pid, dir, signal } = target;
  const before = new Set(snapshotFiles(dir));
  try {
    process.kill(pid, signal);
  } catch (err) {
    return fail(err.code === 'ESRCH'
      ? `no process ${pid}`
      : `cannot signal process ${pid}: ${err.code}`);
  }
  const deadline = Date.now() + timeoutS * 1000;
  for (;;) {
    const fresh = snapshotFiles(dir).filter((f) => !before.has(f));
    if (fresh.length > 0) {
      // Oldest first if several appeared (another trigger fired too).
      fresh.sort((a, b) => fs.statSync(path.join(dir, a)).mtimeMs -
                           fs.statSync(path.join(dir, b)).mtimeMs);
      io.stdout.write(path.join(dir, fresh[0]) + '\n');
      return 0;
    }
    if (!alive(pid)) {
      return fail(`process ${pid} exited before a snapshot appeared in ${dir}`);
    }
    if (Date.now() >= deadline) {
      const writing = (() => {
        try {
          return fs.readdirSync(dir).some((f) => f.endsWith('.heapsnapshot.tmp'));
        } catch {
          return false;
        }
      })();
      return fail(`no new snapshot in ${dir} after ${timeoutS}s` + (writing
        ? ' (one is still being written; try a longer --timeout)'
        : `; is leakguard loaded in process ${pid} (node -r leakguard/register) ` +
          `with snapshots on ${signal} and LEAKGUARD_DIR=${dir}? Its stderr ` +
          'says why a snapshot was refused'));
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

module.exports = {
  usage: 'snapshot <pid> [--timeout seconds] [--dir dir] [--signal SIGUSR2]',
  help: 'ask a process running leakguard for a heap snapshot; print its path',
  args: 1,
  options: {
    timeout: { type: 'string' },
    dir: { type: 'string' },
    signal: { type: 'string' },
  },
  run,
  SnapshotCliError,
  NO_SNAPSHOT_EXIT,
  begin,
  alive,
};
