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

module.exports = { runNode, jsonLines, firstMessage, ROOT };
