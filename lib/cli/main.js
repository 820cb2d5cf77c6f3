#!/usr/bin/env node
'use strict';
// The `leakguard` command. Each subcommand is one entry of COMMANDS: its
// usage line, its options for util.parseArgs, and a run function that
// returns the exit code (EXIT_CODES below, lib/cli/args.js and
// docs/cli.md list them).
const { parseArgs } = require('node:util');
const { printable, printableDeep, printableJson } = require('./printable');

const { USAGE_EXIT, BAD_FILE_EXIT, UsageError } = require('./args');

function count(value, name) {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} must be an integer >= 0`);
  return Number(value);
}

// "12.3 MiB" (src/core/base/byte_format.h). The addon is loaded by the
// commands that need it, on their first use: `leakguard snapshot <pid>`
// runs without one.
function bytes(n) {
  return require('../binding').formatBytes(n, 'iec');
}

function int(n) {
  return n.toLocaleString('en-US');
}

// Renders rows as aligned columns; `right` lists the right-aligned columns.
function table(header, rows, right) {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => String(r[i]).length)));
  return all.map((r) => r.map((cell, i) => {
    const s = String(cell);
    if (i === r.length - 1 && !right.has(i)) return s;
    return right.has(i) ? s.padStart(widths[i]) : s.padEnd(widths[i]);
  }).join('  ')).join('\n');
}

function print(text) {
  process.stdout.write(text + '\n');
}

async function runAnalyze(positionals, values) {
  const { analyze } = require('../analysis/analyze');
  const options = {};
  if (values.top !== undefined) options.top = count(values.top, 'top');
  if (values['min-count'] !== undefined) {
    options.minCount = count(values['min-count'], 'min-count');
  }
  if (values['min-bytes'] !== undefined) {
    options.minRetainedBytes = count(values['min-bytes'], 'min-bytes');
  }
  const analysis = await analyze(positionals, options);
  const { groupLines, headline } = require('../analysis/leak-text');
  if (values.json) {
    // The sentence the text starts with, for scripts too.
    print(printableJson({ headline: headline(analysis.report), ...analysis }, 2));
    return 0;
  }
  // Heap strings (constructor names, keys, paths) printed for a person:
  // control characters escaped.
  const result = printableDeep(analysis);
  const r = result.report;
  const first = headline(r);
  if (first !== null) print(`Leaking: ${first}.\n`);
  print(`${int(r.new_in_target)} objects are new in the target snapshot; ` +
        `${int(r.still_alive)} of them are still alive in the final one ` +
        `(${int(r.candidates)} counted, V8 internals folded into their owners).`);
  if (r.groups.length === 0) {
    print(`No leak candidates above the noise threshold ` +
          `(${int(r.threshold.min_count)} objects, ` +
          `${bytes(r.threshold.min_retained_bytes)} retained).`);
    return 0;
  }
  print(`${r.groups_above_threshold} group(s) above the noise threshold; ` +
        'largest retained size first:\n');
  const rows = r.groups.map((g, i) => [
    i + 1, g.constructor, int(g.count), bytes(g.retained_size), bytes(g.self_size),
  ]);
  print(table(['#', 'Constructor', 'Count', 'Retained', 'Shallow'], rows,
              new Set([0, 2, 3, 4])));
  print('\nWho holds each group, what it keeps alive, and one retainer path:');
  r.groups.forEach((g, i) => {
    print(`  ${i + 1}. ${g.constructor} \u00d7${int(g.count)}, ${bytes(g.retained_size)} retained`);
    for (const line of groupLines(g)) print(`     ${line}`);
    print(`     path: ${g.path}`);
  });
  return 0;
}

async function runDiff(positionals, values) {
  const { diff } = require('../analysis/analyze');
  const top = values.top === undefined ? (values.json ? 0 : 20) : count(values.top, 'top');
  const raw = await diff(positionals[0], positionals[1], { top });
  if (values.json) {
    print(printableJson(raw, 2));
    return 0;
  }
  const d = printableDeep(raw);
  print(`before: ${int(d.before.nodes)} nodes, ${bytes(d.before.size_bytes)}`);
  print(`after:  ${int(d.after.nodes)} nodes, ${bytes(d.after.size_bytes)}`);
  print(`change: ${bytes(d.change.size_bytes)}, ` +
        `${int(d.change.allocated_nodes)} allocated, ${int(d.change.freed_nodes)} freed\n`);
  const rows = d.change.details.map((x) => [
    x.what, `+${int(x['+'])}`, `-${int(x['-'])}`, bytes(x.size_bytes),
  ]);
  print(table(['Constructor', 'Allocated', 'Freed', 'Size change'], rows,
              new Set([1, 2, 3])));
  return 0;
}

async function runSummary(positionals, values) {
  const { summary } = require('../analysis/analyze');
  const top = values.top === undefined ? (values.json ? 0 : 20) : count(values.top, 'top');
  const raw = await summary(positionals[0], { top });
  if (values.json) {
    print(printableJson(raw, 2));
    return 0;
  }
  const s = printableDeep(raw);
  const x = s.summary;
  print(`${int(x.nodes)} nodes, ${int(x.edges)} edges, ${bytes(x.total_size)} ` +
        `(${bytes(x.reachable_size)} reachable, ${int(x.unreachable_nodes)} ` +
        'unreachable nodes)\n');
  const rows = x.classes.map((c) => [
    c.name, int(c.count), bytes(c.self_size), bytes(c.retained_size),
  ]);
  print(table(['Constructor', 'Count', 'Shallow', 'Retained'], rows,
              new Set([1, 2, 3])));
  return 0;
}

const REPORT_OPTIONS = {
  json: { type: 'boolean' },
  top: { type: 'string' },
};

// Subcommands. Each: `args` positional count, `options` for parseArgs.
const COMMANDS = {
  analyze: {
    usage: 'analyze <baseline> <target> <final> [--json] [--top N] ' +
           '[--min-count N] [--min-bytes N]',
    help: 'objects new in <target> and still alive in <final>, by ' +
          'constructor and retainer path',
    args: 3,
    options: {
      ...REPORT_OPTIONS,
      'min-count': { type: 'string' },
      'min-bytes': { type: 'string' },
    },
    run: runAnalyze,
  },
  diff: {
    usage: 'diff <before> <after> [--json] [--top N]',
    help: 'allocated and freed objects by constructor (memwatch HeapDiff)',
    args: 2,
    options: REPORT_OPTIONS,
    run: runDiff,
  },
  summary: {
    usage: 'summary <file> [--json] [--top N]',
    help: 'count, shallow and retained size by constructor',
    args: 1,
    options: REPORT_OPTIONS,
    run: runSummary,
  },
  // The other commands are files of their own, loaded when used: each
  // loads what it needs, and `snapshot` needs no addon.
  // Asks a running process for a heap snapshot (lib/cli/snapshot.js).
  get snapshot() { return require('./snapshot'); },
  // Asks a running process for an allocation profile (lib/cli/profile.js).
  get profile() { return require('./profile'); },
  // The HTML report from saved inputs (lib/cli/report.js).
  get report() { return require('./report'); },
};

function usage() {
  const lines = Object.entries(COMMANDS).map(
    ([, c]) => `  leakguard ${c.usage}\n      ${c.help}`);
  return `usage:\n${lines.join('\n')}\n`;
}

// `leakguard --version`: the package's version and the Node it runs on
// (no addon loaded: it answers where the addon would not load).
function version() {
  return `leakguard ${require('../../package.json').version} (node ${process.version}, ` +
    `${process.platform}-${process.arch}, ABI ${process.versions.modules})\n`;
}

const EXIT_CODES = `exit codes:
  0  done (also when leaks are found)
  1  bad usage: the reason and the usage line on stderr
  2  an input file could not be read or parsed, or an output not written
  3  the target process gave no snapshot, profile or timeline (refused,
     timed out, gone, or leakguard not armed there): one line on stderr
`;

async function main(argv) {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    process.stdout.write(usage() + EXIT_CODES);
    return name === undefined ? USAGE_EXIT : 0;
  }
  if (name === '-V' || name === '--version' || name === 'version') {
    process.stdout.write(version());
    return 0;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (command === undefined) {
    process.stderr.write(`leakguard: unknown command '${printable(name)}'\n${usage()}`);
    return USAGE_EXIT;
  }
  // Every command answers --help and --version, whatever else is given
  // (before `--`, after which everything is an argument).
  const flags = rest.slice(0, rest.includes('--') ? rest.indexOf('--') : rest.length);
  if (flags.includes('--help') || flags.includes('-h')) {
    process.stdout.write(`usage: leakguard ${command.usage}\n  ${command.help}\n${EXIT_CODES}`);
    return 0;
  }
  if (flags.includes('--version') || flags.includes('-V')) {
    process.stdout.write(version());
    return 0;
  }
  try {
    const { values, positionals } = parseArgs({
      args: rest,
      options: command.options,
      allowPositionals: true,
      strict: true,
    });
    if (command.args !== undefined && positionals.length !== command.args) {
      throw new UsageError(`expected ${command.args} file(s)`);
    }
    return await command.run(positionals, values);
  } catch (err) {
    if (err instanceof UsageError || (err.code && err.code.startsWith('ERR_PARSE_ARGS'))) {
      process.stderr.write(`leakguard ${name}: ${printable(err.message)}\nusage: leakguard ${command.usage}\n`);
      return USAGE_EXIT;
    }
    // A file that cannot be read (or not within the memory there is):
    // one line, exit status 2.
    if (['ERR_LEAKGUARD_SNAPSHOT', 'ERR_LEAKGUARD_IO', 'ERR_LEAKGUARD_NO_HEADROOM']
      .includes(err.code)) {
      process.stderr.write(`leakguard: ${printable(err.message)}\n`);
      return BAD_FILE_EXIT;
    }
    throw err;
  }
}

module.exports = { COMMANDS, main };

if (require.main === module) {
  // `leakguard analyze ... | head`: a reader that stops reading is no
  // error of ours; stop writing, quietly, and keep the status so far.
  process.stdout.on('error', (err) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(process.exitCode || 0);
  });
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  }, (err) => {
    process.stderr.write(`leakguard: ${err && err.stack ? err.stack : err}\n`);
    process.exitCode = 1;
  });
}
