'use strict';
// A forgotten `await`: the test must fail, and say why (checked by
// test/js/testing-runners.test.js).
const f = require('../fixtures');

test('a forgotten await', () => {
  expect(f.parseRecords).not.toLeak();
});
