// Time series from the stack's own store (through the console's /api/v1/store proxy), drawn with uPlot
// (window.uPlot, loaded by index.html). The metric names are those the components export and the alert rules use.
import { html, useEffect, useRef, useState } from '{{preact.js}}';
import { every, get } from './api.js';

// `zero(x)`: a 0 series where `x` has none yet (a healthy stack has no code-0 or refresh-error series): the
// chart then shows "0", not "no data". The same trick as deploy/prometheus/alerts.yaml's probe rule.
const FLEET = 'kas_fleet_manager_observatorium_request_count';
const zeroUnless = (expr, base) => `${expr} or (sum(rate(${base}[$w])) * 0 unless on() ${expr})`;

export const CHARTS = [
  {
    id: 'fleet-codes', title: 'Fleet manager → Observatorium: requests/s by code', unit: 'req/s',
    query: `sum by (code) (rate(${FLEET}{code!="0"}[$w]))`, label: (m) => `code ${m.code}`,
  },
  {
    id: 'fleet-no-answer', title: 'Fleet manager: requests with no answer (code 0)/s, by reason', unit: 'req/s',
    query: zeroUnless('sum by (reason) (rate(kas_fleet_manager_observatorium_request_failures_total[$w]))', FLEET), label: (m) => m.reason || 'no answer',
  },
  {
    id: 'api-codes', title: 'Observatorium API: requests/s by code', unit: 'req/s',
    query: 'sum by (code) (rate(http_requests_total{job="observatorium-api"}[$w]))', label: (m) => `code ${m.code}`,
  },
  {
    id: 'token-expiry', title: 'Token refresher: held token expires in (s)', unit: 's',
    query: 'clamp_min(max(token_refresher_token_expiry_timestamp_seconds{job="token-refresher"}) - time(), 0)', label: () => 'expires in',
  },
  {
    id: 'refresh-errors', title: 'Token refresher: refresh errors/s, by reason', unit: 'err/s',
    query: zeroUnless('sum by (reason) (rate(token_refresher_token_refresh_errors_total{job="token-refresher"}[$w]))', 'token_refresher_token_refresh_total'), label: (m) => m.reason || 'errors',
  },
  {
    id: 'probe-success', title: 'Probe: last round succeeded (1) or failed (0)', unit: '',
    query: 'max(up_probe_success{job="probe"})', label: () => 'success',
  },
];

export const RANGES = [
  { id: '5m', seconds: 300 }, { id: '15m', seconds: 900 }, { id: '1h', seconds: 3600 }, { id: '3h', seconds: 10800 }, { id: '6h', seconds: 21600 },
];

/** ~120 points per chart, never finer than the stack's 5 s scrape; rate windows span at least 4 scrapes. */
function stepFor(seconds) {
  return Math.max(5, Math.ceil(seconds / 120 / 5) * 5);
}

// By status class (2xx green, 4xx amber, 5xx red), a darker shade for each further code of the class.
const CODE_COLORS = { 2: ['#2da44e', '#1b7c83', '#116329'], 3: ['#0969da'], 4: ['#d4a72c', '#bc4c00', '#9a6700'], 5: ['#cf222e', '#a40e26', '#82071e'] };
const CODE_SHADE = { 200: 0, 204: 1, 206: 2, 400: 1, 401: 1, 403: 2, 404: 0, 429: 2, 500: 0, 502: 1, 503: 2, 504: 1 };
const PALETTE = ['#0969da', '#8250df', '#bf3989', '#1a7f37', '#9a6700', '#cf222e', '#57606a'];

function colorFor(label, i) {
  const m = /^code (\d)/.exec(label);
  if (m && CODE_COLORS[m[1]]) {
    const shades = CODE_COLORS[m[1]];
    return shades[(CODE_SHADE[/\d+/.exec(label)[0]] ?? 0) % shades.length];
  }
  return PALETTE[i % PALETTE.length];
}

/** A Prometheus matrix as uPlot's aligned columns: one x per step, null where a series has no sample. */
export function toColumns(result, start, end, step, label) {
  const xs = [];
  for (let t = start; t <= end + 1e-9; t += step) xs.push(Math.round(t * 1000) / 1000);
  const index = new Map(xs.map((t, i) => [t, i]));
  const series = result.map((s, i) => {
    const ys = new Array(xs.length).fill(null);
    for (const [t, v] of s.values) {
      const at = index.get(Math.round(Number(t) * 1000) / 1000);
      if (at !== undefined) ys[at] = Number(v);
    }
    return { label: label(s.metric), ys, color: colorFor(label(s.metric), i) };
  }).sort((a, b) => a.label.localeCompare(b.label));
  return { xs, series };
}

