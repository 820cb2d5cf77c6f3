'use strict';
// Files leakguard writes from JavaScript (profiles, reports), by the rules
// of its snapshot files (src/core/capture/): created private, complete or
// not at all.
const fs = require('node:fs');
const path = require('node:path');

// Writes `data` to `file` as leakguard writes snapshots: a private .tmp,
// flushed, then renamed; nothing partial is left on failure.
function publish(file, data) {
  const tmp = `${file}.tmp`;
  let fd = -1;
  try {
    fd = fs.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL |
                     fs.constants.O_NOFOLLOW, 0o600);
    fs.writeSync(fd, data);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = -1;
    fs.renameSync(tmp, file);
  } catch (err) {
    if (fd !== -1) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

// publish(), off the event loop's thread (a report can be large and the
// disk slow): resolves when the file is in place.
async function publishAsync(file, data) {
  const tmp = `${file}.tmp`;
  let handle = null;
  try {
    handle = await fs.promises.open(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT |
                                    fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o600);
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = null;
    await fs.promises.rename(tmp, file);
  } catch (err) {
    if (handle !== null) await handle.close().catch(() => {});
    await fs.promises.rm(tmp, { force: true });
    throw err;
  }
}

// Creates `dir` and any missing parent, each 0700, one level at a time
// as the snapshot directory is (src/core/capture/snapshot_file.cc).
// fs.mkdir's own `recursive` never returns for some paths (Node 20:
// /proc/x loops on ENOENT, its parent existing), and a monitoring library
// must not spin on a bad setting.
async function ensureDir(dir) {
  const parts = [];
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    parts.unshift(d);
    if (path.dirname(d) === d) break;
  }
  for (const part of parts) {
    try {
      await fs.promises.mkdir(part, { mode: 0o700 });
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
  }
  if (!(await fs.promises.stat(dir)).isDirectory()) {
    throw Object.assign(new Error(`ENOTDIR: not a directory, '${dir}'`),
      { code: 'ENOTDIR', syscall: 'mkdir', path: dir });
  }
}

module.exports = { publish, publishAsync, ensureDir };
