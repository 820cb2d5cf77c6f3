'use strict';
// Functions the example suites measure, shared by every runner. The leaky
// ones retain a little per call, the way real leaks do; the clean ones
// allocate plenty but keep nothing, or keep a bounded amount that is full
// after the warm-up.
const { EventEmitter } = require('node:events');
const { isMainThread } = require('node:worker_threads');

// Leaky: one Session per call into a module-level array.
class Session {
  constructor(id) {
    this.id = id;
    this.user = null;
  }
}
const sessions = [];
function openSession() {
  sessions.push(new Session(sessions.length));
}

// Leaky: one listener per call on a long-lived emitter.
const bus = new EventEmitter();
bus.setMaxListeners(0);
function subscribe() {
  bus.on('tick', function onTick() {});
}

// Leaky, outside the JS heap: a 4 KB Buffer kept per call.
const buffers = [];
function keepBuffer() {
  buffers.push(Buffer.alloc(4096));
}

// Clean: builds and throws away a few hundred objects per call.
function parseRecords() {
  const rows = [];
  for (let i = 0; i < 20; i++) rows.push({ id: i, name: `row-${i}`, tags: [i, i + 1] });
  return JSON.parse(JSON.stringify(rows)).length;
}

// Clean: external memory churn, nothing kept.
function hashBuffer() {
  const buf = Buffer.alloc(4096, 7);
  return buf.readUInt32LE(0);
}

// Clean, async: a promise chain through the event loop.
async function fetchUser(id = 1) {
  await new Promise((resolve) => setImmediate(resolve));
  const user = await Promise.resolve({ id, name: `user-${id}` });
  return user.name.length;
}

// Clean: a bounded LRU cache of 200 entries over 1000 keys. It is full
// after 200 calls, well inside the default warm-up of 500.
const cache = new Map();
let nextKey = 0;
function cachedLookup() {
  const key = nextKey++ % 1000;
  let hit = cache.get(key);
  if (hit === undefined) {
    if (cache.size >= 200) cache.delete(cache.keys().next().value);
    hit = { key, value: `value-${key}` };
    cache.set(key, hit);
  }
  return hit.value.length;
}

// Clean: a listener per call that is removed again when it fires.
function emitOnce() {
  bus.once('done', function onDone() {});
  bus.emit('done');
}

// Clean: string building, a closure and a class instance per call.
function renderTemplate() {
  const fields = { title: 'Report', count: nextKey % 97 };
  const fill = (text) => text.replace(/\{(\w+)\}/g, (_, k) => String(fields[k]));
  return fill('<h1>{title}</h1><p>{count} rows</p>').length +
    new Session(fields.count).id;
}

// Leaky at a chosen rate: `rate` Sessions per call on average (0.5 is one
// every other call), for measuring the smallest leak that is caught
// (flake.js --smallest).
function sessionsAtRate(rate) {
  const kept = [];
  let owed = 0;
  return function keepSometimes() {
    owed += rate;
    while (owed >= 1) {
      kept.push(new Session(kept.length));
      owed -= 1;
    }
  };
}

// Where the suite runs, printed by each suite so the parent test can check
// that runner workers (child processes, worker threads) were used.
function where() {
  const kind = !isMainThread ? 'worker-thread'
    : typeof process.send === 'function' ? 'child-process' : 'main';
  return `leakguard-runner-context: ${kind} pid=${process.pid}`;
}

module.exports = {
  Session,
  openSession,
  subscribe,
  keepBuffer,
  parseRecords,
  hashBuffer,
  fetchUser,
  cachedLookup,
  emitOnce,
  renderTemplate,
  sessionsAtRate,
  where,
};
