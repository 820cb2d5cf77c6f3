import { test, expect } from 'vitest';
import f from '../fixtures.js';

// Every test but the first must fail: the parent test checks the messages.
test('runs in a worker', () => {
  console.log(f.where());
});

test('a Session per call', async () => {
  await expect(f.openSession).not.toLeak();
});

test('a listener per call', async () => {
  await expect(f.subscribe).not.toLeak();
});

test('a Buffer per call', async () => {
  await expect(f.keepBuffer).not.toLeak();
});
