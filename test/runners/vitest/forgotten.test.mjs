// A forgotten `await`: the test must fail, and say why (checked by
// test/js/testing-runners.test.js).
import { test, expect } from 'vitest';
import f from '../fixtures.js';

test('a forgotten await', () => {
  expect(f.parseRecords).not.toLeak();
});
