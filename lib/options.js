'use strict';
// Option validation and defaults for every public call, in one place.
// Each option is described once: its type, accepted range or values, and
// default. Errors are thrown synchronously at the call that was wrong, as a
// TypeError (wrong type, unknown name) or a RangeError (out of range), and
// name the call, the option and what is accepted.

const MS_DAY = 24 * 60 * 60 * 1000;

// kind: 'integer' | 'number' | 'boolean' | 'string' | 'enum' | 'function'
const MONITOR_SCHEMA = {
  sampleIntervalMs: {
    kind: 'integer', min: 100, max: MS_DAY, default: 1000,
    doc: 'how often RSS and external memory are sampled, in ms',
  },
  ringCapacity: {
    kind: 'integer', min: 16, max: 1 << 20, default: 4096,
    doc: 'GC records buffered between the GC callback and the monitor thread',
  },
  maxQueuedEvents: {
    kind: 'integer', min: 16, max: 1000000, default: 10000,
    doc: 'events waiting for the main thread before new ones are dropped',
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
  const err = new TypeError(message);
  err.code = 'ERR_INVALID_ARG_TYPE';
  return err;
}

function rangeError(message) {
  const err = new RangeError(message);
  err.code = 'ERR_OUT_OF_RANGE';
  return err;
}

function checkOne(call, name, spec, value) {
  const where = `${call}: options.${name}`;
  switch (spec.kind) {
    case 'integer':
    case 'number': {
      if (typeof value !== 'number' || Number.isNaN(value)) {
        throw typeError(`${where} must be a number (${spec.doc}), got ${describe(value)}`);
      }
      if (spec.kind === 'integer' && !Number.isInteger(value)) {
        throw rangeError(`${where} must be an integer, got ${value}`);
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
      if (typeof value !== 'string' || value.length === 0) {
        throw typeError(`${where} must be a non-empty string (${spec.doc}), got ${describe(value)}`);
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
    const spec = schema[name];
    if (spec === undefined) {
      throw typeError(
        `${call}: unknown option '${name}'; accepted options are ${Object.keys(schema).join(', ')}`);
    }
    if (value === undefined) continue;
    out[name] = checkOne(call, name, spec, value);
  }
  return out;
}

module.exports = {
  MONITOR_SCHEMA,
  defaults,
  validate,
  typeError,
  rangeError,
  describe,
};
