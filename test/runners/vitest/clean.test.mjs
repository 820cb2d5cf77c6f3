import { test, expect } from 'vitest';
import f from '../fixtures.js';

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
