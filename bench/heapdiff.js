'use strict';
// HeapDiff: leakguard's in-process HeapDiff against @airbnb/node-memwatch's
// and against the file route (v8.writeHeapSnapshot twice, then
// `leakguard diff` on the two files), on the same heap of small objects;
// and both HeapDiffs on a million-deep linked list.
//
//   node bench/heapdiff.js [--mb 100] [--pairs 3] [--memwatch DIR] [--json]
//
// Then one findLeaks() on the same heap with a workload that leaks 10
// objects per call, timing each of its three snapshots on the main thread
// (capture, copy) and the report, which runs on the threadpool.
//
// DIR is an installed @airbnb/node-memwatch (its package directory); without
// it the memwatch rows are skipped. Each run is a fresh child process that
// builds a live heap of --mb MB of small objects, settles it with full
// GCs, resets the kernel's peak-RSS mark (/proc/self/clear_refs, "5"),
// then: start (new HeapDiff(), or the first file), allocates 10,000 more
// objects, end (end(), endAsync(), or the second file plus the diff of the
// two files). It reports:
//   start   main-thread time of the start
//   end     main-thread time of the end (endAsync: the call; the diff runs
//           on the threadpool and is in total)
//   total   start of the start to the diff in hand
//   extra   peak RSS during start..end minus RSS before (VmHWM)
//   check   '+' of the 10,000 new objects' class, to see each tool saw them
// Runs cycle through the tools (ours, memwatch, files, ours, ...); the
// report gives medians and the median of the per-round ratios.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Item, smallObjectHeap, status, median, mb } = require('./heap-of-small-objects');

// findLeaks() on the heap built below: the main thread's pause for each
// snapshot (binding.captureHeap, wrapped here to time it) and the rest.
async function findLeaksChild(leakguard) {
  const binding = require('../lib/binding');
  const capture = binding.captureHeap;
  const pauses = [];
  binding.captureHeap = (kind, request) => {
    const t = process.hrtime.bigint();
    const r = capture(kind, request);
    pauses.push({ kind, callMs: Number(process.hrtime.bigint() - t) / 1e6,
                  captureMs: r.captureMs, copyMs: r.copyMs, nodes: r.nodes });
    return r;
  };
  class Leaked {
    constructor(i) {
      this.i = i;
    }
  }
  const leaks = new Map();
  let n = 0;
  const t0 = process.hrtime.bigint();
  const report = await leakguard.findLeaks({
    ignoreHeadroom: true, iterations: 100, settleMs: 0,
    run: () => {
      for (let i = 0; i < 10; i++) leaks.set(n, new Leaked(n++));
    },
  });
  const totalMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const top = report.report.groups[0] || {};
  return { pauses, totalMs, top: `${top.constructor} ${top.count}` };
}

async function child(tool, sizeMb, memwatchDir, dir) {
  const leakguard = require('..');
  const v8 = require('node:v8');
  class Added {
    constructor(i) {
      this.i = i;
    }
  }
  let held = [];
  if (tool.endsWith('-deep')) {
    // A linked list a million deep: memwatch's recursive walk of the
    // snapshot (buildIDSet) goes one C++ frame per node.
    let head = null;
    for (let i = 0; i < 1e6; i++) {
      const item = new Item(i);
      item.next = head;
      head = item;
    }
    held.push(head);
  } else {
    held = smallObjectHeap(sizeMb);
  }
  leakguard.gc();
  leakguard.gc();
  const heapUsed = process.memoryUsage().heapUsed;
  if (tool === 'find-leaks') {
    const r = await findLeaksChild(leakguard);
    process.stdout.write(JSON.stringify({ tool, heapUsed, ...r, kept: held.length }) + '\n');
    return;
  }
  const HeapDiff = tool.startsWith('memwatch')
    ? require(memwatchDir).HeapDiff : leakguard.HeapDiff;
  fs.writeFileSync('/proc/self/clear_refs', '5');
  const rssBefore = status('VmRSS');
  const now = () => Number(process.hrtime.bigint()) / 1e6;
  const t0 = now();
  let hd = null;
  let first = null;
  if (tool === 'files') {
    first = v8.writeHeapSnapshot(path.join(dir, `a-${process.pid}.heapsnapshot`));
  } else {
    hd = new HeapDiff(tool.startsWith('leakguard') ? { ignoreHeadroom: true } : undefined);
  }
  const t1 = now();
  const added = Array.from({ length: 10000 }, (_, i) => new Added(i));
  const t2 = now();
  let diff;
  let t3;
  if (tool === 'files') {
    const second = v8.writeHeapSnapshot(path.join(dir, `b-${process.pid}.heapsnapshot`));
    t3 = now();
    diff = await leakguard.diff(first, second);
    fs.unlinkSync(first);
    fs.unlinkSync(second);
  } else if (tool === 'leakguard-async') {
    const pending = hd.endAsync();
    t3 = now();
    diff = await pending;
  } else {
    diff = hd.end();
    t3 = now();
  }
  const t4 = now();
  const peak = status('VmHWM');
  const d = diff.change.details.find((x) => x.what === 'Added');
  process.stdout.write(JSON.stringify({
    tool, sizeMb, heapUsed, objects: held.length, nodes: diff.after.nodes,
    startMs: t1 - t0, endMs: t3 - t2, totalMs: t4 - t0 - (t2 - t1),
    rssBefore, peak, extra: peak - rssBefore, check: d ? d['+'] : 0,
    kept: added.length,
  }) + '\n');
}

const ms = (x) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));

