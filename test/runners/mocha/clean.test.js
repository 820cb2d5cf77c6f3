'use strict';
const { assertNoLeak } = require('../../../lib/testing');
const f = require('../fixtures');

describe('clean functions', function () {
  this.timeout(30000);
  it('runs in the runner\'s process', () => console.log(f.where()));
  it('allocation-heavy parse keeps nothing', () => assertNoLeak(f.parseRecords));
  it('buffer churn keeps nothing', () => assertNoLeak(f.hashBuffer));
  it('async promise chain keeps nothing', () => assertNoLeak(f.fetchUser));
  it('bounded cache that fills in warm-up', () => assertNoLeak(f.cachedLookup));
  it('a once-listener per call, removed when it fires', () => assertNoLeak(f.emitOnce));
  it('strings, closures and instances per call', () => assertNoLeak(f.renderTemplate));
});
