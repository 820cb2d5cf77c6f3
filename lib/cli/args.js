'use strict';
// What every `leakguard` command shares: its exit codes and the error for
// bad usage.
//
//   0 done, 1 bad usage (USAGE_EXIT), 2 a snapshot file could not be read
//   (BAD_FILE_EXIT), 3 no snapshot or profile from the target process
//   (NO_SNAPSHOT_EXIT); the reason is one line on stderr.
const USAGE_EXIT = 1;
const BAD_FILE_EXIT = 2;
const NO_SNAPSHOT_EXIT = 3;

// Bad usage: lib/cli/main.js prints the message and the usage line, and
// exits with USAGE_EXIT. The code is util.parseArgs' own for a bad value.
class UsageError extends Error {
  constructor(message) {
    super(message);
    this.code = 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE';
  }
}

module.exports = { USAGE_EXIT, BAD_FILE_EXIT, NO_SNAPSHOT_EXIT, UsageError };