function runOne(tool, sizeMb, memwatchDir, dir) {
  const r = spawnSync(process.execPath,
    ['--max-old-space-size=4096', __filename, '--child', tool, String(sizeMb),
     memwatchDir || '', dir],
    { encoding: 'utf8', timeout: 900000 });
  const line = (r.stdout || '').trim().split('\n').pop();
  if (r.status !== 0 || !line) {
    return { tool, failed: true, status: r.status, signal: r.signal,
             stderr: (r.stderr || '').trim().split('\n').slice(-3).join(' | ') };
  }
  return JSON.parse(line);
}

function main() {
  const args = process.argv.slice(2);
  const opt = (name, def) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : def;
  };
  const sizeMb = Number(opt('--mb', '100'));
  const pairs = Number(opt('--pairs', '3'));
  const memwatchDir = opt('--memwatch', null);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-bench-heapdiff-'));
  const tools = ['leakguard', 'leakguard-async', 'files'];
  if (memwatchDir) tools.splice(1, 0, 'memwatch');
  const runs = Object.fromEntries(tools.map((t) => [t, []]));
  for (let i = 0; i < pairs; i++) {
    for (const tool of tools) {
      const r = runOne(tool, sizeMb, memwatchDir, dir);
      runs[tool].push(r);
      process.stderr.write(`${sizeMb} MB round ${i + 1} ${tool}: ` + (r.failed
        ? `failed (${r.signal || r.status})\n`
        : `start ${ms(r.startMs)} ms, end ${ms(r.endMs)} ms, total ${ms(r.totalMs)} ms, ` +
          `+${mb(r.extra)} MB, Added +${r.check}\n`));
    }
  }
  const deep = {};
  for (const tool of ['leakguard-deep', ...(memwatchDir ? ['memwatch-deep'] : [])]) {
    deep[tool] = runOne(tool, 0, memwatchDir, dir);
    process.stderr.write(`deep list ${tool}: ${JSON.stringify(deep[tool])}\n`);
  }
  const findLeaks = runOne('find-leaks', sizeMb, memwatchDir, dir);
  process.stderr.write(`findLeaks: ${JSON.stringify(findLeaks)}\n`);
  fs.rmSync(dir, { recursive: true, force: true });

  const ok = (tool) => runs[tool].filter((r) => !r.failed);
  const row = (tool) => {
    const rs = ok(tool);
    if (rs.length === 0) return { tool, failed: runs[tool].length };
    const ours = runs.leakguard;
    const ratio = (key) => median(rs.map((r, i) => r[key] / ours[i][key]));
    return {
      tool, runs: rs.length, heapUsedMb: Number(mb(median(rs.map((r) => r.heapUsed)))),
      nodes: median(rs.map((r) => r.nodes)),
      startMs: median(rs.map((r) => r.startMs)), endMs: median(rs.map((r) => r.endMs)),
      totalMs: median(rs.map((r) => r.totalMs)),
      extraMb: Number(mb(median(rs.map((r) => r.extra)))),
      totalVsOurs: ratio('totalMs'), extraVsOurs: ratio('extra'),
      check: median(rs.map((r) => r.check)),
    };
  };
  const rows = tools.map(row);
  if (args.includes('--json')) {
    process.stdout.write(JSON.stringify({ rows, deep, findLeaks }, null, 2) + '\n');
    return;
  }
  const lines = [
    '| tool | heap | nodes | start pause | end pause | total | extra RSS | total / leakguard | extra RSS / leakguard | Added +10000 seen |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of rows) {
    if (r.failed) {
      lines.push(`| ${r.tool} | failed ${r.failed} runs | | | | | | | | |`);
      continue;
    }
    lines.push(`| ${r.tool} | ${r.heapUsedMb} MB | ${(r.nodes / 1e6).toFixed(2)} M | ` +
      `${ms(r.startMs)} ms | ${ms(r.endMs)} ms | ${ms(r.totalMs)} ms | ${r.extraMb} MB | ` +
      `${r.totalVsOurs.toFixed(2)} | ${r.extraVsOurs.toFixed(2)} | ${r.check} |`);
  }
  lines.push('', '| million-deep list | result |', '| --- | --- |');
  for (const [tool, r] of Object.entries(deep)) {
    lines.push(`| ${tool} | ${r.failed
      ? `crashed: ${r.signal || `exit ${r.status}`} (${r.stderr || 'no output'})`
      : `start ${ms(r.startMs)} ms, end ${ms(r.endMs)} ms, +${mb(r.extra)} MB, Added +${r.check}`} |`);
  }
  if (!findLeaks.failed) {
    lines.push('', `findLeaks() on the ${mb(findLeaks.heapUsed)} MB heap, 100 iterations leaking ` +
      `10 objects each (top group: ${findLeaks.top}), total ${ms(findLeaks.totalMs)} ms:`, '',
    '| snapshot | copied | main-thread pause | of which V8 capture | of which copy |',
    '| --- | --- | --- | --- | --- |');
    findLeaks.pauses.forEach((p, i) => lines.push(`| s${i + 1} | ${p.kind} | ${ms(p.callMs)} ms | ` +
      `${ms(p.captureMs)} ms | ${ms(p.copyMs)} ms |`));
  }
  process.stdout.write(lines.join('\n') + '\n');
}

if (process.argv[2] === '--child') {
  child(process.argv[3], Number(process.argv[4]), process.argv[5], process.argv[6])
    .catch((err) => {
      process.stderr.write(String(err && err.stack) + '\n');
      process.exit(1);
    });
} else {
  main();
}
