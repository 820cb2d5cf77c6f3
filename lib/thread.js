'use strict';
// Which thread this is: Node's main thread or a worker, and the worker's
// threadId (0 in the main thread). worker_threads is loaded only in a
// worker: in a main thread that has not loaded it, it brings streams and
// messaging with it, ~2 MB of a small service's RSS (docs/overhead.md).
const binding = require('./binding');

const isMainThread = binding.mainThread === true;
let id = isMainThread ? 0 : null;

function threadId() {
  if (id === null) id = require('node:worker_threads').threadId;
  return id;
}

module.exports = { isMainThread, threadId };
