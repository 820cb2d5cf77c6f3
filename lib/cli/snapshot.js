'use strict';
// `leakguard snapshot <pid> [--timeout s] [--dir d] [--signal SIGUSR2]`:
// asks a process that runs leakguard (usually through leakguard/register)
// for a heap snapshot and prints the path of the new file once it is
// complete. leakguard publishes a file under its final name only after it
// is fully written and flushed, so the first new *.heapsnapshot in the
// directory is complete.
//
// Exit codes: 0 printed the path, 1 bad usage, 3 no snapshot (refused by
// the target, with its reason; timeout; the process is gone or cannot be
// signalled); the reason is one line on stderr.
const fs = require('node:fs');
const path = require('node:path');
const { alive, begin, targetIds } = require('./target');
const { printable } = require('./printable');

// Read without the addon (this command never loads it), as guarded as the
// addon's reader: never through a link, never blocking on a FIFO, only the
// target user's regular file of at most 4 KiB.
const MAX_REFUSAL_BYTES = 4096;

// The target's reason for refusing a snapshot signal sent at `since` (ms
// since the epoch), from leakguard-<pid>.snapshot-refused
// (lib/snapshot/snapshots.js), or null.
function refusal(dir, pid, uid, since) {
  let fd = -1;
  try {
    fd = fs.openSync(path.join(dir, `leakguard-${pid}.snapshot-refused`),
      fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
    const st = fs.fstatSync(fd);
    if (!st.isFile() || st.uid !== uid || st.size > MAX_REFUSAL_BYTES) return null;
    const buf = Buffer.alloc(st.size);
    const n = fs.readSync(fd, buf, 0, st.size, 0);
    const m = /^(\d+) (.*)$/s.exec(buf.toString('utf8', 0, n).trim());
    return m && Number(m[1]) >= since ? m[2] : null;
  } catch {
    return null;
  } finally {
    if (fd !== -1) fs.closeSync(fd);
  }
}

function snapshotFiles(dir) {
  try {
    return fs.readdirSync(dir).filter((f) => f.endsWith('.heapsnapshot'));
  } catch {
    return [];
  }
}

async function run(positionals, values, io = process) {
  const { fail, timeoutS, target } = begin('snapshot', positionals, values, io);
  if (target.exit !== undefined) return target.exit;
  const { pid, dir, signal } = target;
  const before = new Set(snapshotFiles(dir));
  const { uid } = targetIds(pid);
  const sent = Date.now();
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
      const file = path.join(dir, fresh[0]);
      io.stdout.write(values.json ? `${JSON.stringify({ pid, path: file })}\n` : `${file}\n`);
      return 0;
    }
    const why = refusal(dir, pid, uid, sent);
    if (why !== null) return fail(`process ${pid} refused: ${printable(why)}`);
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
  usage: 'snapshot <pid> [--timeout seconds] [--dir dir] [--signal SIGUSR2] [--json]',
  help: 'ask a process running leakguard for a heap snapshot; print its path',
  args: 1,
  options: {
    timeout: { type: 'string' },
    dir: { type: 'string' },
    signal: { type: 'string' },
    json: { type: 'boolean' },
  },
  run,
};
