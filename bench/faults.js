#!/usr/bin/env node
'use strict';
// Snapshot files under real faults, one child process per case:
//
//   ENOSPC   a 8 MiB tmpfs mounted for the run (root only), a 40 MB heap
//            written to it: by writeSnapshot() and by the signal trigger
//   EACCES   a directory the process cannot write (as user nobody when
//            run as root)
//   SIGKILL  the process killed in the middle of a capture; the next
//            enableSnapshots() on the directory
//
// For each: what the call or the 'error' event said, how many warnings
// the process printed without an 'error' listener, the files left in the
// directory, and whether the process lived on. A signal storm is in
// bench/churn.js.
//
//   sudo node bench/faults.js
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const isRoot = process.getuid && process.getuid() === 0;

function child(code, opts = {}) {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, ['-e', code], { cwd: ROOT, ...opts });
    let out = '';
    let err = '';
    c.stdout.on('data', (d) => { out += d; });
    c.stderr.on('data', (d) => { err += d; });
    c.on('exit', (status, signal) => resolve({ status, signal, out, err, proc: c }));
    if (opts.onSpawn) opts.onSpawn(c);
  });
}

const lines = (text) => text.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
const left = (dir) => fs.readdirSync(dir).sort();
const rows = [];

// The child: a heap of ~40 MB, one writeSnapshot(), then the signal
// trigger twice without an 'error' listener, then 'alive'.
const writer = (dir) => `
  const leakguard = require('./');
  const held = Array.from({ length: 500000 }, (_, i) => ({ i, s: 'payload-' + i }));
  const out = (o) => console.log(JSON.stringify(o));
  let warnings = 0;
  process.on('warning', (w) => { if (w.name === 'LeakguardWarning') warnings++; });
  (async () => {
    try {
      await leakguard.writeSnapshot({ dir: ${JSON.stringify(dir)}, minFreeDiskBytes: 0 });
      out({ call: 'written' });
    } catch (e) {
      out({ call: e.code, syscall: e.syscall });
    }
    try {
      leakguard.enableSnapshots({ dir: ${JSON.stringify(dir)}, signal: 'SIGUSR2', cooldownMs: 0,
                                  minFreeDiskBytes: 0 });
      for (let i = 0; i < 2; i++) {
        process.kill(process.pid, 'SIGUSR2');
        await new Promise((r) => setTimeout(r, 3000));
      }
    } catch (e) {
      out({ enable: e.code });
    }
    out({ alive: true, warnings, held: held.length });
  })();
`;

async function writeCase(name, dir, opts) {
  const r = await child(writer(dir), opts);
  const ls = lines(r.out);
  const call = ls.find((l) => l.call);
  const end = ls.find((l) => l.alive);
  rows.push({
    name,
    call: call ? `${call.call}${call.syscall ? ` (${call.syscall})` : ''}` : '-',
    warnings: end ? end.warnings : '-',
    files: left(dir).join(', ') || 'none',
    alive: Boolean(end) && r.status === 0,
  });
}

async function main() {
  // ENOSPC on a real, small tmpfs.
  if (isRoot) {
    const mnt = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-enospc-'));
    const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=8m,mode=0700', 'tmpfs', mnt]);
    if (m.status === 0) {
      try {
        await writeCase('ENOSPC (8 MiB tmpfs, 40 MB heap)', mnt, {});
      } finally {
        spawnSync('umount', [mnt]);
        fs.rmSync(mnt, { recursive: true, force: true });
      }
    } else {
      rows.push({ name: 'ENOSPC', call: `not run: mount failed (${m.stderr})` });
    }
  } else {
    rows.push({ name: 'ENOSPC', call: 'not run: mounting a tmpfs needs root' });
  }

  // EACCES: a directory this process cannot write.
  const ro = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-eacces-'));
  fs.chmodSync(ro, 0o555);
  await writeCase('EACCES (directory 0555)', ro, isRoot ? { uid: 65534, gid: 65534 } : {});
  fs.rmSync(ro, { recursive: true, force: true });

  // SIGKILL in the middle of a capture, then the next start.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-kill-'));
  fs.chmodSync(dir, 0o700);
  let sawTmp = false;
  const killed = await child(`
    const leakguard = require('./');
    const held = Array.from({ length: 500000 }, (_, i) => ({ i, s: 'x' + i }));
    (async () => { for (;;) await leakguard.writeSnapshot({ dir: ${JSON.stringify(dir)} }); })();
    setInterval(() => held.length, 1000);
  `, {
    onSpawn: (c) => {
      const poll = setInterval(() => {
        if (left(dir).some((f) => f.endsWith('.tmp'))) {
          sawTmp = true;
          clearInterval(poll);
          c.kill('SIGKILL');
        }
      }, 5);
    },
  });
  const afterKill = left(dir).filter((f) => f.endsWith('.tmp')).length;
  // Age the .tmp past the staleness limit rather than wait for it.
  const old = new Date(Date.now() - 10 * 60 * 1000);
  for (const f of left(dir)) fs.utimesSync(path.join(dir, f), old, old);
  const next = await child(`
    const leakguard = require('./');
    leakguard.enableSnapshots({ dir: ${JSON.stringify(dir)}, signal: false });
    console.log(JSON.stringify({ alive: true }));
  `);
  rows.push({
    name: `SIGKILL mid-capture (killed: ${killed.signal}, saw .tmp: ${sawTmp})`,
    call: `${afterKill} .tmp left by the killed process; the next enableSnapshots() removed them`,
    warnings: '-',
    files: left(dir).filter((f) => f.endsWith('.tmp')).join(', ') || 'no .tmp',
    alive: next.status === 0,
  });
  fs.rmSync(dir, { recursive: true, force: true });

  console.log(`node ${process.version}, ${isRoot ? 'root' : 'not root'}`);
  console.log('| fault | the call said | warnings (no error listener) | left in the directory | process alive |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const r of rows) {
    console.log(`| ${r.name} | ${r.call} | ${r.warnings ?? '-'} | ${r.files ?? '-'} | ${r.alive ?? '-'} |`);
  }
}

main();
