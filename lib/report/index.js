'use strict';
// The leak report: one self-contained HTML file (no request leaves it: the
// chart library, its stylesheet, the page's script and the data are all
// inside). leakguard.report({ file }) writes one in process, `leakguard
// report` (lib/cli/main.js) from saved inputs, the preload one per leak event
// (LEAKGUARD_REPORT_DIR). docs/report.md shows what it holds.
//
// Inputs, each optional (the page says what it was not given):
//   timeline  leakguard.timeline()'s JSON (lib/monitor/timeline.js)
//   analysis  findLeaks()'s or analyze()'s result (`leakguard analyze --json`)
//   profile   an allocation profile: AllocationProfile, or a .heapprofile's JSON
const fs = require('node:fs');
const path = require('node:path');
const options = require('../options');
const binding = require('../binding');
const { latestAnalysis } = require('../monitor/history');

const UPLOT_DIR = path.dirname(require.resolve('uplot/package.json'));
const MAX_PROFILE_DEPTH = 64;
// Profile nodes below this share of the live sampled bytes are merged into
// their parent's self size: they are not visible in the icicle, and a
// profile of deep stacks would otherwise make the page big.
const MIN_PROFILE_SHARE = 0.001;
const MAX_GROUPS = 50;

let assets = null;  // read once: the page's script and style, uPlot's

function readAssets() {
  if (assets === null) {
    const read = (file) => fs.readFileSync(file, 'utf8');
    assets = {
      uplotJs: read(path.join(UPLOT_DIR, 'dist', 'uPlot.iife.min.js')),
      uplotCss: read(path.join(UPLOT_DIR, 'dist', 'uPlot.min.css')),
      uplotLicense: read(path.join(UPLOT_DIR, 'LICENSE')),
      uplotVersion: require('uplot/package.json').version,
      pageJs: read(path.join(__dirname, 'page.js')),
      pageCss: read(path.join(__dirname, 'page.css')),
      version: require('../../package.json').version,
    };
  }
  return assets;
}

// Each node's live sampled bytes with its callees', without recursion (a
// hostile profile may be a chain deeper than the stack).
function totals(head) {
  const sums = new Map();
  const stack = [[head, false]];
  while (stack.length > 0) {
    const [node, done] = stack.pop();
    const children = Array.isArray(node.children) ? node.children : [];
    if (!done) {
      stack.push([node, true]);
      for (const c of children) if (c && typeof c === 'object') stack.push([c, false]);
      continue;
    }
    let t = Number(node.selfSize) || 0;
    for (const c of children) t += sums.get(c) || 0;
    sums.set(node, t);
  }
  return sums;
}

// The profile's call tree, only what the icicle can show: nodes of at least
// MIN_PROFILE_SHARE of the bytes, at most MAX_PROFILE_DEPTH deep; what is
// cut goes into its parent's self size, so every total stays right.
function trimProfile(profile) {
  if (!profile || typeof profile !== 'object' || !profile.head || typeof profile.head !== 'object') {
    return null;
  }
  const sums = totals(profile.head);
  const floor = sums.get(profile.head) * MIN_PROFILE_SHARE;
  const copy = (node) => {
    const cf = node.callFrame || {};
    return {
      callFrame: {
        functionName: String(cf.functionName || ''),
        url: String(cf.url || ''),
        lineNumber: Number(cf.lineNumber) || 0,
        columnNumber: Number(cf.columnNumber) || 0,
      },
      selfSize: Number(node.selfSize) || 0,
      children: [],
    };
  };
  const head = copy(profile.head);
  const work = [[profile.head, head, 0]];
  while (work.length > 0) {
    const [node, out, depth] = work.pop();
    for (const c of Array.isArray(node.children) ? node.children : []) {
      if (!c || typeof c !== 'object') continue;
      const t = sums.get(c) || 0;
      if (t >= floor && t > 0 && depth < MAX_PROFILE_DEPTH) {
        const child = copy(c);
        out.children.push(child);
        work.push([c, child, depth + 1]);
      } else {
        out.selfSize += t;
      }
    }
  }
  return { head };
}

function trimAnalysis(analysis) {
  if (!analysis || typeof analysis !== 'object' || !analysis.report) return null;
  const groups = Array.isArray(analysis.report.groups) ? analysis.report.groups : [];
  return { ...analysis, report: { ...analysis.report, groups: groups.slice(0, MAX_GROUPS) } };
}

