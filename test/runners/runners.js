'use strict';
// How to run each example suite in its real runner, for the node:test
// suite (test/js/testing-runners.test.js) and the flakiness check
// (flake.js). Each entry gives the argv after `node` for the clean and the
// leaky suite and what the runner's workers look like.
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
const bin = (...parts) => path.join(ROOT, 'node_modules', ...parts);
const here = (...parts) => path.join(__dirname, ...parts);

const RUNNERS = {
  'node:test': {
    argv: (suite) => ['--test', '--test-reporter=spec', here('node-test', `${suite}.test.js`)],
    // node --test runs each file in a child process of its own, without IPC.
    context: 'main',
  },
  mocha: {
    argv: (suite) => [bin('mocha', 'bin', 'mocha.js'), '--no-colors',
                      here('mocha', `${suite}.test.js`)],
    context: 'main',
  },
  jest: {
    argv: (suite) => [bin('jest', 'bin', 'jest.js'), '--ci', '--colors=false',
                      '-c', here('jest', 'jest.config.js'), `${suite}\\.test\\.js$`],
    context: 'child-process',
  },
  'jest threads': {
    argv: (suite) => [bin('jest', 'bin', 'jest.js'), '--ci', '--colors=false',
                      '-c', here('jest', 'jest.threads.config.js'), `${suite}\\.test\\.js$`],
    context: 'worker-thread',
  },
  vitest: {
    argv: (suite) => [bin('vitest', 'vitest.mjs'), 'run', '--config',
                      here('vitest', 'vitest.config.mjs'), `${suite}.test.mjs`],
    context: 'child-process',
  },
  'vitest threads': {
    argv: (suite) => [bin('vitest', 'vitest.mjs'), 'run', '--pool=threads', '--config',
                      here('vitest', 'vitest.config.mjs'), `${suite}.test.mjs`],
    context: 'worker-thread',
  },
};

// No colour codes in what the runners print, so the output can be read.
// NODE_TEST_CONTEXT is unset so that `node --test` started from inside a
// node:test suite runs its files instead of deferring to the parent.
const ENV = { NO_COLOR: '1', FORCE_COLOR: '0', CI: '1', NODE_TEST_CONTEXT: undefined };

module.exports = { RUNNERS, ENV, ROOT };
