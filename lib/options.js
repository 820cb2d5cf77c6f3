'use strict';
// Option validation and defaults for every public call, in one place.
// Each option is described once: its type, accepted range or values, and
// default; an option native code also sees is described in the native
// table (below) and nowhere else. Errors are thrown synchronously at the
// call that was wrong, as a TypeError (wrong type, unknown name) or a
// RangeError (out of range), and name the call, the option and what is
// accepted.

const binding = require('./binding');
const { makeError } = require('./errors');
const { SNAPSHOT_SIGNALS } = require('./snapshot/signals');

const MS_DAY = 24 * 60 * 60 * 1000;

// The native option tables (src/core/monitor/monitor_options.h and
// src/core/analysis/leak_candidates.h, exported by
// src/addon/options/options_table.cc): each option's range, default and meaning
// that native code also sees is written there once, and these schemas are
// built from it. JavaScript validates and fills the defaults; the binding
// asserts what arrives.
const TABLE = binding.optionTable();

const SENSITIVITIES = Object.keys(TABLE.sensitivities);

function fromTable(rows) {
  const schema = {};
  for (const { name, ...spec } of rows) {
    if (spec.default === undefined && TABLE.sensitivities[SENSITIVITIES[0]][name] !== undefined) {
      const by = SENSITIVITIES.map((s) => TABLE.sensitivities[s][name]).join(', ');
      spec.doc += ` (default by sensitivity: ${by})`;
    }
    schema[name] = spec;
  }
  return schema;
}

// V8's sampling heap profiler, for explain: 'allocations' and
// allocationProfile() (lib/sampling/allocations.js).
const SAMPLER_ROWS = {
  allocationIntervalBytes: {
    kind: 'integer', min: 1024, max: 2 ** 30, default: 512 * 1024,
    doc: 'mean bytes allocated between two allocation samples',
  },
  allocationStackDepth: {
    kind: 'integer', min: 1, max: 1024, default: 64,
    doc: 'frames kept per allocation sample',
  },
};

// allocationProfile().
const PROFILE_SCHEMA = {
  durationMs: {
    kind: 'integer', min: 0, max: MS_DAY, default: 10000,
    doc: 'how long to sample before reading the profile, in ms',
  },
  intervalBytes: { ...SAMPLER_ROWS.allocationIntervalBytes },
  stackDepth: { ...SAMPLER_ROWS.allocationStackDepth },
};

// kind: 'integer' | 'integerOrZero' | 'number' | 'boolean' | 'string' | 'path' |
// 'enum' | 'function' | 'object'
const MONITOR_SCHEMA = {
  ...fromTable(TABLE.sampler),
  sensitivity: {
    kind: 'enum', values: SENSITIVITIES, default: TABLE.defaultSensitivity,
    doc: "how much evidence a 'leak' event needs",
  },
  ...fromTable(TABLE.detector),
  horizons: {
    kind: 'horizons', maxCount: TABLE.horizons.maxCount, max: TABLE.horizons.max,
    sets: { default: TABLE.horizons.default, none: [] }, default: 'default',
    doc: 'the long horizons judged alongside windowMs, in ms, ascending: ' +
      `'default' (${TABLE.horizons.default.join(', ')}), 'none' (the same as []) or an array`,
  },
  // Options of lib/analysis/explain.js, which native code never sees.
  explain: {
    kind: 'enum', values: ['allocations', 'constructors', 'snapshots', 'none'], default: 'allocations',
    doc: "what 'leak' events say about the leak: the allocation sites that grew (sampled, no pause), " +
      'growing constructors or a three-snapshot report (heap snapshots, which pause), or nothing',
  },
  explainMaxPauseMs: {
    kind: 'integer', min: 0, max: 600000, default: 5000,
    doc: 'skip explain snapshots estimated to pause the process longer, in ms',
  },
  ...SAMPLER_ROWS,
};

// The leak report's options: analyze(), findLeaks(), explain: 'snapshots'.
const LEAK_SCHEMA = fromTable(TABLE.leak);

// The leak report's options for the binding, with the directory it shows
// scripts relative to: this process's cwd ('' when it has none, such as a
// deleted directory), and leakguard's own lib/ (retainer paths avoid its
// functions; a copy under node_modules/leakguard/lib/ is known anyway).
function withScriptRoot(o) {
  let root = '';
  try {
    root = process.cwd();
  } catch {
    // No cwd: scripts keep their full names.
  }
  return { ...o, scriptRoot: root, ownScripts: __dirname };
}

// diff() and summary(): how many classes (0: every class).
const REPORT_SCHEMA = {
  top: { kind: 'integer', min: 0, max: LEAK_SCHEMA.top.max, default: 0,
         doc: 'classes reported, largest first; 0 for all' },
};