// JSON that is safe inside <script>: no "</script>", no "<!--", and no
// line separators that old parsers read as line ends.
function scriptJson(value) {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// The report's HTML text.
function buildHtml({ timeline = null, analysis = null, analysisNote = null, profile = null,
                     generated = Date.now() } = {}) {
  const a = readAssets();
  const data = {
    leakguard: a.version,
    generated,
    process: timeline && timeline.process ? timeline.process : null,
    timeline: timeline || null,
    analysis: trimAnalysis(analysis),
    analysisNote: typeof analysisNote === 'string' ? analysisNote : null,
    profile: trimProfile(profile),
  };
  const p = data.process;
  const title = `leakguard report${p ? ` — pid ${p.pid}` : ''}`;
  // A script's text may not hold "</script"; uPlot's and ours do not.
  for (const [name, js] of [['uPlot', a.uplotJs], ['page.js', a.pageJs]]) {
    if (/<\/script/i.test(js)) throw new Error(`internal: ${name} holds </script>`);
  }
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${a.uplotCss}</style>
<style>${a.pageCss}</style>
</head>
<body>
<header><h1>${escapeHtml(title)}</h1><div id="answer"></div></header>
<main id="main"></main>
<footer>
<p>Written by leakguard ${escapeHtml(a.version)}. Charts by uPlot ${escapeHtml(a.uplotVersion)}, bundled into this file under its licence:</p>
<details><summary>uPlot licence (MIT)</summary><pre id="licence-uplot">${escapeHtml(a.uplotLicense)}</pre></details>
</footer>
<script type="application/json" id="leakguard-data">${scriptJson(data)}</script>
<script>${a.uplotJs}</script>
<script>${a.pageJs}</script>
</body>
</html>
`;
}

// Writes `html` as `file` through the native file layer: the directory
// checked (not a link, this user's, not writable by others without the
// sticky bit), a .tmp of mode 0600 written whole, flushed and renamed over
// `file`; nothing partial is left on any failure. Synchronous, so that a
// worker's termination or process.exit() cannot leave it half done.
function publishHtml(file, html) {
  return binding.writeFile(path.dirname(file), path.basename(file), html,
    { role: 'report directory', create: false, mode: 'replace' });
}

// Writes the report to `file`.
function writeHtml(file, inputs) {
  const html = buildHtml(inputs);
  return publishHtml(file, html);
}

const CALL = 'leakguard.report';
const REPORT_FILE_SCHEMA = {
  file: {
    kind: 'path',
    doc: 'where to write the HTML file; default leakguard-<pid>-<time>-report.html in the cwd',
  },
  analysis: {
    kind: 'object',
    doc: "a findLeaks() or analyze() result; default this thread's newest",
  },
  profile: {
    kind: 'object',
    doc: "an allocation profile (allocationProfile() or a .heapprofile's JSON); " +
      'default the running sampler\'s, when one runs',
  },
};

// leakguard-<pid>-<time>-report.html: the snapshot files' convention.
function defaultName(pid = process.pid, now = new Date()) {
  return `leakguard-${pid}-${now.toISOString().replace(/[:.]/g, '-')}-report.html`;
}

// The sampler explain: 'allocations' runs during a suspicion, or one
// someone else started: read, never stopped. null when none runs.
function runningProfile() {
  const { sampler } = require('../sampling/allocations');
  return sampler.users > 0 ? sampler.read() : null;
}

// leakguard.report(): resolves with { path, bytes } once the file is in
// place. Wrong options throw here, at the call.
function report(guard, opts) {
  const o = options.validate(CALL, REPORT_FILE_SCHEMA, opts);
  const file = path.resolve(o.file === undefined ? defaultName() : o.file);
  try {
    const html = buildHtml({
      timeline: guard.timeline(),
      analysis: o.analysis === undefined ? latestAnalysis() : o.analysis,
      profile: o.profile === undefined ? runningProfile() : o.profile,
    });
    return Promise.resolve(publishHtml(file, html));
  } catch (err) {
    return Promise.reject(err);
  }
}

// The preload's reports: leakguard-<pid>-<time>-report.html.
const REPORT_TEMPLATE = 'leakguard-{pid}-{time}-report';

// Keeps the newest `maxFiles` reports of ours in `dir` (0: all), oldest
// removed first, as snapshot retention does, and takes back the .tmp of a
// writer that died. Returns the removed paths.
function pruneReports(dir, maxFiles) {
  return binding.pruneFiles(dir, REPORT_TEMPLATE,
    { role: 'report directory', extension: '.html', maxFiles });
}

// LEAKGUARD_REPORT_DIR is checked as the snapshot directory is: null when
// reports may be written there (created 0700 when missing), else the
// Error saying why.
function checkReportDir(dir) {
  return binding.checkDirectory(dir, { role: 'report directory', create: true });
}

// `leakguard analyze` holds about 0.6 times the three files' size at its
// peak (docs/analyze.md, Limits); the preload's report runs it only when
// twice that is free, so that it never takes the service's memory.
const ANALYSIS_PEAK_SHARE = 0.6;
const ANALYSIS_SAFETY = 2;

// Memory the process may still allocate: cgroup-aware where Node has
// process.availableMemory() (20.13 and later), else the machine's free
// memory.
function availableMemory() {
  return typeof process.availableMemory === 'function'
    ? process.availableMemory() : require('node:os').freemem();
}

// The three newest snapshots of the timeline's process that are still on
// disk (regular files, not links), oldest first; null when there are fewer.
// With `dir`, each is looked for there under its own name (the CLI may see
// the process's directory under another path, from outside its container).
function newestTriple(timeline, dir) {
  const snaps = timeline && Array.isArray(timeline.snapshots) ? timeline.snapshots : [];
  const out = [];
  for (let i = snaps.length - 1; i >= 0 && out.length < 3; i--) {
    let file = snaps[i].path;
    if (typeof file !== 'string' || file === '') continue;
    if (dir !== undefined) file = path.join(dir, path.basename(file));
    let st;
    try {
      st = fs.lstatSync(file);
    } catch {
      continue;  // pruned since
    }
    if (st.isFile()) out.unshift({ file, bytes: st.size });
  }
  return out.length === 3 ? out : null;
}

// The preload's last analysis: { key, result }, so that reports of one
// episode do not analyse the same three files again.
let lastEpisodeAnalysis = null;

// The three-snapshot analysis of the newest three snapshots, run by the
// native core on a threadpool thread: { analysis } or { note } (why there
// is none, for the page). `dir`: as for newestTriple. `budget`: only when
// twice the expected peak is free (a service's own report; the CLI relies
// on the analyser's own headroom check).
async function episodeAnalysis(timeline, { dir, budget = true } = {}) {
  const triple = newestTriple(timeline, dir);
  if (triple === null) {
    const n = timeline && Array.isArray(timeline.snapshots) ? timeline.snapshots.length : 0;
    return { note: `the process has ${n} heap snapshot(s) on disk; the three-snapshot analysis needs three ` +
      '(send the snapshot signal three times, a minute or more apart, while it leaks)' };
  }
  const files = triple.map((t) => t.file);
  const key = files.join('\0');
  if (lastEpisodeAnalysis !== null && lastEpisodeAnalysis.key === key) return lastEpisodeAnalysis.result;
  const total = triple.reduce((sum, t) => sum + t.bytes, 0);
  const need = total * ANALYSIS_PEAK_SHARE * ANALYSIS_SAFETY;
  const free = availableMemory();
  let result;
  if (budget && need > free) {
    result = { note: `the three-snapshot analysis of ${files.map((f) => path.basename(f)).join(', ')} was ` +
      `skipped: it would need about ${binding.formatBytes(total * ANALYSIS_PEAK_SHARE, 'iec')} and only ` +
      `${binding.formatBytes(free, 'iec')} is free (run \`leakguard analyze\` on them elsewhere)` };
  } else {
    const { analyze } = require('../analysis/analyze');
    try {
      result = { analysis: { ...(await analyze(files)), files: { baseline: files[0], target: files[1], final: files[2] } } };
    } catch (err) {
      result = { note: `the three-snapshot analysis of ${files.map((f) => path.basename(f)).join(', ')} ` +
        `failed: ${err.message}` };
    }
  }
  lastEpisodeAnalysis = { key, result };
  return result;
}

// The preload's report at a leak event: a new file in `dir` (created 0700
// when missing), then the oldest beyond `maxFiles` removed. With three
// snapshots of the process on disk, it holds their analysis.
async function reportInDir(guard, dir, maxFiles) {
  const refused = checkReportDir(dir);
  if (refused !== null) throw refused;
  const timeline = guard.timeline();
  const { analysis, note } = await episodeAnalysis(timeline);
  const html = buildHtml({
    timeline,
    analysis: analysis || null,
    analysisNote: note || null,
    profile: runningProfile(),
  });
  const r = publishHtml(path.join(dir, defaultName()), html);
  r.removed = pruneReports(dir, maxFiles);
  return r;
}

module.exports = {
  reportInDir, pruneReports, checkReportDir, episodeAnalysis,
  buildHtml, writeHtml, trimProfile, scriptJson, report, defaultName, REPORT_FILE_SCHEMA,
};
