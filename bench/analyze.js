#!/usr/bin/env node
'use strict';
// `leakguard analyze` on big snapshots: wall time and peak RSS against
// memlab's find-leaks and against just reading the files (the floor).
//
// Generates a leaky snapshot triple (~300 MB per file by default) in a
// scratch directory, warms the page cache, then runs each tool `runs` times
// under /usr/bin/time and prints the medians as a Markdown table.
//
//   node bench/analyze.js [--dir /tmp/leakguard-bench] [--mb 300] [--runs 3]
//                         [--memlab /path/to/node_modules/.bin/memlab]
//                         [--compare /path/to/other/checkout/lib/cli/main.js]
//                         [--keep]
//
// --compare runs another build of leakguard (e.g. the previous commit,
// checked out and built elsewhere) on the same files, alternating with
// this one run by run (and which of the two goes first), and prints this
// one's wall, CPU and peak RSS as ratios of that one's: the before/after
// figures of a change.
//
// memlab is not a dependency: pass --memlab (e.g. installed with
// `npm install memlab` in a scratch directory) or have it on PATH; it is
// run with --trace-all-objects, without which it reports no leaks on a
// Node heap. Targets: <= 3 s for the triple, peak RSS <= 1.5x the
// total file size, within 3x of the read floor.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('node:util');

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'lib', 'cli', 'main.js');

// The generator child: a long-lived cache (the bulk of each file, the same
// objects in all three) plus a Map that leaks `LeakedRequest`s every round,
// amid short-lived garbage.
const GENERATOR = `
'use strict';
const v8 = require('node:v8');
const path = require('node:path');
const [dir, cacheSize, leakPerRound] = process.argv.slice(1).map((x, i) => i ? +x : x);
class CacheEntry {
  constructor(i) { this.key = 'k' + i; this.value = { n: i, tags: ['a', 'b'] }; }
}
class LeakedRequest {
  constructor(id) {
    this.id = id;
    this.url = '/api/items/' + id;
    this.headers = { host: 'localhost', 'x-request-id': 'r' + id };
  }
}
const cache = [];
for (let i = 0; i < cacheSize; i++) cache.push(new CacheEntry(i));
const requests = new Map();
let next = 0;
function round() {
  let garbage = null;
  for (let i = 0; i < leakPerRound; i++) {
    const req = new LeakedRequest(next++);
    garbage = { body: JSON.stringify({ id: req.id }) };
    requests.set(req.id, req);
  }
  return garbage;
}
round();
v8.writeHeapSnapshot(path.join(dir, 'baseline.heapsnapshot'));
round();
v8.writeHeapSnapshot(path.join(dir, 'target.heapsnapshot'));
round();
v8.writeHeapSnapshot(path.join(dir, 'final.heapsnapshot'));
`;

