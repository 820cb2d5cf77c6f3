'use strict';
// The option tables are written once, in native code
// (src/core/monitor/monitor_options.h, src/core/analysis/leak_candidates.h)
// and exported by the binding. lib/options.js builds its schemas from the
// export; these tests fail when index.d.ts or docs/ say
// something else, and check that the binding asserts what lib/ hands it
// instead of deciding for itself.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const binding = require('../../lib/binding');
const options = require('../../lib/options');

const root = path.join(__dirname, '..', '..');
const read = (file) => fs.readFileSync(path.join(root, file), 'utf8');
const TABLE = binding.optionTable();

// The docs' spelling of a default and of what is accepted.
function docsDefault(spec) {
  if (spec.default === undefined) return 'by sensitivity';
  return typeof spec.default === 'string' ? `\`'${spec.default}'\`` : String(spec.default);
}
function docsAccepted(spec) {
  if (spec.kind === 'enum') return spec.values.map((v) => `\`'${v}'\``).join(', ');
  if (spec.kind === 'horizons') {
    return `${Object.keys(spec.sets).map((v) => `\`'${v}'\``).join(', ')}, or up to ` +
      `${spec.maxCount} ascending lengths in ms, each > \`windowMs\` and ≤ ${spec.max}`;
  }
  const max = spec.max === Number.MAX_SAFE_INTEGER ? '2⁵³−1' : String(spec.max);
  const range = `${spec.min} … ${max}`;
  return spec.kind === 'integerOrZero' ? `0, or ${range}` : range;
}

// Rows `| \`name\` | a | b | ... |` of the markdown table under `heading`.
function markdownTable(text, heading) {
  const start = text.indexOf(`\n${heading}\n`);
  assert.ok(start >= 0, `missing heading ${heading}`);
  const lines = text.slice(start).split('\n');
  const first = lines.findIndex((l) => l.startsWith('|'));
  const rows = new Map();
  for (const line of lines.slice(first + 2)) {
    if (!line.startsWith('|')) break;
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    const name = /^`([^`]+)`/.exec(cells[0]);
    if (name) rows.set(name[1], cells.slice(1));
  }
  return rows;
}

// The doc comment above `name?:` inside `interface <iface> {`.
function dtsComments(text, iface) {
  const start = text.indexOf(`interface ${iface} `);
  assert.ok(start >= 0, `index.d.ts has no interface ${iface}`);
  const body = text.slice(start, text.indexOf('\n  }\n', start));
  const out = new Map();
  for (const m of body.matchAll(/\/\*\* (.*?) \*\/\n\s+(\w+)\??:\s*([^;]+);/g)) {
    out.set(m[2], { comment: m[1], type: m[3] });
  }
  return out;
}

function checkDts(iface, schema) {
  const entries = dtsComments(read('lib/index.d.ts'), iface);
  for (const [name, spec] of Object.entries(schema)) {
    const e = entries.get(name);
    assert.ok(e, `index.d.ts ${iface} lacks ${name}`);
    if (spec.kind === 'horizons') {
      assert.equal(e.type, [...Object.keys(spec.sets).map((v) => `'${v}'`), 'number[]'].join(' | '),
                   `${iface}.${name} type`);
      assert.ok(e.comment.includes(`default '${spec.default}'`), `${iface}.${name}: ${e.comment}`);
      assert.ok(e.comment.includes(spec.sets.default.join(', ')), `${iface}.${name}: ${e.comment}`);
      continue;
    }
    if (spec.kind === 'enum') {
      assert.equal(e.type, spec.values.map((v) => `'${v}'`).join(' | '), `${iface}.${name} type`);
      assert.ok(e.comment.includes(`default '${spec.default}'`), `${iface}.${name}: ${e.comment}`);
      continue;
    }
    const max = spec.max === Number.MAX_SAFE_INTEGER ? '2^53-1' : String(spec.max);
    const range = spec.kind === 'integerOrZero' ? `0 or ${spec.min}..${max}` : `${spec.min}..${max}`;
    const def = spec.default === undefined ? 'default by sensitivity' : `default ${spec.default}`;
    assert.ok(e.comment.includes(`(${range}, ${def}`),
              `index.d.ts ${iface}.${name} should say (${range}, ${def}...): ${e.comment}`);
  }
}

test('start() options: docs/api.md, index.d.ts and the schema say what the native table says', () => {
  const schema = options.MONITOR_SCHEMA;
  const rows = markdownTable(read('docs/api.md'), '## Options');
  assert.deepEqual([...rows.keys()], Object.keys(schema), 'docs/api.md rows, in schema order');
  for (const [name, spec] of Object.entries(schema)) {
    const [def, accepted] = rows.get(name);
    assert.equal(def, docsDefault(spec), `docs/api.md default of ${name}`);
    assert.equal(accepted, docsAccepted(spec), `docs/api.md range of ${name}`);
  }
  checkDts('MonitorOptions', schema);
  // The rows that reach native code are the table's, not copies.
  for (const row of [...TABLE.sampler, ...TABLE.detector]) {
    assert.equal(schema[row.name].min, row.min);
    assert.equal(schema[row.name].max, row.max);
    assert.equal(schema[row.name].default, row.default);
  }
  assert.deepEqual(schema.horizons.sets.default, TABLE.horizons.default);
  assert.equal(schema.horizons.maxCount, TABLE.horizons.maxCount);
  assert.equal(schema.horizons.max, TABLE.horizons.max);
  assert.deepEqual(schema.sensitivity.values, Object.keys(TABLE.sensitivities));
  assert.equal(schema.sensitivity.default, TABLE.defaultSensitivity);
});

test("sensitivities: docs/detector.md's table is the native presets", () => {
  const rows = markdownTable(read('docs/detector.md'), '### Sensitivity');
  const sensitivities = Object.entries(TABLE.sensitivities);
  assert.deepEqual([...rows.keys()], sensitivities.map(([name]) => `'${name}'`));
  for (const [name, s] of sensitivities) {
    assert.deepEqual(rows.get(`'${name}'`), [
      String(s.confidence), String(s.minSamples),
      `${Math.round(s.minRelativeGrowth * 100)}%`, `${s.minSpanMs / 1000} s`,
      s.evidenceShare > 0 ? `${+(s.evidenceShare * 100).toFixed(1)}%` : 'none',
      s.evidenceShare > 0 ? `${s.maxEvidenceMs / 60000} min` : 'none',
    ], `docs/detector.md row of '${name}'`);
  }
});

test('leak report options: one table for analyze(), findLeaks() and explain', () => {
  const schema = options.LEAK_SCHEMA;
  assert.deepEqual(Object.keys(schema), TABLE.leak.map((r) => r.name));
  const { FIND_LEAKS_SCHEMA } = require('../../lib/analysis/find-leaks');
  const explainDoc = read('docs/explain.md');
  const analyzeDoc = read('docs/analyze.md');
  for (const [name, spec] of Object.entries(schema)) {
    assert.equal(FIND_LEAKS_SCHEMA[name], spec, `findLeaks uses the table's ${name}`);
    assert.ok(explainDoc.includes(`${name} = ${spec.default}`), `docs/explain.md: findLeaks ${name} = ${spec.default}`);
    assert.ok(analyzeDoc.includes(`${name}: ${spec.default}`), `docs/analyze.md: ${name}: ${spec.default}`);
  }
  checkDts('FindLeaksOptions', schema);
});