// Where and how snapshot files are written: writeSnapshot() and
// enableSnapshots() share these.
const SNAPSHOT_FILE_SCHEMA = {
  dir: {
    kind: 'path',
    doc: 'directory for snapshot files, created with mode 0700 if missing',
  },
  nameTemplate: {
    kind: 'path',
    doc: 'file name with {pid}, {tid}, {time}, {reason}; never leaves dir',
  },
  maxFiles: {
    kind: 'integer', min: 0, max: 1000000, default: 0,
    doc: 'snapshot files of ours kept in dir, oldest removed first; 0 keeps all',
  },
  minFreeDiskBytes: {
    kind: 'integer', min: 0, max: Number.MAX_SAFE_INTEGER, default: 0,
    doc: 'refuse a snapshot when the disk has less free space',
  },
  ignoreHeadroom: {
    kind: 'boolean', default: false,
    doc: 'take the snapshot even when the memory budget says no',
  },
};

const WRITE_SNAPSHOT_SCHEMA = {
  ...SNAPSHOT_FILE_SCHEMA,
  reason: {
    kind: 'string', default: 'api',
    doc: 'a word for the file name and info.reason',
  },
};

const SNAPSHOT_SCHEMA = {
  ...SNAPSHOT_FILE_SCHEMA,
  signal: {
    kind: 'enum', values: [...SNAPSHOT_SIGNALS, false], default: 'SIGUSR2',
    doc: 'signal that asks for a snapshot, or false',
  },
  heapUsedPercent: {
    kind: 'number', min: 1, max: 100,
    doc: 'snapshot when heap used crosses this percentage of the heap limit',
  },
  heapUsedBytes: {
    kind: 'integer', min: 1, max: Number.MAX_SAFE_INTEGER,
    doc: 'snapshot when heap used crosses this many bytes',
  },
  rssBytes: {
    kind: 'integer', min: 1, max: Number.MAX_SAFE_INTEGER,
    doc: 'snapshot when the resident set crosses this many bytes',
  },
  nearHeapLimit: {
    kind: 'boolean', default: false,
    doc: 'one snapshot when the heap is about to run out',
  },
  onLeak: {
    kind: 'boolean', default: false,
    doc: "snapshot on each 'leak' verdict",
  },
  cooldownMs: {
    kind: 'integer', min: 0, max: MS_DAY, default: 60000,
    doc: 'at most one automatic snapshot per this many ms',
  },
  sink: {
    kind: 'function',
    doc: 'async ({ path, stream, info }) => {} to ship each file',
  },
  keepAfterSink: {
    kind: 'boolean', default: true,
    doc: 'keep the file after the sink resolved',
  },
};

function describe(value) {
  if (value === null) return 'null';
  if (typeof value === 'string') return `"${value}"`;
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return String(value);
}

function typeError(message) {
  return makeError('ERR_INVALID_ARG_TYPE', message);
}

function rangeError(message) {
  return makeError('ERR_OUT_OF_RANGE', message);
}

