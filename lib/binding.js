'use strict';
// Loads the native addon built by scripts/build.js. Every call into C++ goes
// through the object exported here; lib/ files never load the addon
// themselves.
const path = require('node:path');

const candidates = [
  path.join(__dirname, '..', 'build', 'Release', 'leakguard.node'),
  path.join(__dirname, '..', 'build', 'Debug', 'leakguard.node'),
];

function load() {
  let firstError = null;
  for (const file of candidates) {
    try {
      return require(file);
    } catch (err) {
      if (err.code !== 'MODULE_NOT_FOUND') throw err;
      firstError = firstError || err;
    }
  }
  const err = new Error(
    'leakguard: the native addon is not built for node ' +
      `${process.version} (looked in build/Release and build/Debug). ` +
      'Run `npm rebuild leakguard` (it needs the headers of this node; ' +
      'see the README).'
  );
  err.code = 'ERR_LEAKGUARD_NOT_BUILT';
  err.cause = firstError;
  throw err;
}

module.exports = load();
