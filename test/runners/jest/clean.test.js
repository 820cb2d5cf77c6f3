'use strict';
const f = require('../fixtures');

test('runs in a worker', () => {
  console.log(f.where());
});

test('allocation-heavy parse keeps nothing', async () => {
  await expect(f.parseRecords).not.toLeak();
});

test('buffer churn keeps nothing', async () => {
  await expect(f.hashBuffer).not.toLeak();
});

test('async promise chain keeps nothing', async () => {
  await expect(f.fetchUser).not.toLeak();
});

test('bounded cache that fills in warm-up', async () => {
  await expect(f.cachedLookup).not.toLeak();
});

test('a once-listener per call, removed when it fires', async () => {
  await expect(f.emitOnce).not.toLeak();
});

test('strings, closures and instances per call', async () => {
  await expect(f.renderTemplate).not.toLeak();
});
