'use strict';
// Worker churn and a signal storm against one real process:
//
//   node --expose-gc bench/churn.js [workers=200] [signals=1000] [--baseline]
//
// 1. `workers` monitoring workers are created and terminated one after
//    another, each at a random moment while it has work of leakguard's in
//    flight: an analysis on the threadpool (summary() of a file), a
//    snapshot being written, or a HeapDiff's endAsync(). Every fourth
//    worker calls process.exit() itself instead of being terminated.
// 2. `signals` SIGUSR2 are sent to the process as fast as it takes them,
//    with snapshots enabled (cooldown 60 s): exactly one file must appear.
//
// --baseline runs the same workers without leakguard, for the RSS that
// churning workers costs by itself. Prints one JSON line: workers run, crashes (0 or the process would not
// be here to print), the process's RSS before and after, files written by
// the storm, .tmp files left, and the time taken.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Worker, isMainThread, parentPort, workerData } = require('node:worker_threads');

if (!isMainThread && workerData.baseline) {
  // The same worker without leakguard: what churn alone does to RSS.
  const held = Array.from({ length: 20000 }, (_, i) => ({ i, s: `x${i}` }));
  parentPort.postMessage('busy');
  if (workerData.exit) setImmediate(() => process.exit(0));
  setInterval(() => held.length, 1000);
  return;
}
if (!isMainThread) {
  const leakguard = require('..');
  leakguard.on('error', () => {});
  leakguard.start({ sampleIntervalMs: 100 });
  const held = Array.from({ length: 20000 }, (_, i) => ({ i, s: `x${i}` }));
  const { job, dir, file } = workerData;
  let work;
  if (job === 0) work = leakguard.summary(file);
  else if (job === 1) work = leakguard.writeSnapshot({ dir });
  else work = new leakguard.HeapDiff().endAsync();
  work.catch(() => {});
  parentPort.postMessage('busy');
  if (workerData.exit) setImmediate(() => process.exit(0));
  setInterval(() => held.length, 1000);
  return;
}

const positional = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const WORKERS = Number(positional[0] || 200);
const SIGNALS = Number(positional[1] || 1000);
const BASELINE = process.argv.includes('--baseline');
const leakguard = require('..');

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-churn-'));
  // A real snapshot file for the analyses in flight.
  const file = (await leakguard.writeSnapshot({ dir, reason: 'input' })).path;
  const rssBefore = process.memoryUsage().rss;
  const started = Date.now();
  for (let i = 0; i < WORKERS; i++) {
    const w = new Worker(__filename, {
      workerData: { job: i % 3, dir, file, exit: i % 4 === 3, baseline: BASELINE },
    });
    w.on('error', () => {});
    await new Promise((resolve) => {
      w.once('message', () => {
        // Terminate somewhere inside the work: now, or a few ms in.
        setTimeout(() => w.terminate(), Math.floor(Math.random() * 20));
      });
      w.once('exit', resolve);
    });
  }
  const churnMs = Date.now() - started;
  if (global.gc) global.gc();
  const rssAfter = process.memoryUsage().rss;
  // Memory in use by malloc, and RSS once glibc has given back what was
  // freed (malloc_trim): what churn left in use against what the
  // allocator kept.
  const native = require(require('../test/fixtures/native/build').buildNativeLeak());
  const mallocInUse = native.mallocInUse();
  native.mallocTrim();
  const rssTrimmed = process.memoryUsage().rss;

  // The storm.
  const stormDir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-storm-'));
  leakguard.enableSnapshots({ dir: stormDir, cooldownMs: 60000 });
  const stormStarted = Date.now();
  for (let i = 0; i < SIGNALS; i++) {
    process.kill(process.pid, 'SIGUSR2');
    if (i % 50 === 0) await new Promise((r) => setImmediate(r));
  }
  const deadline = Date.now() + 60000;
  let files = [];
  while (Date.now() < deadline) {
    files = fs.readdirSync(stormDir);
    if (files.some((f) => f.endsWith('.heapsnapshot'))) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  await new Promise((r) => setTimeout(r, 2000));  // would a second one come?
  files = fs.readdirSync(stormDir);
  const stats = leakguard.snapshotStats();
  leakguard.disableSnapshots();
  leakguard.stop();
  const tmpLeft = [...fs.readdirSync(dir), ...files].filter((f) => f.endsWith('.tmp')).length;
  console.log(JSON.stringify({
    node: process.version,
    baseline: BASELINE,
    workers: WORKERS,
    crashes: 0,
    churnMs,
    rssBeforeMiB: +(rssBefore / 2 ** 20).toFixed(1),
    rssAfterMiB: +(rssAfter / 2 ** 20).toFixed(1),
    mallocInUseMiB: +(mallocInUse / 2 ** 20).toFixed(1),
    rssAfterTrimMiB: +(rssTrimmed / 2 ** 20).toFixed(1),
    signals: SIGNALS,
    stormFiles: files.filter((f) => f.endsWith('.heapsnapshot')).length,
    signalsCounted: stats.signals,
    skipped: stats.skipped,
    stormMs: Date.now() - stormStarted,
    tmpLeft,
  }));
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(stormDir, { recursive: true, force: true });
}

main();
