'use strict';
// `leakguard report`: the HTML report (lib/report/index.js) from what
// leakguard wrote: a timeline (JSON.stringify(leakguard.timeline())), an
// analysis (`leakguard analyze ... --json`, or findLeaks()'s result) and an
// allocation profile (.heapprofile), or with --pid a running process's
// timeline (asked for through its snapshot signal, as `leakguard profile`
// does) and the analysis of its newest three snapshots, computed here.
// Each input is optional; the page shows what it was given. A file that cannot be read or is not what its option
// says, or an output that cannot be written, is one line on stderr, exit
// status 2.
const fs = require('node:fs');
const path = require('node:path');

// Bigger than any timeline or analysis leakguard writes, and than a
// .heapprofile of deep stacks; beyond it the file is refused unread.
const MAX_INPUT_BYTES = 256 * 1024 * 1024;

class InputError extends Error {
  constructor(message) {
    super(message);
    this.code = 'ERR_LEAKGUARD_IO';
  }
}

// The file the user named, opened once and never waited on: O_NONBLOCK
// (a FIFO in its place cannot hang us), then checked and read through the
// same descriptor, so a swap after the check changes nothing.
function readJson(file, what, check) {
  let text;
  let fd = -1;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new InputError(`${file}: not a file`);
    if (st.size > MAX_INPUT_BYTES) {
      throw new InputError(`${file}: ${st.size} bytes, more than the ${MAX_INPUT_BYTES} the input may have`);
    }
    text = fs.readFileSync(fd, 'utf8');
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`${file}: ${err.message}`);
  } finally {
    if (fd !== -1) fs.closeSync(fd);
  }
  let value;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new InputError(`${file}: not JSON (${err.message})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value) || !check(value)) {
    throw new InputError(`${file}: not ${what}`);
  }
  return value;
}

const isTimeline = (v) => v.kinds !== null && typeof v.kinds === 'object' && !Array.isArray(v.kinds);
const isAnalysis = (v) => v.report !== null && typeof v.report === 'object';
const isProfile = (v) => v.head !== null && typeof v.head === 'object';

// A timeline is bounded (docs/report.md: a day of it, with every episode
// and snapshot kept, makes a page under 1 MB); the native reader's limit.
const MAX_TIMELINE_BYTES = 1024 * 1024;

// --pid: the timeline of a running process, asked for through its
// snapshot signal (lib/cli/request.js), read as the target's own file (at
// most MAX_TIMELINE_BYTES, never through a link) and removed. Resolves with
// { timeline, dir } or { exit }.
async function liveTimeline(values, io) {
  const { begin } = require('./target');
  const { request } = require('./request');
  const binding = require('../binding');
  const { fail, timeoutS, target } = begin('report', [values.pid], values, io);
  if (target.exit !== undefined) return { exit: target.exit };
  const answer = await request(target, { kind: 'timeline' }, '.timeline.json', timeoutS * 1000, fail);
  if (answer.exit !== undefined) return { exit: answer.exit };
  const name = `${answer.base}.timeline.json`;
  let read;
  try {
    read = binding.readFile(target.dir, name, MAX_TIMELINE_BYTES, { ...answer.where, fileUid: answer.where.ownerUid });
    binding.removeFile(target.dir, name, answer.where);
  } catch (err) {
    return { exit: fail(`cannot read ${path.join(target.dir, name)}: ${err.message}`) };
  }
  let timeline = null;
  try {
    timeline = JSON.parse(read.text);
  } catch {
    // said below
  }
  if (timeline === null || typeof timeline !== 'object' || !isTimeline(timeline)) {
    return { exit: fail(`process ${target.pid} answered with something that is not a timeline`) };
  }
  return { timeline, dir: target.dir };
}

async function run(positionals, values, io = process) {
  const { UsageError } = require('./args');
  if (!values.timeline && !values.analyze && !values.profile && !values.pid) {
    throw new UsageError('give --pid, or at least one of --timeline, --analyze and --profile');
  }
  if (values.pid && values.timeline) throw new UsageError('--pid and --timeline both give the timeline: give one');
  const inputs = {
    timeline: values.timeline ? readJson(values.timeline, 'a leakguard timeline (JSON of leakguard.timeline())', isTimeline) : null,
    analysis: values.analyze ? readJson(values.analyze, 'a leakguard analysis (leakguard analyze --json)', isAnalysis) : null,
    analysisNote: null,
    profile: values.profile ? readJson(values.profile, 'an allocation profile (.heapprofile)', isProfile) : null,
  };
  if (values.pid) {
    const live = await liveTimeline(values, io);
    if (live.exit !== undefined) return live.exit;
    inputs.timeline = live.timeline;
    if (inputs.analysis === null) {
      // The newest three snapshots in its directory, analysed here, in
      // this process: none of the service's memory or time.
      const { episodeAnalysis } = require('../report');
      const { analysis, note } = await episodeAnalysis(live.timeline, { dir: live.dir, budget: false });
      inputs.analysis = analysis || null;
      inputs.analysisNote = note || null;
      if (note) io.stderr.write(`leakguard report: no analysis: ${note}\n`);
    }
  }
  const out = path.resolve(values.output || 'leakguard-report.html');
  const { writeHtml } = require('../report');
  let r;
  try {
    r = writeHtml(out, inputs);
  } catch (err) {
    if (!err.syscall) throw err;
    throw new InputError(`${out}: ${err.code}: ${err.message}`);  // one line, exit 2
  }
  io.stdout.write(values.json
    ? `${JSON.stringify({ path: r.path, bytes: r.bytes, analysis: inputs.analysis !== null, analysisNote: inputs.analysisNote })}\n`
    : `${r.path} (${r.bytes} bytes)\n`);
  return 0;
}

module.exports = {
  usage: 'report [--pid pid | --timeline t.json] [--analyze a.json] [--profile p.heapprofile] ' +
         '[-o report.html] [--dir dir] [--signal SIGUSR2] [--timeout seconds] [--json]',
  help: 'one self-contained HTML file: the timeline, the suspects, the groups and their paths ' +
        '(--pid: of a running process, with the analysis of its newest three snapshots)',
  args: 0,
  options: {
    pid: { type: 'string' },
    dir: { type: 'string' },
    signal: { type: 'string' },
    timeout: { type: 'string' },
    timeline: { type: 'string' },
    analyze: { type: 'string' },
    profile: { type: 'string' },
    output: { type: 'string', short: 'o' },
    json: { type: 'boolean' },
  },
  run,
};