test('snapshot options: docs/snapshots.md gives each default the schema has', () => {
  const rows = markdownTable(read('docs/snapshots.md'), '### Options');
  for (const [name, spec] of Object.entries(options.SNAPSHOT_SCHEMA)) {
    const row = rows.get(name);
    assert.ok(row, `docs/snapshots.md has no row for ${name}`);
    if (spec.default === undefined) continue;
    const want = typeof spec.default === 'string' ? `\`'${spec.default}'\`` : String(spec.default);
    assert.ok(row[0].startsWith(want), `docs/snapshots.md default of ${name}: ${row[0]} vs ${want}`);
  }
});

test('the binding asserts complete options instead of choosing defaults', () => {
  const complete = options.resolveHorizons('t', options.defaults(options.MONITOR_SCHEMA));
  assert.deepEqual(complete.horizons, TABLE.horizons.default);
  for (const row of [...TABLE.sampler, ...TABLE.detector]) {
    if (row.default === undefined) continue;
    const missing = { ...complete };
    delete missing[row.name];
    assert.throws(() => binding.configure(missing),
                  { name: 'TypeError', code: 'ERR_INTERNAL_ASSERTION',
                    message: `binding: ${row.name} missing` });
  }
  // An unknown sensitivity is an error, not 'medium'.
  assert.throws(() => binding.configure({ ...complete, sensitivity: 'paranoid' }),
                { name: 'TypeError', message: /sensitivity/ });
  // The native range is the table's: what lib/ refuses, the binding refuses.
  assert.throws(() => binding.configure({ ...complete, windowMs: 5000 }),
                { code: 'ERR_INTERNAL_ASSERTION', message: /windowMs out of the option table's range/ });
  assert.throws(() => options.validate('t', options.MONITOR_SCHEMA, { windowMs: 5000 }),
                { name: 'RangeError', message: /windowMs must be between 10000 and 604800000/ });
  assert.throws(() => binding.analyze(['a', 'b', 'c'], { top: 10 }),
                { name: 'TypeError', message: 'binding: minCount missing' });
  // horizons arrive as lengths: lib/ resolves the names and checks them.
  assert.throws(() => binding.configure({ ...complete, horizons: 'default' }),
                { code: 'ERR_INTERNAL_ASSERTION', message: /horizons must be an array/ });
  assert.throws(() => binding.configure({ ...complete, horizons: [1, 2, 3, 4, 5] }),
                { code: 'ERR_INTERNAL_ASSERTION', message: /horizons has too many entries/ });
  assert.equal(binding.isMonitoring(), false);
  assert.doesNotThrow(() => binding.configure(complete));
});
