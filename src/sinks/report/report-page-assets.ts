/**
 * The report page's own stylesheet and browser script, kept apart from the HTML builder so each
 * stays readable. The script is plain ES2017 (no build step, no modules) because the page must open
 * from disk by double-click; it reads the `report-data` JSON block and the globals `uPlot` and
 * `LightweightCharts` that the page inlines before it.
 */

export const REPORT_PAGE_CSS = `
:root { --fg: #1d2330; --muted: #667085; --line: #e4e7ec; --bg: #f7f8fa; --card: #fff;
  --up: #12805c; --down: #c4320a; --accent: #2e5bff; }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px 32px 48px; font: 14px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif;
  color: var(--fg); background: var(--bg); }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 28px 0 10px; }
.sub { color: var(--muted); margin: 0 0 18px; }
.sub span { display: inline-block; margin-right: 16px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 10px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.card .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .03em; }
.card .value { font-size: 18px; font-weight: 600; margin-top: 2px; font-variant-numeric: tabular-nums; }
.up { color: var(--up); } .down { color: var(--down); }
.panel { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px; }
.chart { min-height: 120px; }
.row { display: flex; gap: 16px; flex-wrap: wrap; }
.row > div { flex: 1 1 320px; min-width: 0; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 8px; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; }
th:first-child, td:first-child, th.text, td.text { text-align: left; }
th { position: sticky; top: 0; background: var(--card); font-weight: 600; }
table.sortable th { cursor: pointer; user-select: none; }
table.sortable th[aria-sort=ascending]::after { content: ' \\25B2'; font-size: 10px; }
table.sortable th[aria-sort=descending]::after { content: ' \\25BC'; font-size: 10px; }
.scroll { max-height: 640px; overflow: auto; max-width: 100%; }
.note { color: var(--muted); font-size: 12px; margin: 6px 0 0; }
/* Wide trades table: the number and the trade stay pinned while the rest scrolls sideways (no
   panel padding, or scrolled cells would show through it beside the pinned ones). */
.scroll.panel { padding: 0; }
#trades th:nth-child(1), #trades td:nth-child(1) { position: sticky; left: 0; z-index: 2; min-width: 3.5em;
  width: 3.5em; background: var(--card); }
#trades th:nth-child(2), #trades td:nth-child(2) { position: sticky; left: 3.5em; z-index: 2; background: var(--card);
  box-shadow: 1px 0 0 var(--line); }
#trades thead th:nth-child(-n+2) { z-index: 3; }
.candle-block { margin-bottom: 14px; }
.candle-title { font-weight: 600; margin: 0 0 4px; }
.candles { height: 260px; }
pre { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px; overflow: auto; }
`;

