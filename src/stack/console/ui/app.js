// The console's page: the path live (GET /api/v1/status every 1.5 s), charts from the stack's store, the
// alerts, the doctor's verdict, the fault catalog and the timeline. Preact views written with htm (no build step).
import { html, render, useCallback, useEffect, useState } from '{{preact.js}}';
import { clock, every, get, getVerdict } from './api.js';
import { Charts } from './charts.js';
import { PathDiagram, pathSummary } from './diagram.js';
import { FaultCatalog } from './faults.js';
import { AlertsPanel, Timeline, VerdictPanel } from './panels.js';

const STATUS_EVERY_MS = 1500;
const EVENTS_EVERY_MS = 2000;
const FAULTS_EVERY_MS = 5000;
/** Used only when the status has no verdict field: doctor serve through the console's proxy. */
const VERDICT_EVERY_MS = 5000;

function useStatus() {
  const [status, setStatus] = useState({ hops: [], alerts: [], faults: [], verdict: null, loaded: false });
  const [error, setError] = useState(null);
  const [updated, setUpdated] = useState(null);
  const load = useCallback(async () => {
    const r = await get('/api/v1/status');
    if (!r.ok) return setError(`Status unavailable: ${r.error}`);
    setError(null);
    setStatus({ ...r.data, loaded: true });
    setUpdated(new Date().toISOString());
  }, []);
  useEffect(() => every(STATUS_EVERY_MS, load), []);
  return { status, error, updated, load };
}

function useFaults() {
  const [faults, setFaults] = useState([]);
  const [error, setError] = useState(null);
  const load = useCallback(async () => {
    const r = await get('/api/v1/faults');
    if (!r.ok) return setError(`Fault catalog unavailable: ${r.error}`);
    setError(null);
    setFaults(r.data.faults);
  }, []);
  useEffect(() => every(FAULTS_EVERY_MS, load), []);
  return { faults, error, load };
}

/** The timeline: polls ?since=<last seq seen>, keeps the newest 500. */
function useEvents() {
  const [events, setEvents] = useState([]);
  const [error, setError] = useState(null);
  useEffect(() => {
    let last = 0;
    return every(EVENTS_EVERY_MS, async () => {
      const r = await get(`/api/v1/events?since=${last}`);
      if (!r.ok) return setError(`Timeline unavailable: ${r.error}`);
      setError(null);
      // A restarted `obspath up` numbers from 1 again: start over.
      if (r.data.lastSeq < last) {
        last = 0;
        setEvents([]);
        return;
      }
      last = r.data.lastSeq;
      if (r.data.events.length) setEvents((old) => [...old, ...r.data.events].slice(-500));
    });
  }, []);
  return { events, error };
}

/** The status carries the doctor's verdict; a status without that field: the doctor is asked through the proxy. */
function useVerdict(status) {
  const [proxied, setProxied] = useState({ report: null, error: null });
  const needProxy = status.loaded && !('verdict' in status);
  const fromStatus = status.verdict ?? null;
  useEffect(() => {
    if (!needProxy) return undefined;
    return every(VERDICT_EVERY_MS, async () => {
      const r = await getVerdict();
      setProxied(r.ok ? { report: r.report, error: null } : { report: null, error: r.noReport ? null : `Verdict unavailable: ${r.error}` });
    });
  }, [needProxy]);
  return needProxy ? proxied : { report: fromStatus, error: null };
}

function App() {
  const { status, error: statusError, updated, load: reloadStatus } = useStatus();
  const { faults, error: faultsError, load: reloadFaults } = useFaults();
  const { events, error: eventsError } = useEvents();
  const verdict = useVerdict(status);
  const reload = () => Promise.all([reloadFaults(), reloadStatus()]);
  const bad = status.hops.some((h) => h.state === 'down' || h.state === 'degraded');
  return html`
    <header class="top">
      <h1>obspath console</h1>
      <p class=${`summary ${bad ? 'bad' : status.hops.length ? 'good' : ''}`} role="status" aria-live="polite" data-summary>
        <span aria-hidden="true">${bad ? '✕ ' : status.hops.length ? '✓ ' : ''}</span>${pathSummary(status.hops)}
        ${status.faults?.length ? ` · faults in effect: ${status.faults.join(', ')}` : ''}
      </p>
      <p class="meta">${statusError ? html`<span class="error">${statusError}</span>` : updated ? `updated ${clock(updated)}` : 'connecting…'}</p>
    </header>
    <main>
      <section class="panel path-panel" aria-labelledby="path-h">
        <h2 id="path-h">The path</h2>
        <p class="meta">Hover or focus a hop for the reason of its state.</p>
        <${PathDiagram} hops=${status.hops} />
      </section>
      <div class="columns">
        <div class="col-main">
          <${Charts} />
          <${FaultCatalog} faults=${faults} error=${faultsError} reload=${reload} />
        </div>
        <div class="col-side">
          <${VerdictPanel} report=${verdict.report} error=${verdict.error} />
          <${AlertsPanel} alerts=${status.alerts || []} error=${statusError} />
          <${Timeline} events=${events} error=${eventsError} />
        </div>
      </div>
    </main>`;
}

const root = document.getElementById('app');
root.textContent = '';
render(html`<${App} />`, root);
