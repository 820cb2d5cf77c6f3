#!/usr/bin/env node
'use strict';
// The package's install step. A no-op when a prebuilt binary for this
// platform, arch and Node ABI is in prebuilds/ (the npm tarball has one per
// supported Node for linux-x64 and linux-arm64) and loads; otherwise (a git
// clone, another platform, a libc the prebuild does not load on) it builds
// from source with scripts/build.js. `npm rebuild leakguard
// --build-from-source` forces the build.
//
// npm may not run this at all (--ignore-scripts, or npm 12's allowScripts):
// with a prebuild that is fine, and without one require('leakguard') says
// what to run.
const path = require('node:path');

const root = path.resolve(__dirname, '..');

function prebuildLoads() {
  if (process.env.npm_config_build_from_source === 'true') return false;
  let file;
  try {
    file = require('node-gyp-build').path(root);
  } catch {
    return false;
  }
  if (!file.startsWith(path.join(root, 'prebuilds') + path.sep)) return false;
  try {
    require(file);
    return true;
  } catch (err) {
    process.stderr.write(`leakguard: the prebuilt ${path.relative(root, file)} does not load ` +
      `here (${err.message.split('\n')[0]}); building from source\n`);
    return false;
  }
}

if (!prebuildLoads()) require('./build.js');
