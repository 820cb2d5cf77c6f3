/* leakguard report page: runs in the browser, offline, from the one HTML
 * file lib/report/index.js writes. It reads the JSON in
 * <script id="leakguard-data"> and builds the page with DOM calls
 * (textContent only: nothing in the data is ever parsed as HTML). uPlot
 * (bundled beside it) draws the timeline. */
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('leakguard-data').textContent);
  var timeline = data.timeline || null;
  var analysis = data.analysis || null;
  var profile = data.profile || null;
  var KIND_TITLE = { heap: 'Live heap (after each full GC)', external: 'External memory', rss: 'Resident set (RSS)' };

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    if (attrs) {
      for (var k in attrs) {
        if (k === 'text') e.textContent = attrs[k];
        else if (k === 'cls') e.className = attrs[k];
        else e.setAttribute(k, attrs[k]);
      }
    }
    (children || []).forEach(function (c) { if (c) e.appendChild(c); });
    return e;
  }
  function bytes(n) {
    if (typeof n !== 'number' || !isFinite(n)) return '?';
    var a = Math.abs(n);
    if (a >= 1e9) return (n / 1e9).toFixed(2) + ' GB';
    if (a >= 1e6) return (n / 1e6).toFixed(1) + ' MB';
    if (a >= 1e3) return (n / 1e3).toFixed(a >= 1e5 ? 0 : 1) + ' KB';
    return Math.round(n) + ' B';
  }
  function rate(n) { return bytes(n) + '/s'; }
  // Axis labels in one unit, with as many decimals as tell the ticks apart.
  function axisBytes(u, vals) {
    var top = Math.max.apply(null, vals.map(Math.abs));
    var unit = top >= 1e9 ? [1e9, ' GB'] : top >= 1e6 ? [1e6, ' MB'] : top >= 1e3 ? [1e3, ' KB'] : [1, ' B'];
    for (var d = 0; d < 4; d++) {
      var out = vals.map(function (v) { return (v / unit[0]).toFixed(d) + unit[1]; });
      if (new Set(out).size === out.length) return out;
    }
    return out;
  }
  function clock(ms) { return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC'); }
  function duration(ms) {
    var s = ms / 1000;
    if (s < 90) return s.toFixed(s < 10 ? 1 : 0) + ' s';
    if (s < 5400) return (s / 60).toFixed(0) + ' min';
    if (s < 172800) return (s / 3600).toFixed(1) + ' h';
    return (s / 86400).toFixed(1) + ' d';
  }
  function section(id, title) {
    var s = el('section', { id: id }, [el('h2', { text: title })]);
    document.getElementById('main').appendChild(s);
    return s;
  }
  function note(parent, text) { parent.appendChild(el('p', { cls: 'note', text: text })); }

  var episodes = timeline && Array.isArray(timeline.episodes) ? timeline.episodes : [];
  var groups = analysis && analysis.report && Array.isArray(analysis.report.groups)
    ? analysis.report.groups : [];

  // "held by orders (Map), which handler() at app.js:24:15 closes over"
  function holderText(h) {
    return 'held by ' + h.expression + ' (' + h.node + ')' + (h.scope ? ', which ' + h.scope + ' closes over' : '');
  }

  // The first suspect site of the newest episode that has suspects.
  function topSuspect() {
    for (var i = episodes.length - 1; i >= 0; i--) {
      var s = episodes[i].suspects;
      if (s && s.length) return s[0];
    }
    return null;
  }

  // ---- header: is it leaking, since when, how fast, what, held by whom
  function header() {
    var box = document.getElementById('answer');
    var last = episodes.length ? episodes[episodes.length - 1] : null;
    var lines = [];
    if (last) {
      var ended = last.closed !== undefined;
      lines.push(['Leaking', (ended ? 'not now: the newest episode ended (' : 'yes: ') + last.kind + ' (' +
        episodes.length + ' episode' + (episodes.length === 1 ? '' : 's') + ', ' + last.events + ' event' +
        (last.events === 1 ? '' : 's') + ' in the newest)' + (ended ? ')' : '')]);
      lines.push(['Since', clock(last.start) + ', ' + duration((timeline.now || last.end) - last.start) +
        ' before this report']);
      lines.push(['How fast', rate(last.bytesPerSecond) + ': grew ' + bytes(last.growth) + ' over ' +
        duration((ended ? last.closed : last.end) - last.start) + ' (' + duration(last.horizonMs) + ' horizon)']);
      if (ended) {
        lines.push(['Ended', clock(last.closed) + ': ' + last.endReason]);
      } else if (typeof last.timeToLimitMs === 'number' && last.limit) {
        lines.push(['Time to limit', duration(last.timeToLimitMs) + ' until the ' + bytes(last.limit.bytes) + ' ' +
          ({ heap: 'heap limit', cgroup: 'cgroup memory limit', memory: 'machine\'s memory' })[last.limit.source] +
          ' at this rate']);
      }
    } else if (timeline) {
      var h = timeline.kinds && timeline.kinds.heap;
      lines.push(['Leaking', 'no leak reported' + (h && h.trend ? ' (the detector now: ' +
        h.trend.verdict + ', ' + rate(h.trend.bytesPerSecond) + ')' : '')]);
      lines.push(['Since', 'monitored since ' + (h && h.t.length ? clock(h.t[0]) : 'no sample yet')]);
      lines.push(['How fast', h && h.trend ? rate(h.trend.bytesPerSecond) + ' over the window' : '?']);
    } else if (groups.length) {
      lines.push(['Leaking', groups.length + ' group(s) grew across the three snapshots']);
      lines.push(['Since', 'no timeline was given']);
      lines.push(['How fast', 'no timeline was given']);
    } else {
      lines.push(['Leaking', 'no timeline and no analysis were given']);
    }
    var suspect = topSuspect();
    var what = [];
    if (suspect) what.push((suspect.site || suspect.what) + ' +' + bytes(suspect.growth || suspect.bytes));
    if (groups.length) what.push(groups[0].constructor + ' \u00d7 ' + groups[0].count + ', ' +
      bytes(groups[0].retained_size) + ' retained');
    if (what.length) lines.push(['What', what.join('; ')]);
    else if (profile) lines.push(['What', 'see the allocation sites below']);
    if (groups.length && groups[0].holder) {
      lines.push(['Held by', holderText(groups[0].holder).replace(/^held by /, '')]);
    } else if (groups.length) {
      lines.push(['Held by', groups[0].path || '?']);
    } else {
      lines.push(['Held by', 'unknown: run findLeaks() or `leakguard analyze` for retainer paths']);
    }
    var dl = el('dl', { cls: 'answer' });
    lines.forEach(function (l) {
      dl.appendChild(el('dt', { text: l[0] }));
      dl.appendChild(el('dd', { text: l[1], 'data-line': l[0].toLowerCase().replace(/ /g, '-') }));
    });
    box.appendChild(dl);
    var p = data.process || (timeline && timeline.process);
    if (p) {
      box.appendChild(el('p', { cls: 'identity', text: 'pid ' + p.pid + ' \u00b7 node ' + p.node +
        (p.platform ? ' \u00b7 ' + p.platform + '-' + p.arch : '') +
        (p.startTime ? ' \u00b7 started ' + clock(p.startTime) : '') }));
      if (Array.isArray(p.argv)) box.appendChild(el('p', { cls: 'identity argv', text: p.argv.join(' ') }));
    }
    box.appendChild(el('p', { cls: 'identity', text: 'report written ' + clock(data.generated) +
      ' by leakguard ' + data.leakguard }));
  }

  // ---- timeline: one chart per kind
  function timelineSection() {
    var s = section('timeline', 'Timeline');
    if (!timeline || !timeline.kinds) { note(s, 'No timeline was given.'); return; }
    var snaps = Array.isArray(timeline.snapshots) ? timeline.snapshots : [];
    ['heap', 'external', 'rss'].forEach(function (kind) {
      var k = timeline.kinds[kind];
      if (!k || !Array.isArray(k.t)) return;
      var box = el('div', { cls: 'chart', 'data-kind': kind, 'data-points': String(k.t.length) });
      var mine = episodes.filter(function (e) { return e.kind === kind; });
      box.appendChild(el('h3', { text: KIND_TITLE[kind] + ' \u2014 ' + k.t.length + ' points, ' +
        duration(k.bucketMs) + ' buckets' + (mine.length ? ', ' + mine.length + ' leak episode(s)' : '') }));
      if (kind === 'heap' && timeline.windowMs) {
        var hs = [timeline.windowMs].concat(Array.isArray(timeline.horizonsMs) ? timeline.horizonsMs : []);
        box.appendChild(el('p', { cls: 'note', text: 'The detector judges windows of ' + hs.map(duration).join(', ') +
          '; the newest ' + duration(timeline.windowMs) + ' is shaded grey.' }));
      }
      s.appendChild(box);
      if (k.t.length === 0) { note(box, 'No sample yet.'); return; }
      try {
        drawChart(box, kind, k, mine, snaps);
        var legend = el('ul', { cls: 'episodes' });
        if (snapsIn(snaps, k).length) {
          legend.appendChild(el('li', { cls: 'capture-note', text: '\u25c6 (purple): a heap snapshot leakguard wrote. ' +
            (kind === 'rss' ? 'Writing one raises RSS for a while by about the size of the heap (V8 builds the ' +
              'snapshot in native memory), so a jump at a mark is leakguard\'s own, not a native leak.'
              : 'Snapshots are listed with their files in the process\'s snapshot directory.') }));
        }
        mine.forEach(function (e, i) {
          legend.appendChild(el('li', { cls: 'episode-note', text: '\u25bc' + (i + 1) + ' leak from ' + clock(e.start) +
            ': ' + rate(e.bytesPerSecond) + ', ' + e.reason }));
          if (e.closed !== undefined) {
            legend.appendChild(el('li', { cls: 'episode-note episode-end', text: 'ended at ' + clock(e.closed) +
              ': ' + e.endReason }));
          }
        });
        box.appendChild(legend);
      } catch (err) {  // one bad series must not take the other charts along
        box.appendChild(el('p', { cls: 'render-error', text: 'This chart could not be drawn: ' + err.message }));
      }
    });
  }

  // The snapshots within a series' time span.
  function snapsIn(snaps, k) {
    var t0 = k.t[0], t1 = k.t[k.t.length - 1];
    return snaps.filter(function (sn) { return sn.time >= t0 && sn.time <= t1; });
  }

  function drawChart(box, kind, k, mine, snaps) {
    var t0 = k.t[0], t1 = k.t[k.t.length - 1];
    mine.forEach(function (e) { t0 = Math.min(t0, e.start); t1 = Math.max(t1, e.end); });
    var windowMs = timeline.windowMs || 0;
    var trend = kind !== 'rss' && k.trend && k.trend.samples > 1 ? k.trend : null;
    function lineAt(u, ctx, x0, y0, x1, y1, color) {
      ctx.save();
      ctx.strokeStyle = color; ctx.lineWidth = 2 * devicePixelRatio; ctx.setLineDash([6, 4]);
      ctx.beginPath();
      ctx.moveTo(u.valToPos(x0, 'x', true), u.valToPos(y0, 'y', true));
      ctx.lineTo(u.valToPos(x1, 'x', true), u.valToPos(y1, 'y', true));
      ctx.stroke(); ctx.restore();
    }
    var overlays = [];
    var opts = {
      width: Math.max(480, Math.min(box.clientWidth || 1100, 1400)),
      height: 240,
      ms: 1,
      scales: { x: { time: true, range: [t0, t1 + Math.max(1000, (t1 - t0) * 0.02)] } },
      series: [
        {},
        { label: 'lowest in bucket (live set)', stroke: '#1f6feb', width: 2,
          value: function (u, v) { return v == null ? '-' : bytes(v); } },
        { label: 'highest in bucket', stroke: '#9cc3ff', width: 1,
          value: function (u, v) { return v == null ? '-' : bytes(v); } },
      ],
      axes: [{}, { size: 76, values: axisBytes }],
      // uPlot's own legend shows values under the cursor only, and is
      // empty otherwise (and on paper): the key is drawn below instead.
      legend: { show: false },
      hooks: {
        drawClear: [function (u) {
          var ctx = u.ctx, top = u.bbox.top, h = u.bbox.height;
          ctx.save();
          if (windowMs > 0) {  // the detector's short window, ending now
            var wx0 = u.valToPos(Math.max(t0, t1 - windowMs), 'x', true);
            ctx.fillStyle = 'rgba(120,120,120,0.08)';
            ctx.fillRect(wx0, top, u.valToPos(t1, 'x', true) - wx0, h);
          }
          mine.forEach(function (e) {  // each episode, shaded from its start to its plateau
            var x0 = u.valToPos(e.start, 'x', true);
            var x1 = u.valToPos(e.closed !== undefined ? e.closed : t1, 'x', true);
            ctx.fillStyle = 'rgba(220,60,40,0.13)';
            ctx.fillRect(x0, top, x1 - x0, h);
          });
          ctx.restore();
        }],
        draw: [function (u) {
          var ctx = u.ctx;
          mine.forEach(function (e) {  // the line the detector fitted, over its window
            var x0 = Math.max(e.start, e.end - (e.windowMs || e.end - e.start));
            var y1 = e.estimatedBase, y0 = y1 - e.bytesPerSecond * (e.end - x0) / 1000;
            lineAt(u, ctx, x0, y0, e.end, y1, '#d1242f');
          });
          if (trend && windowMs > 0) {
            var x0 = Math.max(t0, t1 - windowMs);
            lineAt(u, ctx, x0, trend.estimatedBase - trend.bytesPerSecond * (t1 - x0) / 1000,
              t1, trend.estimatedBase, '#6e7781');
          }
          ctx.save();
          ctx.strokeStyle = '#8250df'; ctx.lineWidth = 1.5 * devicePixelRatio;
          snaps.forEach(function (sn) {
            if (sn.time < t0 || sn.time > t1) return;
            var x = u.valToPos(sn.time, 'x', true);
            ctx.beginPath(); ctx.moveTo(x, u.bbox.top); ctx.lineTo(x, u.bbox.top + u.bbox.height); ctx.stroke();
          });
          ctx.restore();
          placeOverlays(u);
        }],
      },
    };
    function placeOverlays(u) {
      overlays.forEach(function (o) {
        o.node.style.left = u.valToPos(o.t, 'x') + 'px';
      });
    }
    var plot = new uPlot(opts, [k.t, k.min, k.max], box);
    // DOM markers over the canvas: what a reader (or a test) can point at.
    // Numbered, not labelled with their rates: episodes close together
    // would print over each other. The list below the chart says which is
    // which.
    mine.forEach(function (e, i) {
      var m = el('div', { cls: 'marker episode', 'data-start': String(e.start), 'data-end': String(e.end),
        'data-closed': e.closed !== undefined ? String(e.closed) : '',
        'data-rate': String(e.bytesPerSecond), title: rate(e.bytesPerSecond) + ': ' + e.reason,
        text: '\u25bc' + (i + 1) });
      plot.over.appendChild(m);
      overlays.push({ node: m, t: e.start });
    });
    snaps.forEach(function (sn) {
      if (sn.time < t0 || sn.time > t1) return;
      var m = el('div', { cls: 'marker snapshot', 'data-time': String(sn.time), title: sn.path || '', text: '\u25c6' });
      plot.over.appendChild(m);
      overlays.push({ node: m, t: sn.time });
    });
    placeOverlays(plot);
    box.appendChild(el('p', { cls: 'key' }, [
      el('span', { cls: 'swatch low' }), el('span', { text: 'lowest in bucket (the live set)' }),
      el('span', { cls: 'swatch high' }), el('span', { text: 'highest in bucket' }),
      mine.length ? el('span', { cls: 'swatch fit' }) : null,
      mine.length ? el('span', { text: 'the detector\'s line over the episode' }) : null,
    ]));
    box.setAttribute('data-rendered', 'true');
  }

  // ---- suspects: sites of the leak events, and the sampled profile as an icicle
  function suspectsSection() {
    var s = section('suspects', 'Suspects: where the growing memory was allocated');
    // One row per site: the newest episode that named it, and how many did.
    var rows = [];
    var bySite = {};
    episodes.forEach(function (e) {
      (e.suspects || []).forEach(function (x) {
        var key = x.site || x.what;
        var row = Object.prototype.hasOwnProperty.call(bySite, key) ? bySite[key] : null;
        if (row === null) {
          row = { e: e, s: x, n: 0 };
          bySite[key] = row;
          rows.push(row);
        }
        row.e = e;
        row.s = x;
        row.n++;
      });
    });
    if (rows.length) {
      var tb = el('tbody');
      rows.forEach(function (r) {
        var x = r.s;
        var caller = Array.isArray(x.stack) && x.site ? x.stack[x.stack.indexOf(x.site) + 1] : null;
        tb.appendChild(el('tr', { cls: 'suspect' }, [
          el('td', { cls: 'num', text: '+' + bytes(x.growth != null ? x.growth : x.bytes) }),
          el('td', { cls: 'num', text: x.bytesPerSecond != null ? rate(x.bytesPerSecond) : '' }),
          el('td', { cls: 'site', text: x.site || x.what }),
          // Allocation sites have a caller; growing constructors a count.
          el('td', { cls: 'site', text: caller ? caller : x.count != null ? '+' + x.count + ' objects' : '' }),
          el('td', { text: r.e.kind + ' episode from ' + clock(r.e.start) +
            (r.n > 1 ? ' (named by ' + r.n + ' episodes)' : '') }),
        ]));
      });
      s.appendChild(el('table', null, [el('thead', null, [el('tr', null,
        ['growth', 'rate', 'allocated in (function, where it is defined)', 'called from', 'newest episode']
          .map(function (h) { return el('th', { text: h }); }))]), tb]));
      note(s, 'A site is the function in which V8 sampled the allocation, named by the line where that ' +
        'function is defined; small functions it calls may have been inlined into it.');
    } else {
      note(s, 'No leak event named allocation sites.');
    }
    if (profile && profile.head) icicle(s, profile.head);
    else note(s, 'No allocation profile was given: the icicle of live sampled bytes needs one ' +
      '(allocationProfile(), `leakguard profile <pid>`, or a running sampler).');
  }

  function frameName(cf) {
    if (!cf) return '(root)';
    var name = cf.functionName || '(anonymous)';
    if (cf.url) name += ' (' + cf.url.replace(/^file:\/\//, '') + ':' + (cf.lineNumber + 1) + ':' + (cf.columnNumber + 1) + ')';
    return name;
  }
  // What fits in a cell: the function first, then the file's last two
  // path segments (the whole name is the cell's title).
  function frameShort(cf) {
    if (!cf) return '(root)';
    var name = cf.functionName || '(anonymous)';
    if (!cf.url) return name;
    var file = cf.url.replace(/^file:\/\//, '').split('/').slice(-2).join('/');
    return name + ' ' + file + ':' + (cf.lineNumber + 1);
  }
  function totals(node) {
    var t = node.selfSize || 0;
    (node.children || []).forEach(function (c) { t += totals(c); });
    node._total = t;
    return t;
  }
  function icicle(s, head) {
    var total = totals(head);
    var box = el('div', { cls: 'icicle', 'data-total': String(total) });
    s.appendChild(el('h3', { text: 'Live sampled bytes by stack (icicle, ' + bytes(total) +
      '; width is bytes, each row a caller above its callees)' }));
    s.appendChild(box);
    if (total <= 0) { note(s, 'The profile holds no live sample.'); return; }
    var rows = [];
    function walk(node, depth, x) {
      if (depth > 48) return;
      if (!rows[depth]) rows[depth] = [];
      rows[depth].push({ node: node, x: x });
      var cx = x;
      (node.children || []).slice().sort(function (a, b) { return b._total - a._total; })
        .forEach(function (c) { if (c._total / total >= 0.002) walk(c, depth + 1, cx); cx += c._total; });
    }
    walk(head, 0, 0);
    rows.forEach(function (row, depth) {
      var r = el('div', { cls: 'icicle-row' });
      row.forEach(function (cell) {
        var w = cell.node._total / total;
        var name = depth === 0 ? 'all live samples' : frameName(cell.node.callFrame);
        var c = el('div', { cls: 'frame' + (cell.node.selfSize > 0 ? ' self' : ''),
          title: name + ': ' + bytes(cell.node._total) + ' (' + (w * 100).toFixed(1) + '%), self ' + bytes(cell.node.selfSize || 0),
          'data-frame': name, text: w > 0.04 ? (depth === 0 ? name : frameShort(cell.node.callFrame)) : '' });
        c.style.left = (cell.x / total * 100) + '%';
        c.style.width = (w * 100) + '%';
        r.appendChild(c);
      });
      box.appendChild(r);
    });
  }

  // ---- the three-snapshot report
  function analysisSection() {
    var s = section('analysis', 'Three-snapshot analysis: what leaks and who holds it');
    if (!analysis || !analysis.report) {
      note(s, data.analysisNote ? 'No analysis: ' + data.analysisNote + '.'
        : 'No analysis was given (findLeaks() or `leakguard analyze s1 s2 s3 --json`).');
      return;
    }
    var r = analysis.report;
    note(s, groups.length + ' of ' + r.groups_total + ' group(s) above the threshold (' +
      (r.threshold ? r.threshold.min_count + ' objects, ' + bytes(r.threshold.min_retained_bytes) : '?') +
      '); ' + r.still_alive + ' objects new in the target snapshot were still alive in the final one.' +
      (analysis.files && analysis.files.final ? ' Snapshots: ' + [analysis.files.baseline, analysis.files.target,
        analysis.files.final].join(', ') : ''));
    groups.forEach(function (g, i) {
      var box = el('div', { cls: 'group', 'data-constructor': g.constructor });
      var loc = g.location ? ' at ' + g.location.script + ':' + g.location.line + ':' + g.location.column : '';
      box.appendChild(el('h3', { text: (i + 1) + '. ' + g.constructor + ' \u00d7 ' + g.count + ': ' +
        bytes(g.retained_size) + ' retained, ' + bytes(g.self_size) + ' shallow' + loc }));
      if (g.holder) box.appendChild(el('p', { cls: 'holder', text: holderText(g.holder) }));
      if (Array.isArray(g.hops) && g.hops.length) {
        var chain = el('ol', { cls: 'path' });
        g.hops.slice(0, 64).forEach(function (h, j) {
          var label = h.node + (h.name && h.name !== h.node ? ' ' + h.name : '');
          var li = el('li', { cls: 'hop' + (g.holder && h.id === g.holder.id ? ' holder-hop' : '') }, [
            j > 0 ? el('span', { cls: 'edge', text: h.edge + ' \u2192' }) : null,
            el('span', { cls: 'box', text: label }),
            h.location ? el('span', { cls: 'loc', text: h.location.script + ':' + h.location.line }) : null,
          ]);
          chain.appendChild(li);
        });
        box.appendChild(chain);
      } else if (g.path) {
        box.appendChild(el('p', { cls: 'path-text', text: g.path }));
      }
      if (Array.isArray(g.retains) && g.retains.length) {
        var tb = el('tbody');
        g.retains.forEach(function (c) {
          tb.appendChild(el('tr', null, [el('td', { text: c.what }), el('td', { cls: 'num', text: String(c.count) }),
            el('td', { cls: 'num', text: bytes(c.self_size) }), el('td', { cls: 'num', text: bytes(c.retained_size) })]));
        });
        box.appendChild(el('table', { cls: 'retains' }, [el('thead', null, [el('tr', null,
          ['what it retains', 'count', 'shallow', 'retained'].map(function (h) { return el('th', { text: h }); }))]), tb]));
      }
      if (Array.isArray(g.keys) && g.keys.length) {
        box.appendChild(el('p', { cls: 'note', text: 'keys: ' + g.keys.slice(0, 10).join(', ') }));
      }
      s.appendChild(box);
    });
  }

  function run(step) {
    try { step(); } catch (err) {
      var m = el('p', { cls: 'render-error', text: 'This part of the report could not be drawn: ' + err.message });
      document.getElementById('main').appendChild(m);
    }
  }
  run(header);
  run(timelineSection);
  run(suspectsSection);
  run(analysisSection);
  document.body.setAttribute('data-ready', 'true');
})();
