'use strict';
// A memory limit makes Jest use its child-process workers even for two
// files, so the suites run where users' suites run.
module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/*.test.js'],
  setupFilesAfterEnv: ['<rootDir>/../../../lib/testing/jest.js'],
  maxWorkers: 2,
  workerIdleMemoryLimit: '1GB',
  testTimeout: 30000,
  cache: false,
};
