'use strict';
// `leakguard report`: the HTML report (lib/report/index.js) from what
// leakguard wrote: a timeline (JSON.stringify(leakguard.timeline())), an
// analysis (`leakguard analyze ... --json`, or findLeaks()'s result) and an
// allocation profile (.heapprofile). Each input is optional; the page shows
// what it was given. A file that cannot be read or is not what its option
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

async function run(positionals, values) {
  if (!values.timeline && !values.analyze && !values.profile) {
    process.stderr.write('leakguard report: give at least one of --timeline, --analyze and ' +
      `--profile\nusage: leakguard ${module.exports.usage}\n`);
    return 1;
  }
  const inputs = {
    timeline: values.timeline ? readJson(values.timeline, 'a leakguard timeline (JSON of leakguard.timeline())', isTimeline) : null,
    analysis: values.analyze ? readJson(values.analyze, 'a leakguard analysis (leakguard analyze --json)', isAnalysis) : null,
    profile: values.profile ? readJson(values.profile, 'an allocation profile (.heapprofile)', isProfile) : null,
  };
  const out = path.resolve(values.output || 'leakguard-report.html');
  const { writeHtml } = require('../report');
  let r;
  try {
    r = writeHtml(out, inputs);
  } catch (err) {
    if (!err.syscall) throw err;
    throw new InputError(`${out}: ${err.code}: ${err.message}`);  // one line, exit 2
  }
  process.stdout.write(`${r.path} (${r.bytes} bytes)\n`);
  return 0;
}

module.exports = {
  usage: 'report [--timeline t.json] [--analyze a.json] [--profile p.heapprofile] [-o report.html]',
  help: 'one self-contained HTML file: the timeline, the suspects, the groups and their paths',
  args: 0,
  options: {
    timeline: { type: 'string' },
    analyze: { type: 'string' },
    profile: { type: 'string' },
    output: { type: 'string', short: 'o' },
  },
  run,
};
