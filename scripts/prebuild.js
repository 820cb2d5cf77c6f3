#!/usr/bin/env node
'use strict';
// Builds the prebuilt binaries that go into the npm tarball: one
// leakguard.node per supported Node ABI, for linux-x64 and linux-arm64
// (glibc), named and laid out the way prebuildify does it and
// node-gyp-build loads them:
//   prebuilds/linux-x64/leakguard.abi137.glibc.node
// prebuildify runs node-gyp and names the file by the target's ABI
// (node-abi's table); the headers of each target come from the npm
// package node-linux-<arch>@<major> (scripts/nodes.js), passed to node-gyp as
// its nodedir, so nothing is downloaded. arm64 is cross-compiled with
// Debian's g++-aarch64-linux-gnu.
//
//   node scripts/prebuild.js                 every arch and Node major
//   node scripts/prebuild.js --arch x64 24   some of them
//   node scripts/prebuild.js --if-needed     skip binaries newer than src/
//
// npm pack runs it (prepack) with --if-needed. Not committed: prebuilds/ is
// in .gitignore and in package.json's files.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { promisify } = require('node:util');
const { nodeFor, SUPPORTED } = require('./nodes');
const { findNodeGyp, gypEnv } = require('./node-gyp');

const root = path.resolve(__dirname, '..');
const ARCHES = ['x64', 'arm64'];
// Cross toolchains by target arch, when it is not this machine's.
const CROSS = {
  arm64: { prefix: 'aarch64-linux-gnu-', debian: 'g++-aarch64-linux-gnu' },
};

function parseArgs(argv) {
  const out = { arches: [], majors: [], ifNeeded: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--arch') out.arches.push(argv[++i]);
    else if (a === '--if-needed') out.ifNeeded = true;
    else if (/^\d+$/.test(a)) out.majors.push(Number(a));
    else throw new TypeError(`prebuild: unknown argument ${a}`);
  }
  if (out.arches.length === 0) out.arches = ARCHES;
  if (out.majors.length === 0) out.majors = SUPPORTED;
  for (const arch of out.arches) {
    if (!ARCHES.includes(arch)) throw new RangeError(`prebuild: --arch is one of ${ARCHES.join(', ')}`);
  }
  return out;
}

// The newest modification time of what a binary is built from.
function sourcesTime() {
  let newest = fs.statSync(path.join(root, 'binding.gyp')).mtimeMs;
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else newest = Math.max(newest, fs.statSync(p).mtimeMs);
    }
  };
  walk(path.join(root, 'src'));
  return newest;
}

function abiOf(nodedir) {
  const header = fs.readFileSync(path.join(nodedir, 'include', 'node', 'node_version.h'), 'utf8');
  return Number(/#define NODE_MODULE_VERSION (\d+)/.exec(header)[1]);
}

async function main() {
  const { arches, majors, ifNeeded } = parseArgs(process.argv.slice(2));
  const prebuildify = promisify(require('prebuildify'));
  const nodeGyp = findNodeGyp();
  if (!nodeGyp) throw new Error('prebuild: cannot find node-gyp (it ships with npm)');
  const newest = ifNeeded ? sourcesTime() : Infinity;
  // node-gyp rebuild starts by removing build/: build in a scratch copy of
  // the sources, so that this checkout's own build/ stays as it is.
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-prebuild-'));
  for (const name of ['binding.gyp', 'package.json', 'src']) {
    fs.cpSync(path.join(root, name), path.join(scratch, name), { recursive: true });
  }
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(scratch, 'node_modules'));
  const savedEnv = { ...process.env };
  try {
    for (const arch of arches) {
      const cross = arch === process.arch ? null : CROSS[arch];
      if (arch !== process.arch && !cross) throw new Error(`prebuild: no cross toolchain for ${arch}`);
      for (const major of majors) {
        const { nodedir, version } = nodeFor(major, arch);
        const file = path.join(root, 'prebuilds', `linux-${arch}`,
                               `leakguard.abi${abiOf(nodedir)}.glibc.node`);
        if (fs.existsSync(file) && fs.statSync(file).mtimeMs > newest) {
          process.stderr.write(`prebuild: ${path.relative(root, file)} is up to date\n`);
          continue;
        }
        const started = Date.now();
        // prebuildify hands node-gyp this process's environment.
        const env = { npm_config_nodedir: nodedir, JOBS: String(os.availableParallelism()) };
        if (cross) {
          for (const [name, tool] of [['CC', 'gcc'], ['CXX', 'g++'], ['LINK', 'g++'], ['AR', 'ar']]) {
            env[name] = `${cross.prefix}${tool}`;
          }
        }
        process.env = gypEnv(env);
        await prebuildify({
          cwd: scratch,
          out: root,
          targets: [{ runtime: 'node', target: version }],
          arch,
          platform: 'linux',
          libc: 'glibc',
          tagLibc: true,
          strip: true,
          stripBin: cross ? `${cross.prefix}strip` : 'strip',
          nodeGyp: `"${process.execPath}" "${nodeGyp}"`,
          shell: true,
          quiet: !savedEnv.LEAKGUARD_PREBUILD_VERBOSE,
        }).catch((err) => {
          const hint = cross ? ` (the cross compiler comes from Debian's ${cross.debian})` : '';
          throw new Error(`prebuild: linux-${arch} Node ${version} failed: ${err.message}${hint}`);
        }).finally(() => { process.env = savedEnv; });
        if (!fs.existsSync(file)) throw new Error(`prebuild: ${file} was not written`);
        process.stderr.write(`prebuild: ${path.relative(root, file)} (Node ${version}, ` +
          `${(fs.statSync(file).size / 1024).toFixed(0)} KiB, ${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
      }
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
});
