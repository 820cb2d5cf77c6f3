'use strict';
// What the snapshot benchmarks share: the heap they measure, and how they
// read memory and summarise runs.

const fs = require('node:fs');

// Small objects: ~40 bytes each with their property values inline, in
// short chains (every 16th starts a new one), held by one array, until the
// live heap reaches `sizeMb`. Returns the array.
class Item {
  constructor(i) {
    this.id = i;
    this.next = null;
  }
}

function smallObjectHeap(sizeMb) {
  const held = [];
  let prev = null;
  while (process.memoryUsage().heapUsed < sizeMb * 1024 * 1024) {
    for (let i = 0; i < 100000; i++) {
      const item = new Item(held.length);
      item.next = prev;
      prev = held.length % 16 === 0 ? null : item;
      held.push(item);
    }
  }
  return held;
}

// A field of /proc/self/status in bytes (VmRSS, VmHWM).
function status(field) {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm')
    .exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
// A 95% interval for the median by resampling (a fixed seed, so a run's
// figures can be recomputed): pairs of runs on a shared 2-core machine
// spread widely, so the median needs many of them and an interval.
function bootstrapMedian(xs, draws = 2000) {
  const medians = [];
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let d = 0; d < draws; d++) {
    medians.push(median(xs.map(() => xs[Math.floor(rand() * xs.length)])));
  }
  medians.sort((a, b) => a - b);
  return [medians[Math.floor(draws * 0.025)], medians[Math.floor(draws * 0.975)]];
}
const mb = (b) => (b / 2 ** 20).toFixed(0);

module.exports = { Item, smallObjectHeap, status, median, bootstrapMedian, mb };
