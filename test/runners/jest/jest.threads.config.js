'use strict';
// The same suites in Jest's worker-thread workers (workerThreads: true).
module.exports = { ...require('./jest.config.js'), workerThreads: true };
