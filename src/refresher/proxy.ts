import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { Pool, request, type Dispatcher } from 'undici';
import { BareServer, type Exchange } from '../http/bare-server.js';
import { Deadline } from '../http/deadline.js';
import { HttpError } from '../http/errors.js';
import { isPlainPath } from '../http/request-target.js';
import { classifyNetworkError, describeNetFailure, isTimeout } from '../http/net-errors.js';
import type { HttpAppTls } from '../http/server.js';
import type { ClientTls } from '../http/tls-client.js';
import type { Logger } from '../telemetry/logger.js';
import type { RefresherMetrics } from './metrics.js';
import { TokenError } from '../oauth/client.js';
import type { TokenSource } from '../oauth/token-source.js';
import { readRejection, RETRYABLE_TOKEN_REJECTIONS, takeRequestBody, type RequestBody } from './upstream-auth.js';

export interface ProxyOptions {
  upstreamUrl: URL;
  tokens: TokenSource;
  logger: Logger;
  metrics: RefresherMetrics;
  connectTimeoutMs: number;
  /** Longest wait for the upstream's response headers (a retry after a rejected token included). */
  headersTimeoutMs: number;
  /** Longest pause between two chunks of the upstream's body. */
  bodyTimeoutMs: number;
  /** Server side: longest time to receive a whole request from the caller (0 = none). */
  readTimeoutMs?: number;
  /** Extra CA / TLS options for an https upstream. */
  tls?: ClientTls & { rejectUnauthorized?: boolean };
  /** Serve the proxy over HTTPS. */
  serverTls?: HttpAppTls;
}

// RFC 9110 §7.6.1 hop-by-hop headers, plus the ones this proxy sets itself.
const DROP_REQUEST = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host', 'authorization', 'x-forwarded-prefix']);
const DROP_RESPONSE = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

/** Header names the Connection header lists as hop-by-hop, beyond the usual close / keep-alive. */
function connectionListed(connection: string | string[] | undefined): Set<string> | undefined {
  // Nearly every answer says just "keep-alive" (or "close"): nothing listed, and no split per request.
  if (connection === undefined || connection === 'keep-alive' || connection === 'close') return undefined;
  const names = String(connection).toLowerCase().split(',').map((s) => s.trim()).filter((s) => s !== '' && s !== 'close' && s !== 'keep-alive');
  return names.length > 0 ? new Set(names) : undefined;
}

// Node (incoming) and undici (upstream answers) both hand header names over in lower case.
function forwardable(headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>, drop: Set<string>): Record<string, string | string[]> {
  const listed = connectionListed(headers.connection);
  const out: Record<string, string | string[]> = {};
  for (const key in headers) {
    const v = headers[key];
    if (v === undefined || drop.has(key) || listed?.has(key)) continue;
    out[key] = v;
  }
  return out;
}

/** Upstream path = upstream URL path joined with the request path by a single slash (as the Go refresher). */
export function upstreamTarget(upstream: URL, requestUrl: string): string {
  return `${upstream.origin}${targetPath(upstream)(requestUrl)}`;
}

/** The path (and query) part of upstreamTarget, with the upstream's parts worked out once. */
function targetPath(upstream: URL): (requestUrl: string) => string {
  const prefix = `${upstream.pathname.replace(/\/+$/, '')}/`;
  const defaultSearch = upstream.search;
  return (requestUrl) => {
    const q = requestUrl.indexOf('?');
    const path = q < 0 ? requestUrl : requestUrl.slice(0, q);
    let start = 0;
    while (path.charCodeAt(start) === 47 /* '/' */) start++;
    return `${prefix}${start === 0 ? path : path.slice(start)}${q < 0 ? defaultSearch : requestUrl.slice(q)}`;
  };
}

/** The held token; waits (on the issuer, or for a refresh in flight) only when none is usable. */
function tokenOr503(tokens: TokenSource): string | Promise<string> {
  return tokens.current() ?? waitForToken(tokens);
}

async function waitForToken(tokens: TokenSource): Promise<string> {
  try {
    return await tokens.get();
  } catch (err) {
    const te = err instanceof TokenError ? err : new TokenError('issuer_error', String(err));
    throw new HttpError(503, 'token_unavailable', `token refresher holds no valid access token (${te.reason}): ${te.message}`, {
      hop: 'token-refresher', reason: te.reason, headers: { 'retry-after': '1' },
    });
  }
}

