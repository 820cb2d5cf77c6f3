'use strict';
// The demo's report in a real headless Chromium, offline (npm run
// test:report; .ci/run installs Debian's chromium). The browser runs in a
// network namespace with no interface up (unshare -n) where it can make
// one, and with the page offline and every request recorded in any case.
// The page's DOM is then checked against what the demo printed, and a
// screenshot at 1280x800 is saved in test-output/report/ for a person.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { runNode } = require('../js/helpers/child');

const ROOT = path.resolve(__dirname, '..', '..');
const OUT = path.join(ROOT, 'test-output', 'report');
const CHROMIUM = process.env.LEAKGUARD_CHROMIUM ||
  ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']
    .find((f) => fs.existsSync(f));

// A launcher that puts Chromium in a network namespace of its own, when
// this machine lets us make one (root, or unprivileged user namespaces).
function offlineLauncher() {
  const probe = spawnSync('unshare', ['-n', 'true']);
  const user = probe.status === 0 ? [] : ['-r'];
  if (probe.status !== 0 && spawnSync('unshare', ['-rn', 'true']).status !== 0) return null;
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-chromium-')), 'chromium');
  fs.writeFileSync(file, `#!/bin/sh\nexec unshare ${user.join(' ')} -n ${CHROMIUM} "$@"\n`, { mode: 0o700 });
  return file;
}


// Chromium, headless and offline (in its own network namespace when it can).
async function launch() {
  const puppeteer = require('puppeteer-core');
  const launcher = offlineLauncher();
  const browser = await puppeteer.launch({
    executablePath: launcher || CHROMIUM,
    headless: true,
    pipe: true,  // DevTools over a pipe: no socket, so it works with no network at all
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-dev-shm-usage',
      '--proxy-server=http://127.0.0.1:9', '--proxy-bypass-list=<-loopback>'],
  });
  return { browser, launcher };
}

// Opens `url` at 1280x800, offline, recording console errors, page errors
// and every request; resolves once the page says it is drawn.
async function open(browser, url) {
  const page = await browser.newPage();
  await page.setOfflineMode(true);
  await page.setViewport({ width: 1280, height: 800 });
  const problems = [];
  const requests = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warn') problems.push(`console.${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
  return { page, problems, requests };
}

const skip = CHROMIUM === undefined && !process.env.CI ? 'no Chromium here (CI installs it)' : false;

