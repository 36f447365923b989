// The metrics routes under /api/metrics/v1/{tenant}. One pipeline per request, in the Go API's order:
// in-flight cap, tenant, authentication, rate limit, RBAC, enforcement, backend. Every refusal is a
// Prometheus-shaped JSON error naming the hop and the cause, counted in the request metrics and in
// observatorium_api_requests_rejected_total{reason}.
import { Readable, Transform, pipeline } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpError, errorTypeForStatus, type Hop } from '../http/errors.js';
import { isSuccess, wrapUpstreamError } from '../http/upstream-error.js';
import { AuthError } from './authentication/errors.js';
import type { Backend, BackendResponse } from './backend/types.js';
import { enforceReadParams, type EnforcedRead, type ReadEndpoint } from './enforcement/params.js';
import { WriteRewriteError, rewriteRemoteWrite, type RewriteStats } from './enforcement/remote-write.js';
import { filterRulesBody } from './enforcement/rules.js';
import { Engine } from '../promql/engine.js';
import { handleMeta, type MetaEndpoint } from '../promapi/index.js';
import type { ApiMetrics, RejectReason } from './metrics.js';
import type { RateLimiter } from './ratelimit/limiter.js';
import type { ApiState, TenantRuntime } from './state.js';

export interface RoutesOptions {
  state: ApiState;
  backend: Backend;
  metrics: ApiMetrics;
  limiter: RateLimiter;
  tenantLabel: string;
  deadlineMs: number;
  maxBodySize: number;
  maxDecompressedSize: number;
  concurrentRequestLimit: number;
}

interface Ctx {
  handler: string;
  tenant: string;
  reject: RejectReason | null;
  responseBytes: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    obs: Ctx;
  }
}

export const PREFIX = '/api/metrics/v1/:tenant';
const READ_ROUTES: Array<[string, ReadEndpoint]> = [
  ['/api/v1/query', 'query'],
  ['/api/v1/query_range', 'query_range'],
  ['/api/v1/series', 'series'],
  ['/api/v1/labels', 'label_names'],
  ['/api/v1/label/:name/values', 'label_values'],
  ['/api/v1/rules', 'rules'],
  ['/api/v1/alerts', 'alerts'],
  ['/api/v1/query_exemplars', 'query_exemplars'],
  ['/api/v1/status/buildinfo', 'buildinfo'],
  ['/api/v1/status/runtimeinfo', 'runtimeinfo'],
];
/** Endpoints of Prometheus's API served only with GET. */
const GET_ONLY: ReadonlySet<ReadEndpoint> = new Set(['rules', 'alerts', 'buildinfo', 'runtimeinfo']);
// Answered by the API itself: they read no tenant data (metadata: remote write 1.0 carries none we keep;
// format/parse: the caller's own query text, parsed and printed by our PromQL parser whatever the backend).
const LOCAL_ROUTES: ReadonlyArray<[string, MetaEndpoint]> = [
  ['/api/v1/metadata', 'metadata'],
  ['/api/v1/format_query', 'format_query'],
  ['/api/v1/parse_query', 'parse_query'],
];

function reject(req: FastifyRequest, reason: RejectReason, err: HttpError): never {
  req.obs.reject = reason;
  throw err;
}

