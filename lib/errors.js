'use strict';
// Every error code leakguard's JavaScript throws or reports, once, with its
// class and meaning. The addon's codes are its own table
// (src/addon/napi/errors.h, exported as binding.errorCodes()). docs/errors.md
// lists both; test/js/errors.test.js fails when a code is missing there, or
// when lib/ or src/addon spell an ERR_ code that neither table has.
//
// This file requires nothing of ours: lib/binding.js uses it before the
// addon is loaded.

const CODES = {
  ERR_INVALID_ARG_TYPE: {
    Class: TypeError,
    doc: 'an option or argument of the wrong type, or an unknown option name',
  },
  ERR_OUT_OF_RANGE: {
    Class: RangeError,
    doc: 'a number outside what the option accepts',
  },
  ERR_INVALID_ARG_VALUE: {
    Class: TypeError,
    doc: 'a value of the right type the call cannot accept (a snapshot name template)',
  },
  ERR_LEAKGUARD_NOT_BUILT: {
    Class: Error,
    doc: 'no native addon loads for this Node (no prebuild for its ABI and no build)',
  },
  ERR_LEAKGUARD_HEAPDIFF_ENDED: {
    Class: Error,
    doc: 'end() or endAsync() on a HeapDiff that already ended',
  },
  ERR_LEAKGUARD_SINK: {
    Class: Error,
    doc: "the enableSnapshots() sink rejected or threw; the file stays in dir",
  },
  ERR_LEAKGUARD_PROFILER_STOPPED: {
    Class: Error,
    doc: 'allocationProfile(): the sampling heap profiler was stopped from outside leakguard while it sampled',
  },
  ERR_LEAKGUARD_PROFILE_REQUEST: {
    Class: Error,
    doc: '`leakguard profile <pid>`: the target could not serve the request (malformed, or a profile already running)',
  },
  ERR_LEAKGUARD_TIMEOUT: {
    Class: Error,
    doc: 'a heap-flat assertion ran longer than its timeoutMs',
  },
  ERR_LEAKGUARD_PEER_MISSING: {
    Class: Error,
    doc: 'leakguard/prometheus or leakguard/otel without its peer dependency (prom-client, @opentelemetry/api) installed',
  },
  ERR_ASSERTION: {
    Class: Error,
    doc: "a heap-flat assertion failed (LeakError, node:assert's AssertionError)",
  },
  ERR_LEAKGUARD: {
    Class: Error,
    doc: 'the warning code of a reported error that carried no code of its own',
  },
  ERR_PARSE_ARGS_INVALID_OPTION_VALUE: {
    Class: TypeError,
    doc: 'the CLI was given an option value it cannot use (exit status 2)',
  },
};

// An error of the code's class with `code` and any extra fields set.
function makeError(code, message, fields) {
  const spec = CODES[code];
  if (spec === undefined) throw new Error(`internal: unknown error code ${code}`);
  const err = new spec.Class(message);
  err.code = code;
  if (fields) Object.assign(err, fields);
  return err;
}

module.exports = { CODES, makeError };