function cssVar(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}

function plotOptions(spec, cols, width) {
  const fg = cssVar('--muted');
  const grid = cssVar('--grid');
  const axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
  return {
    width, height: 150,
    legend: { show: true, live: true },
    cursor: { drag: { x: false, y: false } },
    scales: { x: { time: true }, y: { range: (_u, min, max) => [Math.min(0, min), max > 0 ? max * 1.1 : 1] } },
    axes: [axis, { ...axis, size: 52, label: spec.unit || undefined, labelSize: 14 }],
    series: [{}, ...cols.series.map((s) => ({ label: s.label, stroke: s.color, width: 1.5, points: { show: false } }))],
  };
}

/** One chart; keeps its uPlot instance while the series stay the same, re-creates it when they change. */
function Chart({ spec, cols, error, theme }) {
  const box = useRef(null);
  const plot = useRef(null);
  const shape = useRef('');
  useEffect(() => {
    const el = box.current;
    const U = window.uPlot;
    if (!el || !U || !cols || cols.series.length === 0) {
      plot.current?.destroy();
      plot.current = null;
      return;
    }
    const data = [cols.xs, ...cols.series.map((s) => s.ys)];
    const key = `${theme}|${cols.series.map((s) => s.label).join(',')}`;
    if (plot.current && shape.current === key) {
      plot.current.setData(data);
      return;
    }
    plot.current?.destroy();
    plot.current = new U(plotOptions(spec, cols, Math.max(200, el.clientWidth)), data, el);
    shape.current = key;
  }, [cols, theme]);
  useEffect(() => {
    const el = box.current;
    if (!el || typeof ResizeObserver === 'undefined') return undefined;
    const ro = new ResizeObserver(() => plot.current?.setSize({ width: Math.max(200, el.clientWidth), height: 150 }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, []);
  const points = cols ? cols.series.reduce((n, s) => n + s.ys.filter((v) => v !== null).length, 0) : 0;
  const empty = !error && cols && cols.series.length === 0;
  return html`
    <figure class="chart" data-chart=${spec.id} data-series=${cols ? cols.series.length : 0} data-points=${points}>
      <figcaption>${spec.title}</figcaption>
      <div class="plot" ref=${box}></div>
      ${error ? html`<p class="chart-msg error" role="status">${error}</p>` : null}
      ${empty ? html`<p class="chart-msg">No samples in this range yet.</p>` : null}
      ${!cols && !error ? html`<p class="chart-msg">Loading…</p>` : null}
    </figure>`;
}

function useTheme() {
  const mq = window.matchMedia('(prefers-color-scheme: dark)');
  const [dark, setDark] = useState(mq.matches);
  useEffect(() => {
    const on = () => setDark(mq.matches);
    mq.addEventListener('change', on);
    return () => mq.removeEventListener('change', on);
  }, []);
  return dark ? 'dark' : 'light';
}

async function fetchChart(spec, range) {
  const end = Math.floor(Date.now() / 1000 / 5) * 5;
  const step = stepFor(range.seconds);
  const start = end - range.seconds;
  const w = `${Math.max(60, 4 * step)}s`;
  const q = new URLSearchParams({ query: spec.query.split('$w').join(w), start: String(start), end: String(end), step: String(step) });
  const r = await get(`/api/v1/store/query_range?${q}`);
  if (!r.ok) return { error: r.error };
  return { cols: toColumns(r.data.result, start, end, step, spec.label) };
}

/** The range picker and the charts, refreshed every 5 s (the stack scrapes every 5 s). */
export function Charts() {
  const [range, setRange] = useState(RANGES[0]);
  const [results, setResults] = useState({});
  const theme = useTheme();
  useEffect(() => every(5000, async () => {
    const all = await Promise.all(CHARTS.map((c) => fetchChart(c, range)));
    setResults(Object.fromEntries(CHARTS.map((c, i) => [c.id, all[i]])));
  }), [range]);
  return html`
    <section class="panel charts" aria-labelledby="charts-h">
      <div class="panel-head">
        <h2 id="charts-h">Metrics from the stack's store</h2>
        <div class="range" role="group" aria-label="Time range">
          ${RANGES.map((r) => html`<button type="button" aria-pressed=${r.id === range.id ? 'true' : 'false'} onClick=${() => setRange(r)}>${r.id}</button>`)}
        </div>
      </div>
      <div class="chart-grid">
        ${CHARTS.map((c) => html`<${Chart} key=${c.id} spec=${c} cols=${results[c.id]?.cols} error=${results[c.id]?.error} theme=${theme} />`)}
      </div>
    </section>`;
}
