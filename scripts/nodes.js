#!/usr/bin/env node
'use strict';
// Other Node versions, each with its headers, from the npm packages
// node-linux-<arch>@<major> (bin/node, include/node), installed once into
// .nodes/<arch>-<major>/ of this checkout. The CI matrix and the prebuilds
// use them; nothing is downloaded from anywhere but the npm registry.
//
//   node scripts/nodes.js 24            prints the path of Node 24's binary
//   node scripts/nodes.js 26 --arch arm64
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const root = path.resolve(__dirname, '..');
// The Node majors leakguard supports: package.json's engines, read once.
const SUPPORTED = require('../package.json').engines.node
  .split('||').map((range) => Number(range.trim().replace(/^\^/, '').split('.')[0]));

// { bin, nodedir, version } of node-linux-<arch>@<major>, installing it
// into .nodes/ when it is not there yet.
function nodeFor(major, arch = 'x64') {
  if (!SUPPORTED.includes(Number(major))) {
    throw new RangeError(`Node ${major} is not supported (engines: ${SUPPORTED.join(', ')})`);
  }
  const prefix = path.join(root, '.nodes', `${arch}-${major}`);
  const pkgDir = path.join(prefix, 'node_modules', `node-linux-${arch}`);
  const manifest = path.join(pkgDir, 'package.json');
  if (!fs.existsSync(manifest)) {
    execFileSync('npm', ['install', '--prefix', prefix, '--no-save', '--no-package-lock',
                         '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error',
                         ...(arch === process.arch ? [] : ['--force']),
                         `node-linux-${arch}@${major}`], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  return {
    bin: path.join(pkgDir, 'bin', 'node'),
    nodedir: pkgDir,
    version: JSON.parse(fs.readFileSync(manifest, 'utf8')).version,
  };
}

module.exports = { nodeFor, SUPPORTED };

if (require.main === module) {
  const args = process.argv.slice(2);
  const archAt = args.indexOf('--arch');
  const arch = archAt >= 0 ? args.splice(archAt, 2)[1] : 'x64';
  for (const major of args) process.stdout.write(`${nodeFor(major, arch).bin}\n`);
}
