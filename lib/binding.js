'use strict';
// Loads the native addon. Every call into C++ goes through the object
// exported here; lib/ files never load the addon themselves.
//
// node-gyp-build picks the binary: build/Release (or build/Debug) when this
// checkout built one, otherwise the prebuild for this platform, arch, libc
// and Node ABI, prebuilds/<platform>-<arch>/leakguard.abi<N>.glibc.node, as
// prebuildify names them (scripts/prebuild.js).
const path = require('node:path');
const os = require('node:os');
const nodeGypBuild = require('node-gyp-build');
const { makeError } = require('./errors');

const root = path.join(__dirname, '..');

function load() {
  try {
    return nodeGypBuild(root);
  } catch (cause) {
    const tag = `${process.platform}-${os.arch()}`;
    const wanted = `prebuilds/${tag}/leakguard.abi${process.versions.modules}.glibc.node`;
    throw makeError('ERR_LEAKGUARD_NOT_BUILT',
      `leakguard: no native addon for node ${process.version} (ABI ` +
        `${process.versions.modules}, ${tag}): looked for build/Release/leakguard.node ` +
        `and ${wanted} in ${root}. Build it with \`npm rebuild leakguard\` (it needs a ` +
        'C++ compiler and make; if npm blocks install scripts, allow leakguard\'s first: ' +
        'see the README, "Installing").',
      { cause });
  }
}

module.exports = load();
