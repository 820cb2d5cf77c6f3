'use strict';
// The ES module entry (lib/index.mjs): `import leakguard, { HeapDiff, gc }
// from 'leakguard'` in a real .mjs file gets the same instance as require().
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { runNode, jsonLines, ROOT } = require('./helpers/child');

test('import from an .mjs file: default and named exports, one instance with require()', async () => {
  const r = await runNode({ file: path.join(ROOT, 'test', 'fixtures', 'esm-child.mjs') });
  assert.equal(r.code, 0, r.stderr);
  const [out] = jsonLines(r.stdout);
  assert.ok(out, r.stdout);
  assert.equal(out.sameInstance, true);
  assert.equal(out.sameHeapDiff, true);
  assert.ok(out.fullGcs >= 1, `a 'stats' event after gc(): ${JSON.stringify(out)}`);
  assert.equal(out.monitoring, false, 'the bound stop() stopped the default instance');
  assert.ok(out.heapLimit > 0);
  assert.ok(out.grew > 20000 * 16, `HeapDiff saw the 20,000 objects: ${out.grew}`);
});
