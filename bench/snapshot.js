'use strict';
// Heap snapshots: leakguard.writeSnapshot() vs v8.writeHeapSnapshot() on
// the same heap of small objects.
//
//   node bench/snapshot.js [--sizes 50,200] [--pairs 3] [--json]
//
// Each run is a fresh child process that builds a live heap of N MB of
// small objects, settles it with full GCs, resets the kernel's peak-RSS
// mark (/proc/self/clear_refs, "5"), takes one snapshot with one tool and
// reports:
//   pause   how long the main thread was blocked (v8: the whole call;
//           leakguard: the synchronous part of writeSnapshot(), i.e.
//           capture + serialisation; fsync and publish run on its own
//           thread and are reported as total)
//   extra   peak RSS during the snapshot minus RSS before it (VmHWM)
//   est     leakguard's memory-budget estimate for that heap
// Runs alternate between the tools (v8, ours, v8, ours, ...) and the
// report gives medians and the median of the per-pair ratios.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { smallObjectHeap, status, median, mb } = require('./heap-of-small-objects');

async function child(tool, sizeMb, dir) {
  const leakguard = require('..');
  const v8 = require('node:v8');
  const held = smallObjectHeap(sizeMb);
  leakguard.gc();
  leakguard.gc();
  const heapUsed = process.memoryUsage().heapUsed;
  fs.writeFileSync('/proc/self/clear_refs', '5');
  const rssBefore = status('VmRSS');
  let pauseMs;
  let totalMs;
  let estimate = null;
  let nodes = null;
  let file;
  const t0 = process.hrtime.bigint();
  if (tool === 'v8') {
    file = v8.writeHeapSnapshot(path.join(dir, `v8-${process.pid}.heapsnapshot`));
    pauseMs = Number(process.hrtime.bigint() - t0) / 1e6;
    totalMs = pauseMs;
  } else {
    const p = leakguard.writeSnapshot({ dir, ignoreHeadroom: true });
    pauseMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const info = await p;
    totalMs = Number(process.hrtime.bigint() - t0) / 1e6;
    estimate = info.estimatedBytes;
    nodes = info.nodes;
    file = info.path;
  }
  const peak = status('VmHWM');
  const bytes = fs.statSync(file).size;
  fs.unlinkSync(file);
  process.stdout.write(JSON.stringify({
    tool, sizeMb, heapUsed, objects: held.length, pauseMs, totalMs,
    rssBefore, peak, extra: peak - rssBefore, estimate, nodes, bytes,
  }) + '\n');
}


function runOne(tool, sizeMb, dir) {
  const r = spawnSync(process.execPath,
    ['--max-old-space-size=4096', __filename, '--child', tool, String(sizeMb), dir],
    { encoding: 'utf8', timeout: 600000 });
  if (r.status !== 0) {
    throw new Error(`${tool} ${sizeMb} MB failed: ${r.stderr || r.signal}`);
  }
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

function main() {
  const args = process.argv.slice(2);
  const opt = (name, def) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : def;
  };
  const sizes = opt('--sizes', '50,200').split(',').map(Number);
  const pairs = Number(opt('--pairs', '3'));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-bench-'));
  const results = [];
  for (const size of sizes) {
    const runs = [];
    for (let i = 0; i < pairs; i++) {
      const v8run = runOne('v8', size, dir);
      const ours = runOne('leakguard', size, dir);
      runs.push({ v8: v8run, ours });
      process.stderr.write(`${size} MB pair ${i + 1}: v8 ${v8run.pauseMs.toFixed(0)} ms ` +
        `+${mb(v8run.extra)} MB; leakguard ${ours.pauseMs.toFixed(0)} ms ` +
        `(total ${ours.totalMs.toFixed(0)}) +${mb(ours.extra)} MB, est ${mb(ours.estimate)} MB\n`);
    }
    const row = {
      sizeMb: size,
      heapUsedMb: Number(mb(median(runs.map((r) => r.ours.heapUsed)))),
      objects: runs[0].ours.objects,
      fileMb: Number(mb(median(runs.map((r) => r.ours.bytes)))),
      v8PauseMs: median(runs.map((r) => r.v8.pauseMs)),
      oursPauseMs: median(runs.map((r) => r.ours.pauseMs)),
      oursTotalMs: median(runs.map((r) => r.ours.totalMs)),
      pauseRatio: median(runs.map((r) => r.ours.pauseMs / r.v8.pauseMs)),
      v8PeakMb: Number(mb(median(runs.map((r) => r.v8.peak)))),
      oursPeakMb: Number(mb(median(runs.map((r) => r.ours.peak)))),
      peakRatio: median(runs.map((r) => r.ours.peak / r.v8.peak)),
      oursExtraMb: Number(mb(median(runs.map((r) => r.ours.extra)))),
      v8ExtraMb: Number(mb(median(runs.map((r) => r.v8.extra)))),
      estimateMb: Number(mb(median(runs.map((r) => r.ours.estimate)))),
      estimateRatio: median(runs.map((r) => r.ours.estimate / r.ours.extra)),
      extraPerHeapByte: median(runs.map((r) => r.ours.extra / r.ours.heapUsed)),
    };
    results.push(row);
  }
  fs.rmSync(dir, { recursive: true, force: true });
  if (args.includes('--json')) {
    process.stdout.write(JSON.stringify(results, null, 2) + '\n');
    return;
  }
  const header = '| heap | objects | file | pause v8 | pause leakguard (total) | pause ratio | ' +
    'peak RSS v8 | peak RSS leakguard | peak ratio | extra RSS | estimate | est/extra |';
  const lines = [header, header.replace(/[^|]/g, '-')];
  for (const r of results) {
    lines.push(`| ${r.heapUsedMb} MB | ${(r.objects / 1e6).toFixed(2)} M | ${r.fileMb} MB | ` +
      `${r.v8PauseMs.toFixed(0)} ms | ${r.oursPauseMs.toFixed(0)} ms (${r.oursTotalMs.toFixed(0)} ms) | ` +
      `${r.pauseRatio.toFixed(3)} | ${r.v8PeakMb} MB | ${r.oursPeakMb} MB | ${r.peakRatio.toFixed(3)} | ` +
      `${r.oursExtraMb} MB (${r.extraPerHeapByte.toFixed(2)}x heap) | ${r.estimateMb} MB | ` +
      `${r.estimateRatio.toFixed(2)} |`);
  }
  process.stdout.write(lines.join('\n') + '\n');
}

if (process.argv[2] === '--child') {
  child(process.argv[3], Number(process.argv[4]), process.argv[5]).catch((err) => {
    process.stderr.write(String(err && err.stack) + '\n');
    process.exit(1);
  });
} else {
  main();
}
