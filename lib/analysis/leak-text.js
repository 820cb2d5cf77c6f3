'use strict';
// The words for one group of the leak report (analyze, findLeaks and
// explain: 'snapshots' share the report, docs/analyze.md): who holds it,
// what it keeps alive, and the keys a wildcard stood for. The CLI, the demo
// and the preload's log print these lines; nothing here reads a file.
const binding = require('../binding');

function bytes(n) {
  return binding.formatBytes(n, 'iec');
}

function int(n) {
  return n.toLocaleString('en-US');
}

// "held by serviceBus._events['config-reload'] (Array of 5,000)", then
// the function whose scope has the variable when the path came through one
// of the program's ("…, which handle() at app.js:24:15 closes over"); or
// null.
function holderText(group) {
  const h = group.holder;
  if (!h) return null;
  const scope = h.scope ? `, which ${h.scope} closes over` : '';
  return `held by ${h.expression} (${h.node} of ${int(group.count)})${scope}`;
}

// "retains: SessionToken ×5,000 (0.9 MiB), Object ×5,000 (…), …", or null
// when the group's objects dominate nothing of the program's.
function retainsText(group, top = 4) {
  const list = (group.retains || []).slice(0, top);
  if (list.length === 0) return null;
  return 'retains: ' +
    list.map((c) => `${c.what} \u00d7${int(c.count)} (${bytes(c.retained_size)})`).join(', ');
}

// "keys such as '/a?x=1', '/b?x=2'", or null.
function keysText(group) {
  const keys = group.keys || [];
  if (keys.length === 0) return null;
  return 'keys such as ' + keys.map((k) => JSON.stringify(k)).join(', ');
}

// The lines that describe a group beneath its name, in reading order.
function groupLines(group) {
  return [holderText(group), retainsText(group), keysText(group)].filter(Boolean);
}

// One sentence for the largest group, what a person reads first: "Order
// ×1,500 (387 KiB retained), held by orders (Map of 1,500), which
// handler() at app.js:24:15 closes over". null without a group.
function headline(report) {
  const g = report && Array.isArray(report.groups) ? report.groups[0] : undefined;
  if (!g) return null;
  const holder = holderText(g);
  return `${g.constructor} \u00d7${int(g.count)} (${bytes(g.retained_size)} retained)` +
    (holder ? `, ${holder}` : `, reached by ${g.path}`);
}

module.exports = { holderText, retainsText, keysText, groupLines, headline };
