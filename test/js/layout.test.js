'use strict';
// lib/'s dependencies run one way (lib/README.md): each file may require
// the files of its own folder and of folders of a lower rank, never of its
// own rank in another folder or of a higher one. A require that breaks
// the order fails here, with the edge named.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const LIB = path.resolve(__dirname, '..', '..', 'lib');
// Rank of each folder (or top-level file) of lib/.
const RANK = {
  'errors.js': 0, 'snapshot/signals.js': 0,
  'binding.js': 1,
  'options.js': 2, 'thread.js': 2,
  monitor: 3, sampling: 3,
  snapshot: 4,
  analysis: 5,
  report: 6,
  'index.js': 7,
  'index.mjs': 8, metrics: 8, testing: 8, cli: 8,
  'register.js': 9,
};

function unit(file) {
  const rel = path.relative(LIB, file).split(path.sep).join('/');
  if (Object.hasOwn(RANK, rel)) return rel;
  return rel.includes('/') ? rel.split('/')[0] : rel;
}

function files(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return files(p);
    return /\.(js|mjs)$/.test(e.name) && e.name !== 'page.js' ? [p] : [];
  });
}

test("lib/'s requires run one way, from higher ranks to lower", () => {
  const broken = [];
  let edges = 0;
  for (const file of files(LIB)) {
    const from = unit(file);
    assert.ok(Object.hasOwn(RANK, from), `${from} has no rank in this test and lib/README.md`);
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:require\(|from\s+)'(\.{1,2}\/[^']*)'/g)) {
      let target = path.resolve(path.dirname(file), m[1]);
      if (target.endsWith('package.json')) continue;
      target = require.resolve(target);
      const to = unit(target);
      if (to === from) continue;
      edges++;
      if (!(RANK[to] < RANK[from])) broken.push(`${path.relative(LIB, file)} -> ${path.relative(LIB, target)}`);
    }
  }
  assert.ok(edges > 30, `found ${edges} edges: the scan is broken`);
  assert.deepEqual(broken, []);
});
