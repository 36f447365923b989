import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import { Agent, request, type Dispatcher } from 'undici';
import { HttpError } from '../http/errors.js';
import { classifyNetworkError, isTimeout } from '../http/net-errors.js';
import { createHttpApp } from '../http/server.js';
import type { Logger } from '../telemetry/logger.js';
import type { RefresherMetrics } from './metrics.js';
import { TokenError } from './oauth.js';
import type { TokenSource } from './token-source.js';

export interface ProxyOptions {
  upstreamUrl: URL;
  tokens: TokenSource;
  logger: Logger;
  metrics: RefresherMetrics;
  connectTimeoutMs: number;
  /** Longest wait for the upstream's response headers. */
  headersTimeoutMs: number;
  /** Longest pause between two chunks of the upstream's body. */
  bodyTimeoutMs: number;
  /** Server side: longest time to receive a whole request from the caller (0 = none). */
  readTimeoutMs?: number;
  /** Extra CA / TLS options for an https upstream. */
  tls?: { ca?: string | Buffer; rejectUnauthorized?: boolean };
}

// RFC 9110 §7.6.1 hop-by-hop headers, plus the ones this proxy sets itself.
const DROP_REQUEST = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host', 'authorization', 'x-forwarded-prefix']);
const DROP_RESPONSE = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

function forwardable(headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>, drop: Set<string>): Record<string, string | string[]> {
  const listed = new Set(String(headers.connection ?? '').toLowerCase().split(',').map((s) => s.trim()).filter(Boolean));
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(headers)) {
    const key = k.toLowerCase();
    if (v === undefined || drop.has(key) || listed.has(key)) continue;
    out[key] = v;
  }
  return out;
}

/** Upstream path = upstream URL path joined with the request path by a single slash (as the Go refresher). */
export function upstreamTarget(upstream: URL, requestUrl: string): string {
  const [path, query] = splitOnce(requestUrl, '?');
  const base = upstream.pathname.replace(/\/+$/, '');
  const joined = `${base}/${path.replace(/^\/+/, '')}`;
  const search = query !== undefined ? `?${query}` : upstream.search;
  return `${upstream.origin}${joined}${search}`;
}

function splitOnce(s: string, sep: string): [string, string | undefined] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}

/**
 * The authenticating reverse proxy. Every failure is answered with a typed JSON body naming this hop
 * and the cause, never an empty 502: 503 token_unavailable, 502 upstream_unreachable, 504 upstream_timeout.
 * Upstream answers, whatever their status, pass through unchanged and streamed.
 */
export function createProxyApp(opts: ProxyOptions): { app: FastifyInstance; agent: Agent } {
  const app = createHttpApp({ logger: opts.logger, hop: 'token-refresher', requestTimeoutMs: opts.readTimeoutMs });
  const agent = new Agent({
    connect: { timeout: opts.connectTimeoutMs, ...(opts.tls ?? {}) },
    headersTimeout: opts.headersTimeoutMs,
    bodyTimeout: opts.bodyTimeoutMs,
    keepAliveTimeout: 30_000,
    connections: 256,
  });
  const upstreamName = opts.upstreamUrl.host;

  // Bodies are streamed, never parsed: remote-write payloads and large results pass through as bytes.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, _payload, done) => done(null));

  app.addHook('onResponse', async (req, reply) => {
    const labels = { code: String(reply.statusCode), handler: 'proxy', method: req.method };
    opts.metrics.httpRequests.inc(labels);
    opts.metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
  });

  const handler = async (req: FastifyRequest, reply: import('fastify').FastifyReply) => {
    let token: string;
    try {
      token = await opts.tokens.get();
    } catch (err) {
      const te = err instanceof TokenError ? err : new TokenError('issuer_error', String(err));
      throw new HttpError(503, 'token_unavailable', `token refresher holds no valid access token (${te.reason}): ${te.message}`, {
        hop: 'token-refresher', reason: te.reason, headers: { 'retry-after': '1' },
      });
    }
    const headers = forwardable(req.headers, DROP_REQUEST);
    headers.authorization = `Bearer ${token}`;
    const prior = req.headers['x-forwarded-for'];
    headers['x-forwarded-for'] = prior ? `${String(prior)}, ${req.ip}` : req.ip;
    headers['x-forwarded-proto'] ??= req.protocol;
    if (req.headers.host) headers['x-forwarded-host'] ??= req.headers.host;
    headers['x-forwarded-prefix'] = '/';
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD' && (req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined);
    const target = upstreamTarget(opts.upstreamUrl, req.url);

    let res: Dispatcher.ResponseData;
    try {
      res = await request(target, {
        method: req.method as Dispatcher.HttpMethod,
        headers,
        body: hasBody ? req.raw : undefined,
        dispatcher: agent,
      });
    } catch (err) {
      const f = classifyNetworkError(err);
      opts.metrics.upstreamFailures.inc({ reason: isTimeout(f.reason) ? 'timeout' : f.reason });
      req.log.warn({ upstream: upstreamName, reason: f.reason, code: f.code }, `upstream request failed: ${f.message}`);
      if (isTimeout(f.reason)) {
        const what = f.reason === 'connect_timeout' ? `could not connect within ${opts.connectTimeoutMs} ms` : `sent no response headers within ${opts.headersTimeoutMs} ms`;
        throw new HttpError(504, 'upstream_timeout', `upstream ${upstreamName} ${what}`, { hop: 'token-refresher', reason: f.reason, upstream: upstreamName });
      }
      throw new HttpError(502, 'upstream_unreachable', `cannot reach upstream ${upstreamName}: ${f.reason}${f.code ? ` (${f.code})` : ''}`, {
        hop: 'token-refresher', reason: f.reason, upstream: upstreamName,
      });
    }
    reply.code(res.statusCode);
    reply.headers(forwardable(res.headers, DROP_RESPONSE));
    res.body.on('error', (err) => req.log.warn({ err: err.message }, 'upstream body interrupted'));
    return reply.send(res.body);
  };
  app.all('/', handler);
  app.all('/*', handler);
  return { app, agent };
}