function timed(cmd, args, options = {}) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M %U %S', cmd, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    ...options,
  });
  const last = r.stderr.trim().split('\n').pop();
  const [seconds, kb, user, sys] = last.split(' ').map(Number);
  return { status: r.status, seconds, cpu: user + sys, rssMb: kb / 1024,
           stdout: r.stdout, stderr: r.stderr };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function main() {
  const { values } = parseArgs({
    options: {
      dir: { type: 'string', default: path.join(os.tmpdir(), 'leakguard-bench-analyze') },
      mb: { type: 'string', default: '300' },
      runs: { type: 'string', default: '3' },
      memlab: { type: 'string' },
      compare: { type: 'string' },
      keep: { type: 'boolean', default: false },
    },
  });
  if (!fs.existsSync('/usr/bin/time')) {
    throw new Error('needs /usr/bin/time (GNU time) to measure peak RSS');
  }
  const dir = values.dir;
  const runs = Number(values.runs);
  fs.mkdirSync(dir, { recursive: true });
  const files = ['baseline', 'target', 'final'].map((n) => path.join(dir, `${n}.heapsnapshot`));
  if (!files.every((f) => fs.existsSync(f))) {
    // About 380 bytes of snapshot per cache entry, 3% of the cache leaked
    // per round.
    const entries = Math.round(Number(values.mb) * 1e6 / 380);
    const leak = Math.round(entries * 0.03);
    process.stderr.write(`generating ${files.join(', ')} ...\n`);
    const g = spawnSync(process.execPath,
                        ['--max-old-space-size=8192', '-e', GENERATOR, dir,
                         String(entries), String(leak)],
                        { stdio: 'inherit' });
    if (g.status !== 0) throw new Error('generator failed');
  }
  const sizes = files.map((f) => fs.statSync(f).size / 1e6);
  const totalMb = sizes.reduce((a, b) => a + b, 0);

  const tools = [
    { name: 'cat > /dev/null (read floor, page cache)', cmd: 'sh',
      args: ['-c', `cat ${files.join(' ')} > /dev/null`] },
    // The same bytes from the disk, bypassing the page cache (O_DIRECT):
    // what reading costs when the files are not cached.
    { name: 'dd iflag=direct (read floor, disk)', cmd: 'sh',
      args: ['-c', files.map((f) => `dd if=${f} of=/dev/null bs=8M iflag=direct 2>/dev/null`)
        .join(' && ')] },
    { name: 'leakguard analyze', cmd: process.execPath,
      args: [CLI, 'analyze', ...files, '--json'] },
  ];
  if (values.compare) {
    // Interleaved with the row above, so both see the same load.
    tools[2].pair = { name: `leakguard analyze (compare: ${values.compare})`,
                      cmd: process.execPath,
                      args: [path.resolve(values.compare), 'analyze', ...files, '--json'] };
  }
  const memlab = values.memlab || 'memlab';
  const probe = spawnSync(memlab, ['version'], { encoding: 'utf8' });
  if (probe.status === 0) {
    tools.push({ name: 'memlab find-leaks --trace-all-objects', cmd: memlab,
                 args: ['find-leaks', '--baseline', files[0], '--target', files[1],
                        '--final', files[2], '--trace-all-objects'],
                 runs: 1 });
  } else {
    process.stderr.write('memlab not found: pass --memlab <path> to compare\n');
  }

  timed('sh', ['-c', `cat ${files.join(' ')} > /dev/null`]);  // warm the cache
  const rows = [];
  let report = null;
  const run = (tool) => {
    const r = timed(tool.cmd, tool.args);
    if (r.status !== 0) {
      throw new Error(`${tool.name} failed (${r.status}):\n${r.stderr}`);
    }
    return r;
  };
  const row = (name, results) => ({
    name,
    runs: results.length,
    seconds: median(results.map((r) => r.seconds)),
    cpu: median(results.map((r) => r.cpu)),
    rssMb: median(results.map((r) => r.rssMb)),
  });
  let ratios = null;
  for (const tool of tools) {
    const results = [];
    const paired = [];
    for (let i = 0; i < (tool.runs || runs); i++) {
      // With a pair, who goes first alternates: the second of two runs
      // back to back was measurably faster here.
      const second = tool.pair && i % 2 === 1;
      if (second) paired.push(run(tool.pair));
      const r = run(tool);
      if (tool.name === 'leakguard analyze') report = JSON.parse(r.stdout).report;
      results.push(r);
      if (tool.pair && !second) paired.push(run(tool.pair));
    }
    rows.push(row(tool.name, results));
    if (tool.pair) {
      rows.push(row(tool.pair.name, paired));
      const ratio = (key) => median(results.map((r, i) => r[key] / paired[i][key]));
      ratios = { seconds: ratio('seconds'), cpu: ratio('cpu'), rssMb: ratio('rssMb') };
    }
  }

  const floor = rows[0].seconds;
  const lines = [
    `Files: ${sizes.map((s) => `${s.toFixed(0)} MB`).join(' + ')} = ${totalMb.toFixed(0)} MB ` +
      `(${os.cpus().length} CPUs, ${os.cpus()[0].model.trim()}, node ${process.version}, ` +
      `warm page cache, load average ${os.loadavg()[0].toFixed(1)} at the end)`,
    '',
    '| tool | runs | wall (median) | CPU user+sys | peak RSS | RSS / total file size | ' +
      'wall / page-cache floor |',
    '|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.name} | ${r.runs} | ${r.seconds.toFixed(2)} s | ` +
                       `${r.cpu.toFixed(2)} s | ` +
                       `${r.rssMb.toFixed(0)} MB | ${(r.rssMb / totalMb).toFixed(2)}x | ` +
                       `${(r.seconds / floor).toFixed(1)}x |`),
  ];
  if (ratios) {
    lines.push('', `This build against --compare, median of the per-run ratios: wall ` +
                   `${ratios.seconds.toFixed(3)}x, CPU ${ratios.cpu.toFixed(3)}x, ` +
                   `peak RSS ${ratios.rssMb.toFixed(3)}x.`);
  }
  if (report && report.groups.length > 0) {
    const g = report.groups[0];
    lines.push('', `leakguard's top group: ${g.constructor} x ${g.count}, ` +
                   `${(g.retained_size / 1e6).toFixed(1)} MB retained, ${g.path}`);
  }
  process.stdout.write(lines.join('\n') + '\n');
  if (!values.keep && !values.dir) fs.rmSync(dir, { recursive: true, force: true });
}

main();
