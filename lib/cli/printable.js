'use strict';
// Text from a heap (strings, Map keys, property names), from a file or
// from another process can hold terminal control sequences: ESC and BEL
// retitle a terminal, clear it or forge lines of our output. Everything
// leakguard prints for a person goes through printable(); JSON for scripts
// through printableJson(), which stays valid JSON.

// C0 controls, DEL, C1 controls, and the Unicode line separators and
// direction overrides that reorder what a terminal shows.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// What JSON.stringify leaves raw of those (it escapes C0 itself).
const UNSAFE_IN_JSON = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escape(c) {
  const n = c.charCodeAt(0);
  return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
}

// `text` with each unsafe character as \xHH or \uHHHH (a newline too:
// one heap string is never two lines of output).
function printable(text) {
  return String(text).replace(UNSAFE, escape);
}

// A copy of `value` with every string in it printable(), for tables and
// sentences built from an analysis. Iterative: a result can be deep.
function printableDeep(value) {
  const wrap = { value };
  const stack = [wrap];
  while (stack.length > 0) {
    const node = stack.pop();
    for (const key of Object.keys(node)) {
      const v = node[key];
      if (typeof v === 'string') {
        node[key] = printable(v);
      } else if (v !== null && typeof v === 'object') {
        node[key] = Array.isArray(v) ? [...v] : { ...v };
        stack.push(node[key]);
      }
    }
  }
  return wrap.value;
}

// JSON.stringify(value, null, space), with the characters it leaves raw
// escaped as \uHHHH (still the same JSON value).
function printableJson(value, space) {
  return JSON.stringify(value, null, space).replace(UNSAFE_IN_JSON,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

module.exports = { printable, printableDeep, printableJson };
