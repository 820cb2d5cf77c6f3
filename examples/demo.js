'use strict';
// npm run demo: a leaky HTTP service runs under leakguard for a few seconds
// and leakguard reports what it sees.
const leakguard = require('..');
const service = require('./leaky-service');

const MB = 1024 * 1024;
const fmt = (b) => `${(b / MB).toFixed(1)} MB`;
const DURATION_MS = Number(process.env.DEMO_DURATION_MS || 15000);

async function main() {
  console.log('leakguard demo: an HTTP service on 127.0.0.1 keeps every ' +
              'request in a module-level Map.\n');
  leakguard.on('stats', (s) => {
    console.log(`[stats] full GC #${s.num_full_gc}: live heap ${fmt(s.current_base)} ` +
                `(min ${fmt(s.min)}, max ${fmt(s.max)}), rss ${fmt(s.rss)}, ` +
                `GC pauses ${s.totalPauseMs.toFixed(0)} ms so far`);
  });
  const svc = await service.start({ rps: 1000 });
  console.log(`service listening on 127.0.0.1:${svc.port}; load: 1000 req/s\n`);

  const probe = setInterval(() => leakguard.gc(), 2000);
  await new Promise((r) => setTimeout(r, DURATION_MS));
  clearInterval(probe);
  await svc.stop();

  const h = leakguard.heapStats();
  const { sent, retained } = svc.stats();
  console.log(`\n${sent} requests sent, ${retained} request contexts still retained.`);
  console.log(`GC: ${h.gc.num_full_gc} full, ${h.gc.num_inc_gc} other collections, ` +
              `${h.gc.totalPauseMs.toFixed(0)} ms total pause; ` +
              `${h.droppedRecords} GC records dropped.`);
  leakguard.stop();
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
