'use strict';
// Every test here must fail: the parent test checks the messages.
const { assertNoLeak } = require('../../../lib/testing');
const f = require('../fixtures');

describe('leaky functions', function () {
  this.timeout(30000);
  it('runs in the runner\'s process', () => console.log(f.where()));
  it('a Session per call', () => assertNoLeak(f.openSession));
  it('a listener per call', () => assertNoLeak(f.subscribe));
  it('a Buffer per call', () => assertNoLeak(f.keepBuffer));
});