function checkOne(call, name, spec, value) {
  const where = `${call}: options.${name}`;
  switch (spec.kind) {
    case 'integer':
    case 'integerOrZero':
    case 'number': {
      if (typeof value !== 'number' || Number.isNaN(value)) {
        throw typeError(`${where} must be a number (${spec.doc}), got ${describe(value)}`);
      }
      if (spec.kind !== 'number' && !Number.isInteger(value)) {
        throw rangeError(`${where} must be an integer, got ${value}`);
      }
      if (spec.kind === 'integerOrZero' && value === 0) return value;
      if (spec.kind === 'integerOrZero' && (value < spec.min || value > spec.max)) {
        // The row's doc ends with "; 0: <what 0 means>".
        const zero = spec.doc.slice(spec.doc.lastIndexOf('; 0: ') + 5);
        throw rangeError(
          `${where} must be 0 (${zero}) or between ${spec.min} and ${spec.max}, got ${value}`);
      }
      if (value < spec.min || value > spec.max) {
        throw rangeError(
          `${where} must be between ${spec.min} and ${spec.max} (${spec.doc}), got ${value}`);
      }
      return value;
    }
    case 'boolean':
      if (typeof value !== 'boolean') {
        throw typeError(`${where} must be true or false, got ${describe(value)}`);
      }
      return value;
    case 'string':
    case 'path':
      if (typeof value !== 'string' || value.length === 0) {
        throw typeError(`${where} must be a non-empty string (${spec.doc}), got ${describe(value)}`);
      }
      // As fs does: the native side would cut the path at the NUL.
      if (value.includes('\0')) {
        throw makeError('ERR_INVALID_ARG_VALUE',
          `${where} must be a path without null bytes, got ${JSON.stringify(value)}`);
      }
      return value;
    case 'enum':
      if (!spec.values.includes(value)) {
        const accepted = spec.values.map((v) => `'${v}'`).join(', ');
        const err = typeof value === 'string'
          ? rangeError(`${where} must be one of ${accepted}, got ${describe(value)}`)
          : typeError(`${where} must be one of ${accepted}, got ${describe(value)}`);
        throw err;
      }
      return value;
    case 'horizons': {
      if (typeof value === 'string') {
        if (Object.hasOwn(spec.sets, value)) return value;
        const names = Object.keys(spec.sets).map((v) => `'${v}'`).join(', ');
        throw rangeError(`${where} must be ${names} or an array of lengths in ms, got ${describe(value)}`);
      }
      if (!Array.isArray(value)) {
        throw typeError(`${where} must be a set's name or an array of lengths in ms (${spec.doc}), ` +
          `got ${describe(value)}`);
      }
      if (value.length > spec.maxCount) {
        throw rangeError(`${where} must have at most ${spec.maxCount} entries, got ${value.length}`);
      }
      value.forEach((h, i) => {
        if (typeof h !== 'number' || !Number.isInteger(h)) {
          throw typeError(`${where}[${i}] must be an integer number of ms, got ${describe(h)}`);
        }
        if (h > spec.max || (i > 0 && h <= value[i - 1])) {
          throw rangeError(`${where} must be ascending lengths in ms, each at most ${spec.max}, ` +
            `got ${JSON.stringify(value)}`);
        }
      });
      return [...value];
    }
    case 'object':
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw typeError(`${where} must be an object (${spec.doc}), got ${describe(value)}`);
      }
      return value;
    case 'function':
      if (typeof value !== 'function') {
        throw typeError(`${where} must be a function (${spec.doc}), got ${describe(value)}`);
      }
      return value;
    default:
      throw new Error(`internal: unknown option kind ${spec.kind}`);
  }
}

// Returns the defaults of a schema as a fresh object.
function defaults(schema) {
  const out = {};
  for (const [name, spec] of Object.entries(schema)) {
    if (spec.default !== undefined) out[name] = spec.default;
  }
  return out;
}

// Validates `options` (undefined or a plain object) against `schema` and
// returns `base` with the given options applied. Unknown names are a
// TypeError that lists the accepted ones, so a typo is never ignored.
function validate(call, schema, options, base = defaults(schema)) {
  if (options === undefined || options === null) return { ...base };
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw typeError(`${call}: options must be an object, got ${describe(options)}`);
  }
  const out = { ...base };
  for (const [name, value] of Object.entries(options)) {
    // Own rows only: 'toString' or '__proto__' is an unknown option, not
    // Object.prototype's.
    const spec = Object.hasOwn(schema, name) ? schema[name] : undefined;
    if (spec === undefined) {
      throw typeError(
        `${call}: unknown option '${name}'; accepted options are ${Object.keys(schema).join(', ')}`);
    }
    if (value === undefined) continue;
    out[name] = checkOne(call, name, spec, value);
  }
  return out;
}

// The monitor's options as the binding reads them: `horizons` as an array
// of lengths. A named set keeps the horizons longer than windowMs (a
// windowMs of 2 h with 'default' judges 2 h and 24 h); an array must hold
// only such lengths (the one cross-field rule), so an impossible one is a
// RangeError at the call that gave it.
function resolveHorizons(call, o) {
  const spec = MONITOR_SCHEMA.horizons;
  if (typeof o.horizons === 'string') {
    return { ...o, horizons: spec.sets[o.horizons].filter((h) => h > o.windowMs) };
  }
  const list = o.horizons;
  if (list.length > 0 && list[0] <= o.windowMs) {
    throw rangeError(`${call}: options.horizons must each be longer than windowMs (${o.windowMs}), ` +
      `got ${JSON.stringify(list)}`);
  }
  return { ...o, horizons: [...list] };
}

module.exports = {
  resolveHorizons,
  MONITOR_SCHEMA,
  PROFILE_SCHEMA,
  LEAK_SCHEMA,
  withScriptRoot,
  REPORT_SCHEMA,
  SENSITIVITIES: TABLE.sensitivities,
  SNAPSHOT_SCHEMA,
  WRITE_SNAPSHOT_SCHEMA,
  SNAPSHOT_SIGNALS,
  defaults,
  validate,
  typeError,
  rangeError,
  describe,
};