export const REPORT_PAGE_SCRIPT = `
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var tz = data.timeZone;
  var tzDate = function (ts) { return uPlot.tzDate(new Date(ts), tz); };
  var sync = uPlot.sync('quantum-report');
  var eq = data.equity;
  var money = function (u, v) { return v == null ? '' : v.toFixed(2); };
  var charts = [];
  function widthOf(el) { return Math.max(320, el.clientWidth); }
  function chart(elId, height, series, values, yLabel) {
    var el = document.getElementById(elId);
    if (!el || eq.ts.length === 0) return;
    var opts = {
      width: widthOf(el), height: height, ms: 1, tzDate: tzDate,
      cursor: { sync: { key: sync.key }, drag: { x: true, y: false } },
      scales: { x: { time: true } },
      axes: [{}, { label: yLabel, size: 70 }],
      series: [{ label: 'time (' + tz + ')' }].concat(series),
    };
    charts.push({ plot: new uPlot(opts, [eq.ts].concat(values), el), el: el });
  }
  var equitySeries = [{ label: 'equity USDT', stroke: '#2e5bff', width: 1.5, value: money }];
  var equityValues = [eq.equity];
  if (eq.wallet) {
    equitySeries.push({ label: 'wallet USDT', stroke: '#98a2b3', width: 1, dash: [4, 3], value: money });
    equityValues.push(eq.wallet);
  }
  if (eq.benchmark) {
    equitySeries.push({ label: 'buy & hold USDT', stroke: '#f79009', width: 1, value: money });
    equityValues.push(eq.benchmark);
  }
  chart('equity-chart', 320, equitySeries, equityValues, 'USDT');
  var negDrawdown = eq.drawdownPct.map(function (v) { return -v; });
  chart('drawdown-chart', 180, [{ label: 'drawdown %', stroke: '#c4320a', fill: 'rgba(196,50,10,0.15)', width: 1,
    value: function (u, v) { return v == null ? '' : v.toFixed(2) + ' %'; } }], [negDrawdown], '%');
  var resizeTimer = 0;
  window.addEventListener('resize', function () {
    cancelAnimationFrame(resizeTimer);
    resizeTimer = requestAnimationFrame(function () {
      charts.forEach(function (c) { c.plot.setSize({ width: widthOf(c.el), height: c.plot.height }); });
    });
  });

  // Candlestick charts with each trade's entry and exit, when the page carries candles.
  if (typeof LightweightCharts !== 'undefined') {
    var markersBySymbol = {};
    data.markers.forEach(function (m) {
      (markersBySymbol[m[0]] = markersBySymbol[m[0]] || []).push(m);
    });
    Array.prototype.forEach.call(document.querySelectorAll('.candles'), function (el) {
      var symbol = el.getAttribute('data-symbol');
      var rows = data.candles[symbol] || [];
      if (rows.length === 0) return;
      var times = rows.map(function (r) { return Math.floor(r[0] / 1000); });
      // The displayed candle a time falls in: the last one opening before it.
      var barOf = function (ts) {
        var t = Math.floor((ts - 1) / 1000), lo = 0, hi = times.length - 1;
        while (lo < hi) { var mid = (lo + hi + 1) >> 1; if (times[mid] <= t) lo = mid; else hi = mid - 1; }
        return times[lo];
      };
      var chart = LightweightCharts.createChart(el, {
        height: el.clientHeight || 260,
        layout: { background: { color: '#ffffff' }, textColor: '#1d2330' },
        grid: { vertLines: { color: '#f0f2f5' }, horzLines: { color: '#f0f2f5' } },
        timeScale: { timeVisible: true, secondsVisible: false },
      });
      var series = chart.addSeries(LightweightCharts.CandlestickSeries, {
        upColor: '#12805c', downColor: '#c4320a', wickUpColor: '#12805c', wickDownColor: '#c4320a', borderVisible: false,
      });
      series.setData(rows.map(function (r, i) { return { time: times[i], open: r[1], high: r[2], low: r[3], close: r[4] }; }));
      var marks = [];
      (markersBySymbol[symbol] || []).forEach(function (m) {
        var long = m[2] === 'LONG';
        marks.push({ time: barOf(m[1]), position: long ? 'belowBar' : 'aboveBar', color: long ? '#12805c' : '#c4320a',
          shape: long ? 'arrowUp' : 'arrowDown', text: long ? 'L' : 'S' });
        marks.push({ time: barOf(m[3]), position: long ? 'aboveBar' : 'belowBar', color: m[5] > 0 ? '#12805c' : '#c4320a',
          shape: 'circle', text: m[4] });
      });
      marks.sort(function (a, b) { return a.time - b.time; });
      LightweightCharts.createSeriesMarkers(series, marks);
      chart.timeScale().fitContent();
      el.setAttribute('data-rendered', String(rows.length));
      el.setAttribute('data-markers', String(marks.length));
    });
  }

  // Click a header to sort; cells carry their sort key in data-v (numbers) or their text.
  Array.prototype.forEach.call(document.querySelectorAll('table.sortable'), function (table) {
    var headers = table.querySelectorAll('th');
    Array.prototype.forEach.call(headers, function (th, col) {
      th.addEventListener('click', function () {
        var asc = th.getAttribute('aria-sort') !== 'ascending';
        Array.prototype.forEach.call(headers, function (h) { h.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        var key = function (row) {
          var cell = row.cells[col];
          var v = cell.getAttribute('data-v');
          return v === null ? cell.textContent : v === '' ? NaN : Number(v);
        };
        rows.sort(function (a, b) {
          var x = key(a), y = key(b), r;
          if (typeof x === 'number' && typeof y === 'number') {
            r = isNaN(x) ? (isNaN(y) ? 0 : 1) : isNaN(y) ? -1 : x - y;
            if (isNaN(x) || isNaN(y)) return r;
          } else r = String(x).localeCompare(String(y));
          return asc ? r : -r;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  });
})();
`;
