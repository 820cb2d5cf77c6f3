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
const path = require('node:path');
const options = require('../options');
const { UsageError } = require('./args');
const { begin } = require('./target');
const { request } = require('./request');

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

async function run(positionals, values, io = process) {
  const opts = profileOptions(values);
  const { fail, timeoutS, target } = begin('profile', positionals, values, io);
  if (target.exit !== undefined) return target.exit;
  const { dir } = target;
  const answer = await request(target, opts, '.heapprofile', opts.durationMs + timeoutS * 1000, fail);
  if (answer.exit !== undefined) return answer.exit;
  const heapprofile = path.join(dir, `${answer.base}.heapprofile`);
  const pprof = path.join(dir, `${answer.base}.pb.gz`);
  io.stdout.write(values.json ? `${JSON.stringify({ pid: target.pid, heapprofile, pprof })}\n`
    : `${heapprofile}\n${pprof}\n`);
  return 0;
}

module.exports = {
  usage: 'profile <pid> [--duration 30s] [--interval bytes] [--depth frames] ' +
         '[--timeout seconds] [--dir dir] [--signal SIGUSR2] [--json]',
  help: 'sample allocations in a process running leakguard; print its .heapprofile and .pb.gz',
  args: 1,
  options: {
    duration: { type: 'string' },
    interval: { type: 'string' },
    depth: { type: 'string' },
    timeout: { type: 'string' },
    dir: { type: 'string' },
    signal: { type: 'string' },
    json: { type: 'boolean' },
  },
  run,
  parseDuration,
};
