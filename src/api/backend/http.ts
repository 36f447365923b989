// An HTTP backend: Prometheus, VictoriaMetrics, Thanos or Mimir. Requests carry the tenant header; answers
// pass through (status, headers, streamed body); transport failures become typed 502/504 errors.
import { Pool, request, type Dispatcher } from 'undici';
import { Deadline, type CancelSignal } from '../../http/deadline.js';
import type { ClientTls } from '../../http/tls-client.js';
import { HttpError } from '../../http/errors.js';
import { isPlainPath } from '../../http/request-target.js';
import { classifyNetworkError, describeNetFailure, isTimeout } from '../../http/net-errors.js';
import type { Backend, BackendHealth, BackendResponse, ReadCall, WriteCall } from './types.js';
import { readPath } from './types.js';

export interface HttpBackendOptions {
  /** CA and client certificate for an https backend (--metrics.tls.*). */
  tls?: ClientTls;
  readEndpoint?: string;
  writeEndpoint?: string;
  tenantHeader: string;
  /** Bound on connecting to the backend (ms). */
  connectTimeoutMs: number;
  /** Bound on the whole request, headers and body (ms). */
  timeoutMs: number;
  onProxy?: (proxy: string, method: string) => void;
}

const DROP_RESPONSE = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

function passHeaders(h: Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const k in h) {
    const v = h[k];
    if (v !== undefined && !DROP_RESPONSE.has(k)) out[k] = v;
  }
  return out;
}

/** The path of a URL to send to its origin's Pool: as given when URL parsing would leave it as it is (see isPlainPath), else as URL parsing writes it. */
function targetPath(url: string, origin: string): string {
  const path = url.slice(origin.length);
  if (url.startsWith(origin) && isPlainPath(path)) return path;
  const u = new URL(url);
  return `${u.pathname}${u.search}`;
}

/** Base URL without a trailing slash. */
function base(u: string): string {
  return u.replace(/\/+$/, '');
}

/**
 * The write URL: an endpoint given with a path is used as it is (Prometheus: .../api/v1/write); a bare
 * origin gets Thanos receive's /api/v1/receive, as the Go API does.
 */
export function writeUrl(endpoint: string): string {
  const u = new URL(endpoint);
  return u.pathname === '/' || u.pathname === '' ? `${u.origin}/api/v1/receive${u.search}` : endpoint;
}

/** Where an endpoint's requests go: its origin's Pool, and the host that errors name. */
interface Target {
  origin: string;
  host: string;
  pool: Pool;
}

export class HttpBackend implements Backend {
  readonly kind = 'http';
  readonly hasRules: boolean;
  readonly canRead: boolean;
  readonly canWrite: boolean;
  readonly acceptsParsedQuery = false;
  /** One Pool per backend origin (read and write may share one): no per-call origin lookup and URL parse, as an Agent does. */
  private readonly pools = new Map<string, Pool>();
  private readonly read_: string | undefined;
  private readonly write_: string | undefined;
  private readonly readTarget: Target | undefined;
  private readonly writeTarget: Target | undefined;
  private lastCheck: { at: number; result: BackendHealth } | null = null;

  constructor(private readonly opts: HttpBackendOptions) {
    this.read_ = opts.readEndpoint ? base(opts.readEndpoint) : undefined;
    this.write_ = opts.writeEndpoint ? writeUrl(opts.writeEndpoint) : undefined;
    this.readTarget = this.read_ ? this.target(this.read_) : undefined;
    this.writeTarget = this.write_ ? this.target(this.write_) : undefined;
    this.canRead = this.read_ !== undefined;
    this.canWrite = this.write_ !== undefined;
    this.hasRules = this.canRead;
  }

  /** The Pool of an endpoint's origin, made on first use; the exact deadline is send()'s own timer. */
  private target(endpoint: string): Target {
    const { origin, host } = new URL(endpoint);
    let pool = this.pools.get(origin);
    if (!pool) {
      // undici's timers (coarse, ~1 s steps above 1 s) are a backstop set later, so they never fire first.
      pool = new Pool(origin, {
        connect: { timeout: this.opts.connectTimeoutMs, ...(this.opts.tls ?? {}) },
        headersTimeout: this.opts.timeoutMs + 1000,
        bodyTimeout: this.opts.timeoutMs + 1000,
        keepAliveTimeout: 30_000,
        connections: 512,
      });
      this.pools.set(origin, pool);
    }
    return { origin, host, pool };
  }

