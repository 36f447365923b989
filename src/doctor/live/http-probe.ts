// Low-level probes for the live checks: one HTTP request that says *how* a hop failed (refused, DNS, TLS,
// accepted-but-silent, timeout) and a TCP connect that separates "nothing listens" from "something accepts
// and never answers" (a NetworkPolicy drop seen from the client, or a hung process). Every probe is bounded.

import { lookup } from 'node:dns/promises';
import { connect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { extraCaConnectOptions } from '../../http/extra-ca.js';
import { request } from 'undici';
import { classifyNetworkError, describeNetFailure, isTimeout, type NetFailureReason } from '../../http/net-errors.js';

export type ProbeOutcome = 'answered' | 'refused' | 'dns' | 'tls' | 'reset' | 'silent' | 'connect-timeout' | 'invalid-url' | 'error';

export interface HttpProbe {
  url: string;
  outcome: ProbeOutcome;
  status?: number;
  /** The body, parsed when JSON (never logged: may only be used for classification). */
  body?: unknown;
  text?: string;
  ms: number;
  /** The answer's Date header (the answering host's clock). */
  date?: string;
  /** What the socket said, for evidence. */
  detail?: string;
  reason?: NetFailureReason;
}

function outcomeOf(reason: NetFailureReason): ProbeOutcome {
  if (reason === 'refused') return 'refused';
  if (reason === 'dns') return 'dns';
  if (reason === 'tls') return 'tls';
  if (reason === 'reset') return 'reset';
  if (reason === 'connect_timeout') return 'connect-timeout';
  if (isTimeout(reason)) return 'silent';
  return 'error';
}

export async function probeHttp(url: string, opts: { timeoutMs: number; method?: 'GET' | 'POST'; headers?: Record<string, string>; body?: string }): Promise<HttpProbe> {
  const t0 = performance.now();
  const ms = () => Math.round(performance.now() - t0);
  try {
    new URL(url);
  } catch {
    return { url, outcome: 'invalid-url', ms: 0, detail: `"${url}" is not a valid URL` };
  }
  try {
    const res = await request(url, {
      method: opts.method ?? 'GET', headers: opts.headers, body: opts.body,
      signal: AbortSignal.timeout(opts.timeoutMs), headersTimeout: opts.timeoutMs, bodyTimeout: opts.timeoutMs,
    });
    const text = await res.body.text();
    let body: unknown;
    try { body = JSON.parse(text); } catch { /* not JSON */ }
    const date = typeof res.headers.date === 'string' ? res.headers.date : undefined;
    return { url, outcome: 'answered', status: res.statusCode, body, text: text.slice(0, 2000), ms: ms(), ...(date ? { date } : {}) };
  } catch (err) {
    const f = classifyNetworkError(err);
    // Our own deadline firing after the connection opened is "silent"; a TCP connect timing out is not.
    const reason = f.reason === 'aborted' || (f.reason === 'unknown' && (err as Error).name === 'TimeoutError') ? 'timeout' : f.reason;
    const detail = f.tls ? `${f.tls} (${describeNetFailure(f)})` : `${reason}${f.code ? ` (${f.code})` : ''}: ${f.message}`;
    return { url, outcome: outcomeOf(reason), ms: ms(), detail, reason };
  }
}

/**
 * The deadline of a socket probe. A probe's verdict ("no handshake", "silent") must come from the peer, not from
 * this process being stalled: when the event loop was blocked (a loaded machine), the timer runs before the
 * I/O that completed meanwhile is handled, and a listening peer was read as dropping packets (seen in CI at load
 * ~17: the doctor's step 4.1 blamed a NetworkPolicy). So a deadline that fires late by more than a tenth of its
 * time starts again once, and the verdict itself waits until the I/O already pending has been handled.
 */
export function probeDeadline(timeoutMs: number, fire: () => void): { clear(): void } {
  let due = performance.now() + timeoutMs;
  let rearmed = false;
  let immediate: NodeJS.Immediate | undefined;
  const onTimer = () => {
    if (!rearmed && performance.now() - due > Math.max(20, timeoutMs / 10)) {
      rearmed = true;
      due = performance.now() + timeoutMs;
      timer = setTimeout(onTimer, timeoutMs);
      return;
    }
    immediate = setImmediate(fire);
  };
  let timer = setTimeout(onTimer, timeoutMs);
  return {
    clear: () => {
      clearTimeout(timer);
      if (immediate) clearImmediate(immediate);
    },
  };
}

export type TcpOutcome = 'accepted' | 'refused' | 'connect-timeout' | 'dns' | 'error';

/** Opens (and closes) one TCP connection to the URL's host and port. */
export async function probeTcp(url: string, timeoutMs: number): Promise<{ outcome: TcpOutcome; ms: number; detail?: string }> {
  const t0 = performance.now();
  let u: URL;
  try { u = new URL(url); } catch { return { outcome: 'error', ms: 0, detail: 'invalid URL' }; }
  const port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
  const host = u.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve) => {
    const s = connect({ host, port });
    const done = (outcome: TcpOutcome, detail?: string) => { deadline.clear(); s.destroy(); resolve({ outcome, ms: Math.round(performance.now() - t0), detail }); };
    const deadline = probeDeadline(timeoutMs, () => done('connect-timeout', `no TCP handshake within ${timeoutMs} ms`));
    s.once('connect', () => done('accepted'));
    s.once('error', (err) => {
      const r = classifyNetworkError(err).reason;
      done(r === 'refused' ? 'refused' : r === 'dns' ? 'dns' : 'error', (err as Error).message);
    });
  });
}

