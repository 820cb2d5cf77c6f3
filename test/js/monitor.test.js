'use strict';
// The watch pipeline end to end in real processes: GC callbacks -> ring ->
// monitor thread -> 'gc' and 'stats' events, heapStats(), gc(), lifetime.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { runNode, jsonLines, ROOT } = require('./helpers/child');

const leakguard = require('../..');

const GC_TYPES = ['scavenge', 'minor-mark-compact', 'mark-sweep-compact',
                  'incremental-marking', 'weak-callbacks'];

function churn(n) {
  let keep = null;
  for (let i = 0; i < n; i++) keep = { i, text: `item-${i}`, list: [i, i + 1] };
  return keep;
}

function waitFor(emitter, event, predicate = () => true, timeoutMs = 10000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, on);
      reject(new Error(`no '${event}' event within ${timeoutMs} ms`));
    }, timeoutMs);
    function on(value) {
      if (!predicate(value)) return;
      clearTimeout(timer);
      emitter.off(event, on);
      resolve(value);
    }
    emitter.on(event, on);
  });
}

test('requiring the module twice gives the same instance', () => {
  assert.equal(require('../..'), require(path.join(ROOT, 'lib', 'index.js')));
  assert.equal(typeof leakguard.on, 'function');
});

test('gc events arrive with plausible values while the test allocates',
     async () => {
  const events = [];
  const onGc = (e) => events.push(e);
  leakguard.on('gc', onGc);
  const deadline = Date.now() + 5000;
  while (events.length < 5 && Date.now() < deadline) {
    churn(200000);
    await new Promise((r) => setTimeout(r, 20));
  }
  leakguard.off('gc', onGc);
  assert.ok(events.length >= 5, `only ${events.length} gc events`);
  for (const e of events) {
    assert.ok(GC_TYPES.includes(e.type), `unknown type ${e.type}`);
    assert.ok(e.pauseMs >= 0 && e.pauseMs < 10000, `pause ${e.pauseMs}`);
    assert.ok(e.endTime >= e.startTime);
    assert.ok(e.heapUsedAfter > 1e5, `heap used ${e.heapUsedAfter}`);
    assert.ok(e.heapLimit > e.heapUsedAfter);
    assert.ok(e.heapTotal >= e.heapUsedAfter);
    assert.ok(e.external >= 0);
    assert.equal(typeof e.forced, 'boolean');
  }
  assert.ok(events.some((e) => e.type === 'scavenge'), 'no scavenge seen');
  // Scavenges free young garbage: on average, used after < used before.
  const scav = events.filter((e) => e.type === 'scavenge');
  const freed = scav.reduce((s, e) => s + (e.heapUsedBefore - e.heapUsedAfter), 0);
  assert.ok(freed > 0, `scavenges freed ${freed} bytes in total`);
});

test('stats follow each full GC with memwatch fields', async () => {
  const pending = waitFor(leakguard, 'stats');
  leakguard.gc();
  const s = await pending;
  for (const key of ['num_full_gc', 'num_inc_gc', 'heap_compactions',
                     'usage_trend', 'estimated_base', 'current_base',
                     'min', 'max', 'pauseMs', 'totalPauseMs', 'heapUsed',
                     'heapLimit', 'external', 'rss', 'droppedRecords']) {
    assert.equal(typeof s[key], 'number', `stats.${key}`);
  }
  assert.ok(s.num_full_gc >= 1);
  assert.ok(s.current_base > 1e6 && s.current_base < s.heapLimit);
  assert.ok(s.min <= s.current_base && s.current_base <= s.max);
  assert.ok(s.rss > s.current_base, 'rss below the heap base');
  assert.equal(s.droppedRecords, 0);
});

test('gc() really frees a dropped large structure', () => {
  let big = [];
  for (let i = 0; i < 400000; i++) big.push({ i, name: `n${i}`, tags: [i] });
  leakguard.gc();
  const withBig = leakguard.heapStats().heap.used_heap_size;
  // Read `big` after measuring: otherwise V8's liveness analysis may treat
  // it as dead already and the "before" figure would be without it.
  assert.equal(big.length, 400000);
  big = null;
  leakguard.gc();
  const without = leakguard.heapStats().heap.used_heap_size;
  assert.equal(big, null);
  assert.ok(withBig - without > 20 * 1024 * 1024,
            `gc() freed only ${withBig - without} bytes`);
});

