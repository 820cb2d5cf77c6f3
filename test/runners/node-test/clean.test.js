'use strict';
const { test } = require('node:test');
const { assertNoLeak } = require('../../../lib/testing');
const f = require('../fixtures');

test('runs in the runner\'s process', () => {
  console.log(f.where());
});

test('allocation-heavy parse keeps nothing', async () => {
  await assertNoLeak(f.parseRecords);
});

test('buffer churn keeps nothing', async () => {
  await assertNoLeak(f.hashBuffer);
});

test('async promise chain keeps nothing', async () => {
  await assertNoLeak(f.fetchUser);
});

test('bounded cache that fills in warm-up', async () => {
  await assertNoLeak(f.cachedLookup);
});

test('a once-listener per call, removed when it fires', async () => {
  await assertNoLeak(f.emitOnce);
});

test('strings, closures and instances per call', async () => {
  await assertNoLeak(f.renderTemplate);
});