  /**
   * One backend request within the deadline (--metrics.write-timeout), headers and body, timed by our own
   * timer; `init.signal` (the caller went away) aborts it too.
   */
  private async send(url: string, { origin, host, pool }: Target, proxy: string, init: { method: Dispatcher.HttpMethod; headers: Record<string, string>; body?: string | Buffer; signal: CancelSignal }): Promise<BackendResponse> {
    this.opts.onProxy?.(proxy, init.method);
    const ms = this.opts.timeoutMs;
    const deadline = new Deadline(ms, () => new DOMException(`backend deadline of ${ms} ms`, 'TimeoutError')).unref().follow(init.signal);
    let res: Dispatcher.ResponseData;
    try {
      res = await pool.request({ origin, path: targetPath(url, origin), method: init.method, headers: init.headers, body: init.body, signal: deadline.signal });
    } catch (err) {
      deadline.clear();
      const f = classifyNetworkError(err);
      // A caller that went away is reported as before: a timeout, which nobody is left to read.
      const reason = deadline.aborted ? 'timeout' : f.reason;
      if (isTimeout(reason)) {
        throw new HttpError(504, 'upstream_timeout', `backend ${host} did not answer within the request deadline of ${this.opts.timeoutMs} ms (${reason})`, {
          hop: 'backend', reason, upstream: host,
        });
      }
      throw new HttpError(502, 'upstream_unreachable', `cannot reach backend ${host}: ${describeNetFailure(f)}: ${f.message}`, {
        hop: 'backend', reason: f.reason, upstream: host, ...(f.tls ? { tls: f.tls } : {}),
      });
    }
    // The deadline covers the body too: the timer ends with the body, whichever way it ends.
    res.body.once('close', () => deadline.clear());
    return { status: res.statusCode, headers: passHeaders(res.headers), body: res.body };
  }

  async read(call: ReadCall): Promise<BackendResponse> {
    if (!this.read_) throw new HttpError(404, 'not_found', 'no read endpoint configured (--metrics.read.endpoint)', { hop: 'api' });
    const headers: Record<string, string> = { ...call.headers, [this.opts.tenantHeader]: call.tenantId };
    const path = readPath(call);
    const proxy = call.endpoint === 'query' || call.endpoint === 'query_range' ? 'metricsv1-query' : 'metricsv1-read';
    // Prometheus serves label values on GET only.
    if (call.method === 'GET' || call.endpoint === 'label_values') {
      const qs = call.params.toString();
      return this.send(`${this.read_}${path}${qs ? `?${qs}` : ''}`, this.readTarget!, proxy, { method: 'GET', headers, signal: call.signal });
    }
    headers['content-type'] = 'application/x-www-form-urlencoded';
    return this.send(`${this.read_}${path}`, this.readTarget!, proxy, { method: 'POST', headers, body: call.params.toString(), signal: call.signal });
  }

  async write(call: WriteCall): Promise<BackendResponse> {
    if (!this.write_) throw new HttpError(404, 'not_found', 'no write endpoint configured (--metrics.write.endpoint)', { hop: 'api' });
    const headers: Record<string, string> = { ...call.headers, [this.opts.tenantHeader]: call.tenantId };
    return this.send(this.write_, this.writeTarget!, 'metricsv1-write', { method: 'POST', headers, body: call.body, signal: call.signal });
  }

  /** Reachable = every configured endpoint answers HTTP (any status below 500). Cached for 2 s. */
  async check(): Promise<BackendHealth> {
    if (this.lastCheck && Date.now() - this.lastCheck.at < 2000) return this.lastCheck.result;
    const probe = async (url: string, { host, pool }: Target): Promise<string | null> => {
      try {
        // A backend slower than the request deadline is of no use: the probe has that bound too.
        const res = await request(url, { method: 'GET', dispatcher: pool, signal: AbortSignal.timeout(Math.min(2000, this.opts.timeoutMs)) });
        await res.body.dump();
        return res.statusCode >= 500 ? `backend ${host} answered ${res.statusCode}` : null;
      } catch (err) {
        const f = classifyNetworkError(err);
        return `backend ${host} unreachable: ${f.reason}${f.code ? ` (${f.code})` : ''}`;
      }
    };
    const problems = (await Promise.all([
      this.read_ ? probe(`${this.read_}/api/v1/query?query=1`, this.readTarget!) : null,
      this.write_ ? probe(this.write_, this.writeTarget!) : null,
    ])).filter((p): p is string => p !== null);
    const result: BackendHealth = problems.length === 0 ? { ok: true } : { ok: false, reason: 'backend_unreachable', error: problems.join('; ') };
    this.lastCheck = { at: Date.now(), result };
    return result;
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.close()));
  }
}