test('heapStats() has V8, space, GC, RSS and drop counters', () => {
  const s = leakguard.heapStats();
  assert.equal(typeof s.monitoring, 'boolean');
  for (const key of ['total_heap_size', 'used_heap_size', 'heap_size_limit',
                     'external_memory', 'malloced_memory',
                     'number_of_native_contexts']) {
    assert.equal(typeof s.heap[key], 'number', `heap.${key}`);
  }
  assert.ok(s.heap.used_heap_size <= s.heap.total_heap_size);
  assert.ok(Array.isArray(s.spaces) && s.spaces.length >= 5);
  assert.ok(s.spaces.some((sp) => sp.space_name === 'old_space'));
  for (const sp of s.spaces) {
    assert.equal(typeof sp.space_used_size, 'number');
  }
  for (const t of GC_TYPES) {
    assert.deepEqual(Object.keys(s.gc[t]).sort(),
                     ['buckets', 'count', 'maxPauseMs', 'totalPauseMs']);
    // Pause buckets (prom-client's GC bounds and +Inf) sum to the count.
    assert.equal(s.gc[t].buckets.length, 7);
    assert.equal(s.gc[t].buckets.reduce((a, b) => a + b, 0), s.gc[t].count);
  }
  assert.ok(s.gc.num_full_gc >= 1, 'earlier tests ran full GCs');
  assert.ok(s.rss > s.heap.used_heap_size);
  assert.equal(typeof s.droppedRecords, 'number');
  assert.equal(typeof s.droppedEvents, 'number');
});

test('options are validated with errors naming the option', () => {
  assert.throws(() => leakguard.start({ sampleIntervalMs: 'fast' }), {
    name: 'TypeError',
    message: /leakguard\.start: options\.sampleIntervalMs must be a number/,
  });
  assert.throws(() => leakguard.start({ sampleIntervalMs: 5 }), {
    name: 'RangeError',
    message: /options\.sampleIntervalMs must be between 100 and/,
  });
  assert.throws(() => leakguard.configure({ ringCapacity: 1.5 }), {
    name: 'RangeError', message: /options\.ringCapacity must be an integer/,
  });
  assert.throws(() => leakguard.start({ sampleIntervalMS: 1000 }), {
    name: 'TypeError',
    message: /unknown option 'sampleIntervalMS'; accepted options are .*sampleIntervalMs/,
  });
  assert.throws(() => leakguard.start('yes'), {
    name: 'TypeError', message: /options must be an object/,
  });
  // A rejected call changes nothing.
  assert.equal(leakguard.options.sampleIntervalMs, 1000);
});

test('stop() then start() cycles keep working and counters accumulate',
     async () => {
  const before = leakguard.heapStats().gc.num_full_gc;
  for (let i = 0; i < 10; i++) {
    leakguard.stop();
    assert.equal(leakguard.monitoring, false);
    leakguard.gc();  // not counted: nobody is watching
    leakguard.start();
    assert.equal(leakguard.monitoring, true);
  }
  const pending = waitFor(leakguard, 'stats');
  leakguard.gc();
  const s = await pending;
  assert.ok(s.num_full_gc > before);
  assert.ok(leakguard.heapStats().gc.num_full_gc > before);
});

test('removing the last listener does not break monitoring', async () => {
  const noop = () => {};
  leakguard.on('stats', noop);
  leakguard.off('stats', noop);
  leakguard.on('gc', noop);
  leakguard.off('gc', noop);
  assert.equal(leakguard.monitoring, true);
  const pending = waitFor(leakguard, 'stats');
  leakguard.gc();
  await pending;
});

test('monitoring loads neither worker_threads nor v8 in the main thread, and knows a worker', async () => {
  // Both bring streams and messaging with them (~2 MB of a small
  // service's RSS, docs/overhead.md); a worker still gets its threadId.
  const r = await runNode({
    code: `
      const before = new Set(process.moduleLoadList);
      const lg = require('.');
      lg.on('leak', () => {});
      lg.gc();
      const added = process.moduleLoadList.filter((m) => !before.has(m));
      const main = lg.timeline().process.threadId;
      const { Worker } = require('node:worker_threads');
      const w = new Worker(\`
        const lg = require(\${JSON.stringify(process.cwd())});
        lg.on('leak', () => {});
        require('node:worker_threads').parentPort.postMessage(lg.timeline().process.threadId);
        lg.stop();
      \`, { eval: true });
      w.once('message', (tid) => {
        console.log(JSON.stringify({ added, main, worker: tid, expected: w.threadId }));
        lg.stop();
      });
    `,
    timeoutMs: 30000,
  });
  assert.equal(r.code, 0, r.stderr);
  const [out] = jsonLines(r.stdout);
  assert.ok(!out.added.includes('NativeModule worker_threads'), out.added.join(', '));
  assert.ok(!out.added.includes('NativeModule v8'), out.added.join(', '));
  assert.equal(out.main, 0);
  assert.equal(out.worker, out.expected);
  assert.ok(out.worker > 0);
});

test("without a 'stats' listener full GCs reach the detector on the monitor's tick", async () => {
  // Only 'stats' listeners wake the monitor thread at each full GC; the
  // others wait for its 100 ms tick.
  const r = await runNode({
    code: `
      const lg = require('.');
      lg.on('leak', () => {});
      const full = () => lg.heapStats().gc['mark-sweep-compact'].count;
      const was = full();
      for (let i = 0; i < 3; i++) lg.gc();
      const t0 = Date.now();
      const poll = setInterval(() => {
        if (full() >= was + 3 || Date.now() - t0 > 10000) {
          clearInterval(poll);
          console.log(JSON.stringify({ was, now: full() }));
          lg.stop();
        }
      }, 20);
    `,
    timeoutMs: 30000,
  });
  assert.equal(r.code, 0, r.stderr);
  const [out] = jsonLines(r.stdout);
  assert.ok(out.now >= out.was + 3, JSON.stringify(out));
});