test('the demo\'s report in headless Chromium, offline: timeline per kind, the episode, the suspect, the holder', {
  skip,
}, async () => {
  assert.ok(CHROMIUM, 'Chromium is installed (apt-get install chromium)');

  // 1. The demo, as `npm run demo` runs it.
  const demo = await runNode({ file: path.join(ROOT, 'examples', 'demo.js'), timeoutMs: 180000 });
  assert.strictEqual(demo.code, 0, demo.stdout + demo.stderr);
  const since = /growing since (\S+)/.exec(demo.stdout);
  assert.ok(since, `the demo reported a leak:\n${demo.stdout}`);
  const episodeStart = Date.parse(since[1]);
  const reportPath = /report: (\S+\.html) /.exec(demo.stdout)[1];
  const source = fs.readFileSync(path.join(ROOT, 'examples', 'leaky-service.js'), 'utf8').split('\n');
  const handlerLine = source.findIndex((l) => l.startsWith('function handler(')) + 1;
  assert.ok(handlerLine > 0);

  // 2. Chromium, offline.
  const { browser, launcher } = await launch();
  try {
    const url = `file://${reportPath}`;
    const { page, problems, requests } = await open(browser, url);

    const dom = await page.evaluate(() => {
      const q = (s, root = document) => Array.from(root.querySelectorAll(s));
      return {
        charts: q('.chart').map((c) => ({
          kind: c.dataset.kind,
          points: Number(c.dataset.points),
          rendered: c.dataset.rendered === 'true',
          canvas: q('canvas', c).map((x) => [x.width, x.height]),
        })),
        episodes: q('.chart[data-kind="heap"] .marker.episode').map((m) => ({
          start: Number(m.dataset.start),
          left: m.offsetLeft,
          width: m.parentElement.clientWidth,
        })),
        answer: Object.fromEntries(q('#answer dd').map((d) => [d.dataset.line, d.textContent])),
        suspects: q('#suspects tr.suspect td.site').map((t) => t.textContent),
        icicle: q('#suspects .frame').map((f) => f.dataset.frame),
        holder: q('#analysis .holder').map((h) => h.textContent),
        holderHop: q('#analysis .hop.holder-hop .box').map((b) => b.textContent),
        lastHop: q('#analysis ol.path .hop:last-child .box').map((b) => b.textContent),
        errors: q('.render-error').map((e) => e.textContent),
      };
    });
    fs.mkdirSync(OUT, { recursive: true });
    await page.screenshot({ path: path.join(OUT, 'report.png') });
    await page.screenshot({ path: path.join(OUT, 'report-full.png'), fullPage: true });
    // On paper: the print stylesheet keeps the page within an A4 width, and
    // a PDF is saved beside the screenshots.
    await page.emulateMediaType('print');
    const printWidth = await page.evaluate(() => document.documentElement.scrollWidth);
    await page.pdf({ path: path.join(OUT, 'report.pdf'), format: 'A4', printBackground: true });
    await page.emulateMediaType('screen');
    process.stdout.write(`# screenshots in ${OUT} (Chromium ${launcher ? 'in its own network namespace' : 'offline mode'})\n`);

    assert.deepStrictEqual(problems, []);
    assert.deepStrictEqual(requests, [url], 'no request but the page itself');
    assert.ok(printWidth <= 1280, `printed, the page is ${printWidth} px wide`);
    assert.ok(fs.statSync(path.join(OUT, 'report.pdf')).size > 10000);
    assert.deepStrictEqual(dom.errors, []);
    assert.deepStrictEqual(dom.charts.map((c) => c.kind), ['heap', 'external', 'rss']);
    for (const c of dom.charts) {
      assert.ok(c.rendered && c.points >= 5, `${c.kind}: ${c.points} points`);
      assert.ok(c.canvas.length >= 1 && c.canvas[0][0] > 400, `${c.kind} has a canvas`);
    }
    assert.strictEqual(dom.episodes.length, 1, 'one episode marked on the heap chart');
    assert.strictEqual(dom.episodes[0].start, episodeStart, "where the event's start says");
    assert.ok(dom.episodes[0].left >= 0 && dom.episodes[0].left < dom.episodes[0].width,
      `the marker is over the plot: ${JSON.stringify(dom.episodes[0])}`);
    assert.match(dom.answer.leaking, /^yes: heap/);
    assert.match(dom.answer['held-by'], /service\.requests \(Map\)/);
    const site = new RegExp(`^handler \\(.*examples/leaky-service\\.js:${handlerLine}:\\d+\\)$`);
    assert.ok(dom.suspects.some((s) => site.test(s)),
      `a suspect names handler at leaky-service.js:${handlerLine}: ${JSON.stringify(dom.suspects)}`);
    assert.ok(dom.icicle.some((f) => site.test(f)), 'the icicle has the leaking function');
    assert.ok(dom.holder.some((h) => /^held by service\.requests \(Map\)/.test(h)), JSON.stringify(dom.holder));
    assert.ok(dom.holderHop.some((b) => /^Map\b/.test(b)), `the path marks the Map: ${dom.holderHop}`);
    assert.ok(dom.lastHop.includes('RequestContext'), `the path ends at the leaked class: ${dom.lastHop}`);
  } finally {
    await browser.close();
  }
});

