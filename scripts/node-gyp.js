'use strict';
// What every build of the addon shares: node-gyp (the one that ships with
// npm) and the headers of a given node, found beside it and never
// downloaded.
//
// node-gyp's default is to fetch headers from nodejs.org into a cache; on a
// machine without internet that hangs or fails. Every Node installation that
// can build addons ships its headers at <prefix>/include/node, where prefix
// is two levels above the node binary, so builds pass that as --nodedir
// explicitly and do not depend on a user's npmrc.
const fs = require('node:fs');
const path = require('node:path');

const REQUIRED_HEADERS = ['node.h', 'node_api.h', 'v8.h', 'uv.h', 'common.gypi'];

// The prefix of the node at `execPath` (default: this one) and the headers
// it lacks, if any.
function nodedirOf(execPath = process.execPath) {
  const nodedir = path.resolve(execPath, '..', '..');
  const includeDir = path.join(nodedir, 'include', 'node');
  const missing = REQUIRED_HEADERS.filter((f) => !fs.existsSync(path.join(includeDir, f)));
  return { nodedir, includeDir, missing };
}

// npm sets npm_config_node_gyp to its bundled node-gyp when it runs scripts;
// outside npm, look beside the npm that came with this node.
function findNodeGyp() {
  const nodedir = path.resolve(process.execPath, '..', '..');
  const candidates = [
    process.env.npm_config_node_gyp,
    path.join(nodedir, 'lib', 'node_modules', 'npm', 'node_modules',
              'node-gyp', 'bin', 'node-gyp.js'),
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

// The environment for node-gyp: nothing from npmrc may point it at another
// nodedir or a download address.
function gypEnv(extra = {}) {
  const env = { ...process.env, ...extra };
  delete env.npm_config_dist_url;
  delete env.npm_config_disturl;
  if (!('npm_config_nodedir' in extra)) delete env.npm_config_nodedir;
  return env;
}

module.exports = { nodedirOf, findNodeGyp, gypEnv };
