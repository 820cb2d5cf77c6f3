'use strict';
// Runs real child processes for tests and collects what they print.
const { spawn } = require('node:child_process');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..', '..');

// Runs `node [nodeArgs] -e code` (or a file) and resolves with
// { code, signal, stdout, stderr, ms }. Kills the child after timeoutMs.
// It runs in the checkout unless `cwd` says where.
function runNode({ code, file, args = [], nodeArgs = [], env, timeoutMs = 60000,
                   onSpawn, cwd = ROOT } = {}) {
  return new Promise((resolve, reject) => {
    const argv = [...nodeArgs];
    if (code !== undefined) argv.push('-e', code);
    else argv.push(file);
    argv.push(...args);
    const started = Date.now();
    const child = spawn(process.execPath, argv, {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (exitCode, signal) => {
      clearTimeout(timer);
      resolve({ code: exitCode, signal, stdout, stderr, ms: Date.now() - started });
    });
    if (onSpawn) onSpawn(child);
  });
}

// Parses every line of `text` that is a JSON object.
function jsonLines(text) {
  const out = [];
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t.startsWith('{')) continue;
    try {
      out.push(JSON.parse(t));
    } catch {
      // not ours
    }
  }
  return out;
}

// The first message a worker posts; rejects if the worker fails first.
function firstMessage(worker) {
  return new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

// A service under the preload (lib/register.js) running `file`, with the
// test's environment less its LEAKGUARD_* variables plus `leakguardEnv`.
// Returns { child, output: { stdout, stderr }, logs(kind) (the JSON log
// records of that kind), until(what, check, ms) (resolves with check()'s
// first truthy value; rejects, with the output, on timeout or exit) }.
function startPreloaded(file, leakguardEnv) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([n]) => !n.startsWith('LEAKGUARD_')));
  const child = spawn(process.execPath, ['-r', path.join(ROOT, 'lib', 'register.js'), file],
    { env: { ...env, ...leakguardEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = { stdout: '', stderr: '' };
  child.stdout.on('data', (d) => { output.stdout += d; });
  child.stderr.on('data', (d) => { output.stderr += d; });
  const logs = (kind) => output.stderr.split('\n').filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l)).filter((l) => l.leakguard === kind);
  const until = async (what, check, ms = 120000) => {
    const end = Date.now() + ms;
    for (;;) {
      const v = check();
      if (v) return v;
      if (Date.now() > end || child.exitCode !== null) {
        throw new Error(`waiting for ${what}: exit ${child.exitCode}\n${output.stdout}\n${output.stderr.slice(-4000)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  return { child, output, logs, until };
}

module.exports = {
  startPreloaded, runNode, jsonLines, firstMessage, ROOT };
