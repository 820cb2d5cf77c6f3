'use strict';
// Run inside a fresh project that installed the packed tarball (see
// scripts/test-package.js), on any supported Node and arch, with no
// compiler on PATH: loads leakguard from its prebuild, gets a 'stats' event
// after gc(), writes a snapshot and parses it back, and finds the metrics
// entry points without their optional peers. Prints one JSON line and
// exits 0, or throws.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

async function main() {
  const leakguard = require('leakguard');
  const pkgDir = path.dirname(require.resolve('leakguard/package.json'));
  const loaded = require('node-gyp-build').path(pkgDir);
  assert.ok(loaded.includes(`${path.sep}prebuilds${path.sep}`), `loaded ${loaded}, not a prebuild`);
  assert.ok(!fs.existsSync(path.join(pkgDir, 'build')), 'the install built from source');

  const keepAlive = setTimeout(() => {}, 120000);
  const stats = await new Promise((resolve) => {
    leakguard.once('stats', resolve);
    leakguard.gc();
  });
  assert.ok(stats.num_full_gc >= 1);
  const heap = leakguard.heapStats().heap;
  assert.ok(heap.used_heap_size > 0 && heap.heap_size_limit > heap.used_heap_size);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-smoke-'));
  class SmokeMarker { constructor(i) { this.i = i; } }
  const held = Array.from({ length: 500 }, (_, i) => new SmokeMarker(i));
  const info = await leakguard.writeSnapshot({ dir });
  const snap = JSON.parse(fs.readFileSync(info.path, 'utf8'));
  const fields = snap.snapshot.meta.node_fields;
  assert.equal(snap.nodes.length, snap.snapshot.node_count * fields.length);
  assert.equal(fs.statSync(info.path).mode & 0o777, 0o600);
  const nameAt = fields.indexOf('name');
  let markers = 0;
  for (let i = 0; i < snap.nodes.length; i += fields.length) {
    if (snap.strings[snap.nodes[i + nameAt]] === 'SmokeMarker') markers++;
  }
  assert.ok(markers >= held.length, `${markers} SmokeMarker nodes`);
  const esm = await import('leakguard');
  assert.equal(esm.default, leakguard);
  // The metrics entry points are exported; their peer dependencies are
  // optional, so this fresh project has neither, and says so.
  for (const [entry, peer] of [['leakguard/prometheus', 'prom-client'],
                               ['leakguard/otel', '@opentelemetry/api']]) {
    assert.throws(() => require(entry).register(),
      (err) => err.code === 'ERR_LEAKGUARD_PEER_MISSING' && err.message.includes(`npm install ${peer}`));
  }
  leakguard.stop();
  fs.rmSync(dir, { recursive: true, force: true });
  clearTimeout(keepAlive);
  process.stdout.write(JSON.stringify({
    node: process.version, arch: process.arch, abi: process.versions.modules,
    prebuild: path.relative(pkgDir, loaded), fullGcs: stats.num_full_gc,
    snapshotBytes: info.bytes, nodes: snap.snapshot.node_count,
  }) + '\n');
}

main().catch((err) => {
  process.stderr.write(`${err.stack}\n`);
  process.exit(1);
});
