#!/usr/bin/env node
'use strict';
// leakguard's own memory over a million collections: 'stats',
// 'gc' and 'leak' listeners, GCs forced in turns of the event loop (99
// scavenges and one full mark-compact per 100), RSS and glibc's malloc
// totals (mallinfo2, through the test addon in test/fixtures/native)
// every 100,000 GCs, and the same loop without leakguard for comparison.
//
//   node --expose-gc bench/soak.js [gcs=1000000] [--baseline]
//
// Growth is measured from the first checkpoint (100,000 GCs: code is
// compiled and buffers have their size) to the last; target < 1 MB.
const path = require('node:path');
const { buildNativeLeak } = require('../test/fixtures/native/build');

if (typeof global.gc !== 'function') {
  console.error('run with --expose-gc');
  process.exit(2);
}
const total = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) || 1000000);
const baseline = process.argv.includes('--baseline');
const native = require(buildNativeLeak());
const lg = baseline ? null : require(path.join(__dirname, '..'));

const counts = { stats: 0, gc: 0, leak: 0 };
if (lg !== null) {
  lg.on('stats', () => { counts.stats++; });
  lg.on('gc', () => { counts.gc++; });
  lg.on('leak', () => { counts.leak++; });
}

const PER_TURN = 500;
const CHECKPOINT = Math.max(1, Math.min(100000, Math.floor(total / 10)));
const rows = [];
let done = 0;
let sink = 0;

function checkpoint() {
  const s = lg === null ? null : lg.heapStats();
  rows.push({
    gcs: done,
    rss: process.memoryUsage.rss(),
    malloc: native.mallocInUse(),
    heapUsed: process.memoryUsage().heapUsed,
    events: lg === null ? null : { ...counts },
    droppedRecords: s && s.droppedRecords,
    droppedEvents: s && s.droppedEvents,
  });
  const r = rows[rows.length - 1];
  console.log(`${String(r.gcs).padStart(8)} GCs  rss ${(r.rss / 2 ** 20).toFixed(1)} MiB  ` +
    `malloc in use ${(r.malloc / 2 ** 20).toFixed(2)} MiB` +
    (r.events ? `  events gc=${r.events.gc} stats=${r.events.stats} leak=${r.events.leak}` +
      ` dropped records=${r.droppedRecords} events=${r.droppedEvents}` : ''));
}

function turn() {
  for (let i = 0; i < PER_TURN && done < total; i++) {
    // A little garbage so each scavenge has work.
    sink += JSON.stringify({ i, done }).length;
    done++;
    // gc() is a full GC; { type: 'minor' } a scavenge.
    if (done % 100 === 0) global.gc();
    else global.gc({ type: 'minor' });
    if (done % CHECKPOINT === 0) checkpoint();
  }
  if (done < total) {
    setImmediate(turn);
    return;
  }
  // Let the last batch of events arrive.
  setTimeout(() => {
    const first = rows[0];
    const last = rows[rows.length - 1];
    const mb = (b) => (b / 1e6).toFixed(2);
    console.log(`${baseline ? 'baseline (no leakguard)' : 'leakguard'}, node ${process.version}: ` +
      `${last.gcs} GCs; from ${first.gcs} to ${last.gcs}: rss ${mb(last.rss - first.rss)} MB, ` +
      `malloc in use ${mb(last.malloc - first.malloc)} MB` +
      (lg ? `; events gc=${counts.gc} stats=${counts.stats}, dropped records=` +
        `${lg.heapStats().droppedRecords} events=${lg.heapStats().droppedEvents}` : '') +
      ` (sink ${sink % 10})`);
    if (lg) lg.stop();
  }, 500);
}

console.log(`${baseline ? 'baseline' : 'leakguard'}: ${total} GCs, ${PER_TURN} per turn of the loop`);
setImmediate(turn);