/** Strips characters that cannot go in a quoted-string header parameter. */
const headerSafe = (s: string) => s.replace(/[^\x20-\x7e]|["\\]/g, "'").slice(0, 300);

function bearerToken(req: FastifyRequest, tenant: string): string {
  let h = req.headers.authorization;
  if (!h) {
    const fwd = req.headers['x-forwarded-access-token'];
    if (typeof fwd === 'string' && fwd !== '') return fwd;
    reject(req, 'auth', new HttpError(401, 'unauthorized', `auth: no bearer token for tenant "${tenant}": send Authorization: Bearer <token>`, {
      hop: 'auth', reason: 'missing_token', headers: { 'www-authenticate': `Bearer realm="${tenant}"` },
    }));
  }
  h = h.trim();
  const sp = h.indexOf(' ');
  const token = sp > 0 ? h.slice(sp + 1).trim() : '';
  if (sp < 0 || h.slice(0, sp).toLowerCase() !== 'bearer' || token === '' || token.includes(' ')) {
    reject(req, 'auth', new HttpError(401, 'unauthorized', 'auth: invalid Authorization header: expected "Bearer <token>"', {
      hop: 'auth', reason: 'malformed_header', headers: { 'www-authenticate': `Bearer realm="${tenant}", error="invalid_request"` },
    }));
  }
  return token;
}

export function registerRoutes(app: FastifyInstance, o: RoutesOptions): void {
  const { metrics, state, backend, limiter } = o;
  let inflight = 0;

  // Instruments, keyed once per label combination (prom-client hashes labels on every call otherwise).
  type Children = { req: { inc(): void }; dur: { observe(v: number): void }; reqSize: { observe(v: number): void }; resSize: { observe(v: number): void } };
  const children = new Map<string, Children>();
  const instruments = (handler: string, code: string, method: string, tenant: string): Children => {
    const key = `${handler}\u0000${code}\u0000${method}\u0000${tenant}`;
    let c = children.get(key);
    if (!c) {
      const labels = { group: 'metricsv1', handler, code, method, tenant };
      c = { req: metrics.requests.labels(labels), dur: metrics.duration.labels(labels), reqSize: metrics.requestSize.labels(labels), resSize: metrics.responseSize.labels(labels) };
      children.set(key, c);
    }
    return c;
  };

  app.decorateRequest('obs', null as unknown as Ctx);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: o.maxBodySize }, (_req, body, done) => done(null, body));
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: o.maxBodySize }, (_req, body, done) => done(null, body));

  app.addHook('onRequest', async (req, reply) => {
    // Labels known from the route, so requests refused before their handler runs are still attributed.
    const tenantName = (req.params as { tenant?: string } | undefined)?.tenant;
    req.obs = {
      handler: (req.routeOptions.config as { handler?: string } | undefined)?.handler ?? 'unknown',
      tenant: (tenantName !== undefined && state.snapshot.tenants.get(tenantName)?.tenant.id) || '',
      reject: null,
      responseBytes: -1,
    };
    inflight++;
    metrics.inflight.set(inflight);
    reply.raw.once('close', () => {
      inflight--;
      metrics.inflight.set(inflight);
    });
    if (inflight > o.concurrentRequestLimit) {
      reject(req, 'limit', new HttpError(429, 'too_many_requests', `api: server capacity exceeded: more than ${o.concurrentRequestLimit} requests in flight (--middleware.concurrent-request-limit)`, {
        hop: 'api', reason: 'concurrency_limit', headers: { 'retry-after': '1' },
      }));
    }
  });

  app.addHook('onResponse', async (req, reply) => {
    const ctx = req.obs;
    if (!ctx) return;
    const c = instruments(ctx.handler, String(reply.statusCode), req.method, ctx.tenant);
    c.req.inc();
    c.dur.observe(reply.elapsedTime / 1000);
    const cl = Number(req.headers['content-length'] ?? 0) || 0;
    c.reqSize.observe(req.url.length + cl + 200);
    const sent = reply.getHeader('content-length');
    c.resSize.observe(sent !== undefined ? Number(sent) : Math.max(0, ctx.responseBytes));
    if (ctx.reject) metrics.rejected.inc({ reason: ctx.reject, handler: ctx.handler, tenant: ctx.tenant });
  });

  app.setErrorHandler((err: Error & { code?: string; statusCode?: number }, req, reply) => {
    let he: HttpError;
    if (err instanceof HttpError) he = err;
    else if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      req.obs.reject = 'limit';
      he = new HttpError(413, 'request_too_large', `api: request body larger than ${o.maxBodySize} bytes (--web.max-body-size)`, { hop: 'api', reason: 'body_too_large' });
    } else if (typeof err.statusCode === 'number' && err.statusCode < 500) {
      req.obs.reject = 'bad_request';
      he = new HttpError(err.statusCode, errorTypeForStatus(err.statusCode), `api: ${err.message}`, { hop: 'api', reason: err.code ?? 'bad_request' });
    } else {
      req.log.error({ err }, 'unhandled error');
      he = new HttpError(500, 'internal', `api: internal error: ${err.message}`, { hop: 'api', reason: 'internal' });
    }
    if (req.obs && !req.obs.reject && he.fields.hop === 'backend') req.obs.reject = 'backend';
    if (he.fields.headers) reply.headers(he.fields.headers);
    return reply.code(he.statusCode).type('application/json').send(he.body(req.id));
  });

  /** Tenant, authentication, rate limit, RBAC. */
  async function admit(req: FastifyRequest, handler: string, permission: 'read' | 'write'): Promise<TenantRuntime> {
    const ctx = req.obs;
    ctx.handler = handler;
    const name = (req.params as { tenant: string }).tenant;
    const snap = state.snapshot;
    const rt = snap.tenants.get(name);
    if (!rt) {
      reject(req, 'not_found', new HttpError(404, 'not_found', `api: unknown tenant "${name}": not in the tenants configuration`, { hop: 'api', reason: 'unknown_tenant', tenant: name }));
    }
    ctx.tenant = rt.tenant.id;
    const token = bearerToken(req, name);
    let identity;
    try {
      identity = await rt.auth.authenticate(token);
    } catch (err) {
      if (!(err instanceof AuthError)) throw err;
      if (err.status === 503) {
        reject(req, 'auth_unavailable', new HttpError(503, 'unavailable', `auth: cannot verify tokens of tenant "${name}": ${err.message}`, {
          hop: 'auth', reason: err.reason, headers: { 'retry-after': '5' },
        }));
      }
      reject(req, 'auth', new HttpError(401, 'unauthorized', `auth: invalid token for tenant "${name}" (${err.reason}): ${err.message}`, {
        hop: 'auth', reason: err.reason,
        headers: { 'www-authenticate': `Bearer realm="${name}", error="invalid_token", error_description="${headerSafe(`${err.reason}: ${err.message}`)}"` },
      }));
    }
    const path = req.url.split('?', 1)[0]!;
    const d = rt.tenant.rateLimits.length > 0 ? limiter.take(rt.tenant.id, rt.tenant.rateLimits, path) : null;
    if (d && !d.allowed) {
      reject(req, 'ratelimit', new HttpError(429, 'too_many_requests', `api: rate limit of tenant "${name}" exceeded: ${d.limit} requests per ${d.windowMs / 1000}s on ${d.endpoint}`, {
        hop: 'api', reason: 'rate_limited',
        headers: { 'retry-after': String(d.retryAfterSec), 'x-ratelimit-limit': String(d.limit), 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(d.resetSec) },
      }));
    }
    if (!snap.rbac.allowed({ name: identity.subject, groups: identity.groups }, name, 'metrics', permission)) {
      const groups = identity.groups.length > 0 ? ` (groups: ${identity.groups.join(', ')})` : '';
      reject(req, 'rbac', new HttpError(403, 'forbidden', `auth: subject "${identity.subject}"${groups} has no "${permission}" permission on metrics of tenant "${name}"`, {
        hop: 'auth', reason: 'rbac_denied', subject: identity.subject, tenant: name, permission,
      }));
    }
    return rt;
  }

  // The deadline itself is enforced by the backend client (its own timer over headers and body, set to
  // --metrics.write-timeout); this signal only stops backend work for a client that went away.
  function clientGone(reply: FastifyReply): AbortSignal {
    const ac = new AbortController();
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) ac.abort();
    });
    return ac.signal;
  }

  function forwardHeaders(req: FastifyRequest, names: readonly string[]): Record<string, string> {
    const h: Record<string, string> = { 'x-request-id': req.id };
    for (const n of names) {
      const v = req.headers[n];
      if (typeof v === 'string') h[n] = v;
    }
    return h;
  }

  // Whose answer a passed-through error is: the HTTP backend's, or the in-process store's.
  const backendHop: Hop = backend.kind === 'embedded' ? 'store' : 'backend';

  async function send(req: FastifyRequest, reply: FastifyReply, res: BackendResponse): Promise<FastifyReply> {
    if (!isSuccess(res.status)) {
      const wrapped = await wrapUpstreamError(res, backendHop, req.id);
      return reply.code(wrapped.status).headers(wrapped.headers).send(wrapped.body);
    }
    reply.code(res.status);
    reply.headers(res.headers);
    let body = res.body;
    const length = Number(res.headers['content-length']);
    if (body instanceof Readable && length <= SMALL_BODY) {
      // Small answers (most query results) are cheaper to collect and send in one write than to pipe.
      return collect(body).then(
        (buf) => reply.send(buf),
        (err: Error) => {
          throw new HttpError(502, 'upstream_unreachable', `backend: response body interrupted: ${err.message}`, { hop: 'backend', reason: 'reset' });
        },
      );
    }
    if (body instanceof Readable && res.headers['content-length'] === undefined) {
      const ctx = req.obs;
      ctx.responseBytes = 0;
      const counted = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          ctx.responseBytes += chunk.length;
          cb(null, chunk);
        },
      });
      pipeline(body, counted, (err) => err && req.log.warn({ err: err.message }, 'backend body interrupted'));
      body = counted;
    } else if (body instanceof Readable) {
      body.on('error', (err) => req.log.warn({ err: err.message }, 'backend body interrupted'));
    }
    return reply.send(body);
  }

  const READ_HEADERS = ['accept', 'accept-encoding', 'user-agent'] as const;

  for (const [path, endpoint] of READ_ROUTES) {
    app.all(`${PREFIX}${path}`, { config: { handler: endpoint } }, async (req, reply) => {
      req.obs.handler = endpoint;
      const allowed = GET_ONLY.has(endpoint) ? 'GET' : 'GET, POST';
      if (!allowed.includes(req.method)) {
        reject(req, 'bad_request', new HttpError(405, 'method_not_allowed', `api: ${req.method} is not allowed on ${path}; use ${allowed}`, { hop: 'api', reason: 'method_not_allowed', headers: { allow: allowed } }));
      }
      if ((endpoint === 'rules' || endpoint === 'alerts') && !backend.hasRules) {
        reject(req, 'not_found', new HttpError(404, 'not_found', `api: the ${backend.kind} backend has no ${path}`, { hop: 'api', reason: 'not_supported' }));
      }
      const rt = await admit(req, endpoint, 'read');
      const params = formParams(req);
      if (endpoint === 'series' && !params.has('match[]')) {
        // As Prometheus: a series listing needs a selector (the tenant's own would list all its series).
        reject(req, 'bad_request', new HttpError(400, 'bad_data', 'no match[] parameter provided', { hop: 'api', reason: 'bad_query' }));
      }
      let enforced: EnforcedRead;
      try {
        enforced = enforceReadParams(endpoint, params, o.tenantLabel, rt.tenant.id, { parse: backend.acceptsParsedQuery });
      } catch (err) {
        req.obs.reject = 'bad_request';
        throw err;
      }
      const filtered = endpoint === 'rules' || endpoint === 'alerts';
      const res = await backend.read({
        endpoint,
        method: req.method === 'POST' ? 'POST' : 'GET',
        params: enforced.params,
        expr: enforced.expr,
        labelName: (req.params as { name?: string }).name,
        tenantId: rt.tenant.id,
        headers: forwardHeaders(req, filtered ? ['accept', 'user-agent'] : READ_HEADERS),
        signal: clientGone(reply),
      });
      if (filtered && isSuccess(res.status)) {
        const text = typeof res.body === 'string' ? res.body : Buffer.isBuffer(res.body) ? res.body.toString('utf8') : await streamText(res.body);
        const out = filterRulesBody(endpoint, text, o.tenantLabel, rt.tenant.id);
        const headers = { ...res.headers };
        delete headers['content-length'];
        return send(req, reply, { status: res.status, headers, body: out ?? text });
      }
      return send(req, reply, res);
    });
  }

  const localEngine = new Engine();
  for (const [path, endpoint] of LOCAL_ROUTES) {
    app.all(`${PREFIX}${path}`, { config: { handler: endpoint } }, async (req, reply) => {
      req.obs.handler = endpoint;
      if (req.method !== 'GET' && req.method !== 'POST') {
        reject(req, 'bad_request', new HttpError(405, 'method_not_allowed', `api: ${req.method} is not allowed on ${path}; use GET, POST`, { hop: 'api', reason: 'method_not_allowed', headers: { allow: 'GET, POST' } }));
      }
      await admit(req, endpoint, 'read');
      const ans = handleMeta({ engine: localEngine }, endpoint, formParams(req));
      if (ans.status >= 400) {
        req.obs.reject = 'bad_request';
        const err = JSON.parse(ans.body) as { errorType: string; error: string };
        throw new HttpError(ans.status, err.errorType, err.error, { hop: 'api', reason: 'bad_query' });
      }
      return reply.code(ans.status).type('application/json').send(ans.body);
    });
  }

  /** Query string and form body, as Go's r.Form (a non-form POST body is refused). */
  function formParams(req: FastifyRequest): URLSearchParams {
    const params = new URLSearchParams();
    if (req.method === 'POST' && req.body !== undefined) {
      if (typeof req.body !== 'string') {
        reject(req, 'bad_request', new HttpError(415, 'bad_data', 'api: POST parameters must be application/x-www-form-urlencoded', { hop: 'api', reason: 'unsupported_media_type' }));
      }
      for (const [k, v] of new URLSearchParams(req.body)) params.append(k, v);
    }
    const qi = req.url.indexOf('?');
    if (qi >= 0) for (const [k, v] of new URLSearchParams(req.url.slice(qi + 1))) params.append(k, v);
    return params;
  }

  app.all(`${PREFIX}/api/v1/receive`, { config: { handler: 'receive' } }, async (req, reply) => {
    req.obs.handler = 'receive';
    if (req.method !== 'POST') {
      reject(req, 'bad_request', new HttpError(405, 'method_not_allowed', `api: ${req.method} is not allowed on /api/v1/receive; use POST`, { hop: 'api', reason: 'method_not_allowed', headers: { allow: 'POST' } }));
    }
    const rt = await admit(req, 'receive', 'write');
    const ctype = String(req.headers['content-type'] ?? '');
    const enc = req.headers['content-encoding'];
    if (/proto=io\.prometheus\.write\.v2/i.test(ctype) || (enc !== undefined && enc !== '' && String(enc).toLowerCase() !== 'snappy')) {
      reject(req, 'bad_request', new HttpError(415, 'unsupported_media_type', 'api: only remote write 1.0 (snappy-compressed prometheus.WriteRequest) is supported', { hop: 'api', reason: 'unsupported_media_type' }));
    }
    const body = req.body;
    if (!Buffer.isBuffer(body) || body.length === 0) {
      reject(req, 'bad_request', new HttpError(400, 'bad_data', 'api: remote write needs a snappy-compressed protobuf body', { hop: 'api', reason: 'empty_body' }));
    }
    const stats: RewriteStats = { series: 0, overwritten: 0 };
    let out: Buffer;
    try {
      out = await rewriteRemoteWrite(body, o.tenantLabel, rt.tenant.id, o.maxDecompressedSize, stats);
    } catch (err) {
      if (!(err instanceof WriteRewriteError)) throw err;
      reject(req, err.status === 413 ? 'limit' : 'bad_request', new HttpError(err.status, err.status === 413 ? 'request_too_large' : 'bad_data', `api: ${err.message}`, { hop: 'api', reason: err.status === 413 ? 'body_too_large' : 'bad_remote_write' }));
    }
    if (stats.overwritten > 0) metrics.writeOverwritten.inc({ tenant: rt.tenant.id }, stats.overwritten);
    const headers = forwardHeaders(req, ['user-agent']);
    headers['content-type'] = 'application/x-protobuf';
    headers['content-encoding'] = 'snappy';
    headers['x-prometheus-remote-write-version'] = typeof req.headers['x-prometheus-remote-write-version'] === 'string' ? req.headers['x-prometheus-remote-write-version'] : '0.1.0';
    const res = await backend.write({ body: out, tenantId: rt.tenant.id, headers, signal: clientGone(reply) });
    return send(req, reply, res);
  });
}

const SMALL_BODY = 64 * 1024;

async function collect(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(c as Buffer);
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

async function streamText(body: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