export type ServerOutcome = 'answers' | 'silent' | 'refused' | 'connect-timeout' | 'dns' | 'tls' | 'closed' | 'error';

/**
 * Is there an HTTP server behind the address? Sends a request without a Host header, which HTTP/1.1 servers
 * (Go's net/http, Node's) reject with 400 themselves: an answer comes from the server at the address, never
 * from an upstream it proxies to, so a slow upstream cannot look like a dropped connection.
 */
export async function probeHttpServer(url: string, timeoutMs: number): Promise<{ outcome: ServerOutcome; ms: number; statusLine?: string; detail?: string }> {
  const t0 = performance.now();
  let u: URL;
  try { u = new URL(url); } catch { return { outcome: 'error', ms: 0, detail: 'invalid URL' }; }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return { outcome: 'error', ms: 0, detail: 'only http:// and https:// addresses are probed this way' };
  const https = u.protocol === 'https:';
  const port = Number(u.port || (https ? 443 : 80));
  const host = u.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve) => {
    // https: the request goes out once the handshake verified the certificate (with any extra CA this process trusts).
    const s: Socket = https ? tlsConnect({ host, port, ...(isIP(host) ? {} : { servername: host }), ...extraCaConnectOptions() }) : connect({ host, port });
    let connected = false;
    let got = '';
    const done = (outcome: ServerOutcome, extra: { statusLine?: string; detail?: string } = {}) => {
      deadline.clear(); s.destroy(); resolve({ outcome, ms: Math.round(performance.now() - t0), ...extra });
    };
    const deadline = probeDeadline(timeoutMs, () => done(connected ? 'silent' : 'connect-timeout'));
    s.once(https ? 'secureConnect' : 'connect', () => { connected = true; s.write('GET /obspath-doctor HTTP/1.1\r\nConnection: close\r\n\r\n'); });
    s.on('data', (d: Buffer) => { got += d.toString('latin1'); if (got.includes('\r\n')) done('answers', { statusLine: got.slice(0, got.indexOf('\r\n')) }); });
    s.once('end', () => done(got ? 'answers' : 'closed', got ? { statusLine: got.split('\r\n')[0] } : {}));
    s.once('error', (err) => {
      const f = classifyNetworkError(err);
      const r = f.reason;
      done(r === 'refused' ? 'refused' : r === 'dns' ? 'dns' : r === 'tls' ? 'tls' : connected ? 'closed' : 'error', { detail: f.tls ? `${f.tls} (${describeNetFailure(f)})` : (err as Error).message });
    });
  });
}

/** Resolves the URL's host name (IP literals trivially). */
export async function resolveHost(url: string, timeoutMs: number): Promise<{ ok: boolean; host: string; addresses: string[]; detail?: string }> {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) return { ok: true, host, addresses: [host] };
  try {
    const res = await Promise.race([
      lookup(host, { all: true }),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no DNS answer within ${timeoutMs} ms`)), timeoutMs).unref()),
    ]);
    return { ok: true, host, addresses: res.map((a) => a.address) };
  } catch (err) {
    return { ok: false, host, addresses: [], detail: (err as Error).message };
  }
}

/** A typed obspath error body ({status:"error", errorType, hop, reason}) or a Prometheus one. */
export interface ErrorBody { errorType?: string; error?: string; hop?: string; reason?: string }

export function errorBody(p: HttpProbe): ErrorBody | undefined {
  const b = p.body as Record<string, unknown> | undefined;
  if (!b || typeof b !== 'object' || b.status !== 'error') return undefined;
  const s = (k: string) => (typeof b[k] === 'string' ? (b[k] as string) : undefined);
  return { errorType: s('errorType'), error: s('error'), hop: s('hop'), reason: s('reason') };
}

/** "answered 502 upstream_unreachable (hop backend, refused) in 12 ms", "refused", ... */
export function describeProbe(p: HttpProbe): string {
  if (p.outcome !== 'answered') {
    const what: Record<ProbeOutcome, string> = {
      answered: '', refused: 'connection refused (nothing listens)', dns: 'the host name does not resolve', tls: 'TLS failed',
      reset: 'connection reset', silent: `accepted the connection but sent no answer within ${p.ms} ms`, 'connect-timeout': `no TCP connection within ${p.ms} ms`,
      'invalid-url': 'not a valid URL', error: 'request failed',
    };
    return `${what[p.outcome]}${p.detail && p.outcome !== 'silent' ? ` [${p.detail}]` : ''}`;
  }
  const e = errorBody(p);
  const parts = e ? [e.errorType, e.hop && `hop ${e.hop}`, e.reason].filter(Boolean).join(', ') : '';
  return `answered ${p.status}${parts ? ` (${parts})` : ''} in ${p.ms} ms`;
}
