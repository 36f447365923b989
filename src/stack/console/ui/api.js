// The console's JSON API, from the page's own origin only. Every call has a deadline; an error comes back as
// { ok: false, status, error } with the message the server put in its Prometheus-shaped body.

const DEFAULT_TIMEOUT_MS = 8000;

/** @returns {Promise<{ ok: true, status: number, data: any } | { ok: false, status: number, error: string, body?: any }>} */
export async function call(method, path, { timeoutMs = DEFAULT_TIMEOUT_MS } = {}) {
  let res;
  try {
    res = await fetch(path, { method, headers: { accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs), cache: 'no-store' });
  } catch (err) {
    const why = err && err.name === 'TimeoutError' ? `no answer within ${timeoutMs / 1000} s` : 'the console did not answer (is `obspath up` still running?)';
    return { ok: false, status: 0, error: why };
  }
  let body;
  try {
    body = await res.json();
  } catch {
    return { ok: false, status: res.status, error: `${method} ${path}: answered ${res.status} without JSON` };
  }
  if (!res.ok || body.status !== 'success') {
    const hop = body.hop ? ` [hop: ${body.hop}]` : '';
    return { ok: false, status: res.status, error: `${body.error || `${method} ${path}: ${res.status}`}${hop}`, body };
  }
  return { ok: true, status: res.status, data: body.data };
}

export const get = (path, opts) => call('GET', path, opts);

/** The doctor's report is its own JSON schema (not the {status, data} envelope). */
export async function getVerdict() {
  try {
    const res = await fetch('/api/v1/doctor/verdict', { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(DEFAULT_TIMEOUT_MS), cache: 'no-store' });
    const body = await res.json();
    if (res.ok) return { ok: true, report: body };
    return { ok: false, status: res.status, error: body.error || String(res.status), noReport: res.status === 404 };
  } catch (err) {
    return { ok: false, status: 0, error: String(err && err.message) };
  }
}

/** Repeats `fn` every `ms` while the page is open; the next call starts only when the last one ended. */
export function every(ms, fn) {
  let stopped = false;
  let timer;
  const tick = async () => {
    try {
      await fn();
    } finally {
      if (!stopped) timer = setTimeout(tick, ms);
    }
  };
  tick();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

/** "12:03:04" in the viewer's time zone. */
export function clock(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleTimeString([], { hour12: false });
}

/** "5 s ago", "3 min ago", "2 h ago". */
export function ago(iso, now = Date.now()) {
  const s = Math.max(0, Math.round((now - new Date(iso).getTime()) / 1000));
  if (!Number.isFinite(s)) return '';
  if (s < 90) return `${s} s ago`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min ago`;
  return `${Math.round(s / 3600)} h ago`;
}