// The preload's report (LEAKGUARD_REPORT_DIR) of a leaking service that
// was sent the snapshot signal three times: the report written after the
// third snapshot holds their analysis, and the page names the class and
// its holder.
test("the preload's report of a leak with three snapshots names the class and the holder", {
  skip,
}, async () => {
  const { startPreloaded } = require('../js/helpers/child');
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-preload-report-'));
  const { child, output, logs, until } = startPreloaded(
    path.join(ROOT, 'test', 'fixtures', 'preload-report-analysis.js'), {
      LEAKGUARD_DIR: path.join(base, 'snapshots'), LEAKGUARD_REPORT_DIR: path.join(base, 'reports'),
      LEAKGUARD_COOLDOWN_MS: '0', LEAKGUARD_MAX_FILES: '10',
    });
  try {
    await until('ready', () => output.stdout.includes('"ready"'));
    for (let i = 1; i <= 3; i++) {
      await new Promise((r) => setTimeout(r, 1500));
      child.kill('SIGUSR2');
      await until(`snapshot ${i}`, () => logs('snapshot').length >= i);
    }
    const third = Date.parse(logs('snapshot')[2].time);
    // A report written after the third snapshot, with its analysis.
    const report = await until('a report with the analysis', () => logs('report')
      .filter((r) => Date.parse(r.time) > third)
      .map((r) => r.path)
      .find((f) => /"analysis":\{/.test(fs.readFileSync(f, 'utf8'))));
    const { browser } = await launch();
    try {
      const { page, problems } = await open(browser, `file://${report}`);
      const dom = await page.evaluate(() => ({
        groups: Array.from(document.querySelectorAll('#analysis .group')).map((g) => g.dataset.constructor),
        holder: Array.from(document.querySelectorAll('#analysis .holder')).map((h) => h.textContent),
        heldBy: document.querySelector('#answer dd[data-line="held-by"]').textContent,
        what: document.querySelector('#answer dd[data-line="what"]').textContent,
        rssNote: Array.from(document.querySelectorAll('.chart[data-kind="rss"] .capture-note')).map((n) => n.textContent),
        errors: Array.from(document.querySelectorAll('.render-error')).map((e) => e.textContent),
      }));
      assert.deepStrictEqual(problems, []);
      assert.deepStrictEqual(dom.errors, []);
      assert.strictEqual(dom.groups[0], 'Session', JSON.stringify(dom));
      assert.match(dom.holder[0], /^held by sessions \(Map\)/, JSON.stringify(dom));
      assert.match(dom.heldBy, /^sessions \(Map\)/, JSON.stringify(dom));
      assert.match(dom.what, /Session \u00d7 \d+/, JSON.stringify(dom));
      // The RSS chart says its jumps at the snapshot marks are leakguard's.
      assert.match(dom.rssNote.join(' '), /leakguard's own, not a native leak/, JSON.stringify(dom));
    } finally {
      await browser.close();
    }
  } finally {
    child.kill('SIGKILL');
    fs.rmSync(base, { recursive: true, force: true });
  }
});

// Inputs that are not what leakguard writes (a hand-edited or truncated
// JSON) draw what they can: no script error, the good chart drawn, the bad
// parts said.
test('a report of broken inputs draws what it can, with no script error', { skip }, async () => {
  const { buildHtml } = require('../../lib/report');
  const now = Date.now();
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-report-')), 'broken.html');
  fs.writeFileSync(file, buildHtml({
    timeline: {
      now,
      kinds: {
        heap: { t: [1, 2, 'x'], min: [1, null, {}], max: [], bucketMs: 1000, trend: {} },
        external: { t: [now - 1000, now], min: [1, 2], max: [1, 3], bucketMs: 1000 },
        rss: { t: 'no' },
      },
      episodes: [{ kind: 'heap', start: 'bad', end: null, reason: 5 }],
      snapshots: [{ time: 'x' }],
    },
    analysis: { report: { groups: [null, { hops: [null] }] } },
    profile: { head: { children: [null, 5, { selfSize: 'x' }] } },
  }));
  const { browser } = await launch();
  try {
    const { page, problems, requests } = await open(browser, `file://${file}`);
    const dom = await page.evaluate(() => ({
      charts: Array.from(document.querySelectorAll('.chart[data-rendered="true"]')).map((c) => c.dataset.kind),
      errors: document.querySelectorAll('.render-error').length,
      sections: Array.from(document.querySelectorAll('main section')).map((x) => x.id),
    }));
    assert.deepStrictEqual(problems, []);
    assert.deepStrictEqual(requests, [`file://${file}`]);
    assert.ok(dom.charts.includes('external'), JSON.stringify(dom));
    assert.ok(dom.errors >= 1, 'the broken parts say they could not be drawn');
    assert.deepStrictEqual(dom.sections, ['timeline', 'suspects', 'analysis']);
  } finally {
    await browser.close();
  }
});
