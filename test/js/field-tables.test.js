'use strict';
// Field lists written once in native code and checked on the JavaScript
// side, as the option tables are (options-table.test.js): memwatch's
// 'stats' fields (LEAKGUARD_MEMWATCH_STATS, core/monitor/gc_stats.h) in a
// real 'stats' event, in heapStats().gc and in index.d.ts. The 'leak'
// event's fields are checked against index.d.ts where a real leak is
// reported (detector.test.js).
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const binding = require('../../lib/binding');
const leakguard = require('../..');
const { interfaceKeys } = require('../fixtures/dts-keys');

const DTS = fs.readFileSync(path.resolve(__dirname, '..', '..', 'lib', 'index.d.ts'), 'utf8');
const MEMWATCH = binding.memwatchStatsKeys();

test("memwatch's keys come from one native list", () => {
  assert.deepEqual(MEMWATCH, ['num_full_gc', 'num_inc_gc', 'heap_compactions', 'usage_trend',
                              'estimated_base', 'current_base', 'min', 'max']);
});

test("a real 'stats' event carries memwatch's keys first, then what index.d.ts declares", async (t) => {
  t.after(() => leakguard.stop());
  // leakguard's handles never keep the loop alive: this timer does, until
  // the event has come.
  const keep = setTimeout(() => {}, 30000);
  const stats = new Promise((resolve) => leakguard.once('stats', resolve));
  leakguard.gc();
  const s = await stats;
  clearTimeout(keep);
  const keys = Object.keys(s);
  assert.deepEqual(keys.slice(0, MEMWATCH.length), MEMWATCH);
  assert.deepEqual(keys, interfaceKeys('Stats', DTS).map((k) => k.name));
  for (const key of keys) assert.equal(typeof s[key], 'number', key);
});

test("heapStats().gc carries memwatch's keys, and index.d.ts declares each", () => {
  const gc = leakguard.heapStats().gc;
  const block = /gc: Record<GcType, GcTypeCounters> & \{([^}]*)\}/.exec(DTS);
  assert.ok(block, 'index.d.ts: HeapStats.gc');
  const declared = [...block[1].matchAll(/(\w+): number;/g)].map((m) => m[1]);
  for (const key of MEMWATCH) {
    assert.equal(typeof gc[key], 'number', `heapStats().gc.${key}`);
    assert.ok(declared.includes(key), `index.d.ts HeapStats.gc lacks ${key}`);
  }
  for (const key of declared) assert.equal(typeof gc[key], 'number', `heapStats().gc.${key}`);
});
