// An HTTP backend: Prometheus, VictoriaMetrics, Thanos or Mimir. Requests carry the tenant header; answers
// pass through (status, headers, streamed body); transport failures become typed 502/504 errors.
import { Agent, request, type Dispatcher } from 'undici';
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

/** Origins (from the configuration, so few) known to be written as URL parsing writes them. */
const normalOrigins = new Map<string, boolean>();

function isNormalOrigin(origin: string): boolean {
  let ok = normalOrigins.get(origin);
  if (ok === undefined) {
    try {
      ok = new URL(origin).origin === origin;
    } catch {
      ok = false;
    }
    if (normalOrigins.size < 64) normalOrigins.set(origin, ok);
  }
  return ok;
}

/** Origin and path of a URL that URL parsing would leave as it is (see isPlainPath), else undefined. */
function plainTarget(url: string): { origin: string; path: string } | undefined {
  const slash = url.indexOf('/', url.indexOf('//') + 2);
  if (slash < 0) return undefined;
  const origin = url.slice(0, slash);
  const path = url.slice(slash);
  return isPlainPath(path) && isNormalOrigin(origin) ? { origin, path } : undefined;
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

export class HttpBackend implements Backend {
  readonly kind = 'http';
  readonly hasRules: boolean;
  readonly canRead: boolean;
  readonly canWrite: boolean;
  readonly acceptsParsedQuery = false;
  private readonly agent: Agent;
  private readonly read_: string | undefined;
  private readonly write_: string | undefined;
  private readonly readHost: string;
  private readonly writeHost: string;
  private lastCheck: { at: number; result: BackendHealth } | null = null;

  constructor(private readonly opts: HttpBackendOptions) {
    this.read_ = opts.readEndpoint ? base(opts.readEndpoint) : undefined;
    this.write_ = opts.writeEndpoint ? writeUrl(opts.writeEndpoint) : undefined;
    this.readHost = this.read_ ? new URL(this.read_).host : '';
    this.writeHost = this.write_ ? new URL(this.write_).host : '';
    this.canRead = this.read_ !== undefined;
    this.canWrite = this.write_ !== undefined;
    this.hasRules = this.canRead;
    // The exact deadline is send()'s own timer; undici's timers (coarse, ~1 s steps above 1 s) are a
    // backstop set later, so they never fire first.
    this.agent = new Agent({
      connect: { timeout: opts.connectTimeoutMs, ...(opts.tls ?? {}) },
      headersTimeout: opts.timeoutMs + 1000,
      bodyTimeout: opts.timeoutMs + 1000,
      keepAliveTimeout: 30_000,
      connections: 512,
    });
  }

  /**
   * One backend request within the deadline (--metrics.write-timeout), headers and body, timed by our own
   * timer; `init.signal` (the caller went away) aborts it too.
   */
  private async send(url: string, host: string, proxy: string, init: { method: Dispatcher.HttpMethod; headers: Record<string, string>; body?: string | Buffer; signal: CancelSignal }): Promise<BackendResponse> {
    this.opts.onProxy?.(proxy, init.method);
    const ms = this.opts.timeoutMs;
    const deadline = new Deadline(ms, () => new DOMException(`backend deadline of ${ms} ms`, 'TimeoutError')).unref().follow(init.signal);
    let res: Dispatcher.ResponseData;
    try {
      const options = { method: init.method, headers: init.headers, body: init.body, signal: deadline.signal };
      const split = plainTarget(url);
      res = split ? await this.agent.request({ ...options, ...split }) : await request(url, { ...options, dispatcher: this.agent });
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
      return this.send(`${this.read_}${path}${qs ? `?${qs}` : ''}`, this.readHost, proxy, { method: 'GET', headers, signal: call.signal });
    }
    headers['content-type'] = 'application/x-www-form-urlencoded';
    return this.send(`${this.read_}${path}`, this.readHost, proxy, { method: 'POST', headers, body: call.params.toString(), signal: call.signal });
  }

  async write(call: WriteCall): Promise<BackendResponse> {
    if (!this.write_) throw new HttpError(404, 'not_found', 'no write endpoint configured (--metrics.write.endpoint)', { hop: 'api' });
    const headers: Record<string, string> = { ...call.headers, [this.opts.tenantHeader]: call.tenantId };
    return this.send(this.write_, this.writeHost, 'metricsv1-write', { method: 'POST', headers, body: call.body, signal: call.signal });
  }

  /** Reachable = every configured endpoint answers HTTP (any status below 500). Cached for 2 s. */
  async check(): Promise<BackendHealth> {
    if (this.lastCheck && Date.now() - this.lastCheck.at < 2000) return this.lastCheck.result;
    const probe = async (url: string, host: string): Promise<string | null> => {
      try {
        // A backend slower than the request deadline is of no use: the probe has that bound too.
        const res = await request(url, { method: 'GET', dispatcher: this.agent, signal: AbortSignal.timeout(Math.min(2000, this.opts.timeoutMs)) });
        await res.body.dump();
        return res.statusCode >= 500 ? `backend ${host} answered ${res.statusCode}` : null;
      } catch (err) {
        const f = classifyNetworkError(err);
        return `backend ${host} unreachable: ${f.reason}${f.code ? ` (${f.code})` : ''}`;
      }
    };
    const problems = (await Promise.all([
      this.read_ ? probe(`${this.read_}/api/v1/query?query=1`, this.readHost) : null,
      this.write_ ? probe(this.write_, this.writeHost) : null,
    ])).filter((p): p is string => p !== null);
    const result: BackendHealth = problems.length === 0 ? { ok: true } : { ok: false, reason: 'backend_unreachable', error: problems.join('; ') };
    this.lastCheck = { at: Date.now(), result };
    return result;
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}