test('a monitoring process exits by itself', async () => {
  const r = await runNode({
    code: `
      const lg = require('.');
      lg.on('stats', () => {});
      lg.on('gc', () => {});
      lg.start({ sampleIntervalMs: 100 });
      let keep = [];
      for (let i = 0; i < 100000; i++) keep.push({ i });
      lg.gc();
      setTimeout(() => console.log(JSON.stringify({ done: lg.monitoring })), 200);
    `,
    timeoutMs: 15000,
  });
  assert.equal(r.signal, null, r.stderr);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(jsonLines(r.stdout), [{ done: true }]);
  assert.ok(r.ms < 10000, `exit took ${r.ms} ms`);
});

test('process.exit() while the monitor thread is busy is clean', async () => {
  const r = await runNode({
    code: `
      const lg = require('.');
      lg.on('gc', () => {});
      const t = setInterval(() => { for (let i = 0; i < 1e5; i++) ({ i }); }, 1);
      setTimeout(() => process.exit(0), 300);
    `,
    timeoutMs: 15000,
  });
  assert.equal(r.signal, null, r.stderr);
  assert.equal(r.code, 0, r.stderr);
});

test('process.exit() while probes are being requested is clean, 10 times', async () => {
  // The detector asks V8 for live-set probes from the monitor thread; at
  // exit that thread must be gone before Node disposes the platform.
  const runs = await Promise.all(Array.from({ length: 10 }, (_, i) => runNode({
    code: `
      const lg = require('.');
      lg.start({ warmupMs: 0, probeIntervalMs: 100, sampleIntervalMs: 100 });
      lg.on('leak', () => {});
      const kept = [];
      setInterval(() => { for (let i = 0; i < 2e4; i++) kept.push({ i }); }, 5);
      setTimeout(() => process.exit(0), ${300 + i * 97});
    `,
    timeoutMs: 20000,
  })));
  for (const r of runs) {
    assert.equal(r.signal, null, r.stderr);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
  }
});

test('workers load, emit events and terminate cleanly, 20 times', async () => {
  // In a child process, so that a crash at worker teardown fails the test
  // instead of the runner.
  const r = await runNode({
    code: `
      const { Worker } = require('node:worker_threads');
      const src = \`
        const { parentPort } = require('node:worker_threads');
        const lg = require(${JSON.stringify(ROOT)});
        let gcs = 0, stats = 0;
        lg.on('gc', () => gcs++);
        lg.on('stats', () => {
          stats++;
          parentPort.postMessage({ gcs, stats, monitoring: lg.monitoring });
        });
        const keep = [];
        setInterval(() => {
          for (let i = 0; i < 20000; i++) keep.push({ i });
          if (keep.length > 200000) keep.length = 0;
          lg.gc();
        }, 5);
      \`;
      (async () => {
        const seen = [];
        for (let i = 0; i < 20; i++) {
          const w = new Worker(src, { eval: true });
          const msg = await new Promise((resolve, reject) => {
            w.once('message', resolve);
            w.once('error', reject);
          });
          seen.push(msg);
          await w.terminate();  // terminated while monitoring
        }
        console.log(JSON.stringify({ seen }));
      })();
    `,
    timeoutMs: 60000,
  });
  assert.equal(r.signal, null, r.stderr);
  assert.equal(r.code, 0, r.stderr);
  const [{ seen }] = jsonLines(r.stdout);
  assert.equal(seen.length, 20);
  for (const m of seen) {
    assert.ok(m.stats >= 1 && m.gcs >= 1, JSON.stringify(m));
    assert.equal(m.monitoring, true);
  }
});

test('each worker has its own state', async () => {
  const r = await runNode({
    code: `
      const { Worker } = require('node:worker_threads');
      const lg = require('.');
      lg.on('stats', () => {});
      const src = \`
        const { parentPort } = require('node:worker_threads');
        const lg = require(${JSON.stringify(ROOT)});
        parentPort.postMessage({ monitoring: lg.monitoring });
        lg.start();
        lg.gc();
        setTimeout(() => {
          parentPort.postMessage({ full: lg.heapStats().gc.num_full_gc });
          lg.stop();
          parentPort.postMessage({ stopped: !lg.monitoring });
        }, 100);
      \`;
      const w = new Worker(src, { eval: true });
      const msgs = [];
      w.on('message', (m) => msgs.push(m));
      w.on('exit', () => {
        console.log(JSON.stringify({ msgs, main: lg.monitoring }));
      });
    `,
    timeoutMs: 30000,
  });
  assert.equal(r.code, 0, r.stderr);
  const [{ msgs, main }] = jsonLines(r.stdout);
  // The worker starts unmonitored although the main thread monitors, counts
  // its own full GC, and stopping it leaves the main thread monitoring.
  assert.deepEqual(msgs[0], { monitoring: false });
  assert.ok(msgs[1].full >= 1);
  assert.deepEqual(msgs[2], { stopped: true });
  assert.equal(main, true);
});
