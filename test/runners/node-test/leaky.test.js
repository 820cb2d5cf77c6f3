'use strict';
// Every test here must fail: the parent test checks the messages.
const { test } = require('node:test');
const { assertNoLeak } = require('../../../lib/testing');
const f = require('../fixtures');

test('runs in the runner\'s process', () => {
  console.log(f.where());
});

test('a Session per call', async () => {
  await assertNoLeak(f.openSession);
});

test('a listener per call', async () => {
  await assertNoLeak(f.subscribe);
});

test('a Buffer per call', async () => {
  await assertNoLeak(f.keepBuffer);
});