function upstreamHeaders(req: IncomingMessage): Record<string, string | string[]> {
  const headers = forwardable(req.headers, DROP_REQUEST);
  const prior = req.headers['x-forwarded-for'];
  const ip = req.socket.remoteAddress ?? '';
  headers['x-forwarded-for'] = prior ? `${String(prior)}, ${ip}` : ip;
  headers['x-forwarded-proto'] ??= (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
  if (req.headers.host) headers['x-forwarded-host'] ??= req.headers.host;
  headers['x-forwarded-prefix'] = '/';
  return headers;
}

type UpstreamAnswer = { res: Dispatcher.ResponseData; body: Buffer | Dispatcher.ResponseData['body'] };

/** Calls to the upstream with the token, failures typed, and the one retry after a rejected token. */
class Upstream {
  readonly #name: string;

  readonly #origin: string;
  readonly #path: (requestUrl: string) => string;
  // "Bearer <token>" built once per token: a JWT is about 1 KB, and a new concatenation per request is a
  // string V8 allocates and then flattens again when the header is written.
  #bearerFor = '';
  #bearer = '';

  constructor(private readonly opts: ProxyOptions, private readonly pool: Pool) {
    this.#name = opts.upstreamUrl.host;
    this.#origin = opts.upstreamUrl.origin;
    this.#path = targetPath(opts.upstreamUrl);
  }

  /** Not an async function: the answer's promise is handed on as undici gives it (one await less per request). */
  call(ex: Exchange, body: RequestBody, token: string, deadline: Deadline): Promise<Dispatcher.ResponseData> {
    const req = ex.req;
    const headers = upstreamHeaders(req);
    headers.authorization = this.#authorization(token);
    const path = this.#path(req.url!);
    const method = req.method as Dispatcher.HttpMethod;
    const data = body.kind === 'none' ? undefined : body.data;
    const signal = deadline.signal;
    let answer: Promise<Dispatcher.ResponseData>;
    try {
      // One options object per call (no spread copies): this runs on every proxied request.
      answer = isPlainPath(path)
        ? this.pool.request({ origin: this.#origin, path, method, headers, body: data, signal })
        : request(`${this.#origin}${path}`, { method, headers, body: data, signal, dispatcher: this.pool });
    } catch (err) {
      // undici refuses some options synchronously (an invalid header value, say).
      return Promise.reject(this.failure(ex, err, deadline));
    }
    return answer.then(undefined, (err: unknown) => {
      throw this.failure(ex, err, deadline);
    });
  }

  #authorization(token: string): string {
    if (token !== this.#bearerFor) {
      this.#bearerFor = token;
      this.#bearer = `Bearer ${token}`;
    }
    return this.#bearer;
  }

  failure(ex: Exchange, err: unknown, deadline: Deadline): HttpError | ClientGone {
    if (ex.gone) return CLIENT_GONE;
    const { metrics, connectTimeoutMs, headersTimeoutMs } = this.opts;
    const upstream = this.#name;
    const f = classifyNetworkError(err);
    const reason = deadline.fired ? 'headers_timeout' : f.reason;
    metrics.upstreamFailures.inc({ reason: deadline.fired || isTimeout(f.reason) ? 'timeout' : f.reason });
    ex.log.warn({ upstream, reason, code: f.code }, `upstream request failed: ${f.message}`);
    if (deadline.fired || isTimeout(f.reason)) {
      const what = reason === 'connect_timeout' ? `could not connect within ${connectTimeoutMs} ms` : `sent no response headers within ${headersTimeoutMs} ms`;
      return new HttpError(504, 'upstream_timeout', `upstream ${upstream} ${what}`, { hop: 'token-refresher', reason, upstream });
    }
    return new HttpError(502, 'upstream_unreachable', `cannot reach upstream ${upstream}: ${describeNetFailure(f)}`, { hop: 'token-refresher', reason: f.reason, upstream, ...(f.tls ? { tls: f.tls } : {}) });
  }

  /** A 401 from the upstream: renew the token if it was judged invalid; retry once if the body allows. */
  async onRejected(ex: Exchange, first: Dispatcher.ResponseData, body: RequestBody, token: string, deadline: Deadline): Promise<UpstreamAnswer> {
    const rejection = await readRejection(first);
    const reason = rejection.reason;
    const passThrough = { res: first, body: rejection.body };
    if (reason === undefined || !RETRYABLE_TOKEN_REJECTIONS.has(reason)) return passThrough;
    const log = { upstream: this.#name, reason };
    if (body.kind === 'stream') {
      // Not replayable; the next requests get the new token.
      void this.opts.tokens.renew(token);
      ex.log.warn(log, 'upstream rejected the access token; streamed request body, so not retried');
      return passThrough;
    }
    let fresh: string | undefined;
    try {
      fresh = await deadline.race(this.opts.tokens.renew(token));
    } catch (err) {
      throw this.failure(ex, err, deadline);
    }
    if (fresh === undefined) {
      ex.log.warn(log, 'upstream rejected the access token and no newer token could be had; not retried');
      return passThrough;
    }
    if (!Buffer.isBuffer(rejection.body)) await rejection.body.dump();
    this.opts.metrics.upstreamRetries.inc({ reason });
    ex.log.warn(log, 'upstream rejected the access token; retrying once with a new token');
    const res = await this.call(ex, body, fresh, deadline);
    return { res, body: res.body };
  }
}

/** The caller went away while the upstream call ran: nothing to answer, and no upstream failure to count. */
class ClientGone extends Error {}
const CLIENT_GONE = new ClientGone('the caller went away');

type Body = Dispatcher.ResponseData['body'];

function ignore(): void {}

function onUpstreamBodyError(this: { ex: Exchange }, err: Error): void {
  // Dropped because the caller went away (onAbort): nothing was interrupted that anyone waits for.
  if (this.ex.gone) return;
  this.ex.log.warn({ err: err.message }, 'upstream body interrupted');
  this.ex.res.destroy(err);
}

/** Sends the upstream's answer: status and forwardable headers, then the body streamed (or the bytes read). */
function sendAnswer(ex: Exchange, answer: UpstreamAnswer): void {
  ex.writeHead(answer.res.statusCode, forwardable(answer.res.headers, DROP_RESPONSE));
  const body = answer.body;
  if (Buffer.isBuffer(body)) {
    ex.res.end(body);
    return;
  }
  // A caller that goes away mid-answer: the upstream body is dropped (pipe alone would leave it paused).
  ex.onAbort = () => body.destroy();
  body.on('error', onUpstreamBodyError.bind({ ex }));
  // pipe, not stream.pipeline: on Node 20 pipeline costs an AbortController (and a DOMException) per call.
  body.pipe(ex.res);
}

/**
 * The authenticating reverse proxy. Every failure is answered with a typed JSON body naming this hop
 * and the cause, never an empty 502: 503 token_unavailable, 502 upstream_unreachable, 504 upstream_timeout.
 * Upstream answers, whatever their status, pass through unchanged and streamed; one exception: a 401
 * saying the token is invalid (unknown key, bad signature, expired) gets a new token and, when the
 * request can be replayed, one retry. It runs on a bare node:http listener (BareServer): fastify's
 * per-request pipeline was the largest cost of a proxied request after Node's own socket work.
 */
export function createProxyServer(opts: ProxyOptions): { server: BareServer; upstreamPool: Pool } {
  // undici's timers are the backstop only; the exact deadline is the proxy's own (Deadline). One upstream
  // origin, so a Pool (as the Node floor uses) rather than an Agent, which looks the origin up per request.
  const upstreamPool = new Pool(opts.upstreamUrl.origin, {
    connect: { timeout: opts.connectTimeoutMs, ...(opts.tls ?? {}) },
    headersTimeout: opts.headersTimeoutMs + 1000,
    bodyTimeout: opts.bodyTimeoutMs,
    keepAliveTimeout: 30_000,
    connections: 256,
  });
  const requests = opts.metrics.requests;
  const onAnswered = (status: number, method: string, elapsedMs: number) => requests.record(status, 'proxy', method, elapsedMs / 1000);
  const upstream = new Upstream(opts, upstreamPool);
  const timeout = () => new DOMException(`no upstream response headers within ${opts.headersTimeoutMs} ms`, 'TimeoutError');

  // Bodies are streamed, never parsed: remote-write payloads and large results pass through as bytes.
  const handler = async (ex: Exchange) => {
    const held = tokenOr503(opts.tokens);
    const token = typeof held === 'string' ? held : await held;
    const taken = takeRequestBody(ex.req);
    const body = taken instanceof Promise ? await taken : taken;
    // The proxy's own timer: exact, unlike undici's coarse timers above 1 s. A caller that goes away
    // before the answer aborts the upstream call too.
    const deadline = new Deadline(opts.headersTimeoutMs, timeout);
    ex.onAbort = () => deadline.abort(new DOMException('the caller went away', 'AbortError'));
    let answer: UpstreamAnswer;
    try {
      const first = await upstream.call(ex, body, token, deadline);
      answer = first.statusCode === 401 ? await upstream.onRejected(ex, first, body, token, deadline) : { res: first, body: first.body };
    } catch (err) {
      if (err instanceof ClientGone) return;
      throw err;
    } finally {
      deadline.clear();
    }
    if (ex.gone) {
      // The caller left while the answer's headers came: its body is dropped (destroy emits an error).
      if (!Buffer.isBuffer(answer.body)) (answer.body as Body).on('error', ignore).destroy();
      return;
    }
    sendAnswer(ex, answer);
  };
  const server = new BareServer({ logger: opts.logger, hop: 'token-refresher', requestTimeoutMs: opts.readTimeoutMs, tls: opts.serverTls, onAnswered }, handler);
  return { server, upstreamPool };
}
