// Answers of the bare hot path, as the fastify routes give them (metrics/v1/respond.ts): the backend's
// answer passed on (errors wrapped naming whose answer it is, small bodies sent in one write, large ones
// streamed), the shared limiter's X-RateLimit-* on every answer, the sent length kept for the size metric.
import type { OutgoingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import type { Exchange } from '../../http/bare-server.js';
import { HttpError, type Hop } from '../../http/errors.js';
import { isSuccess, wrapUpstreamError } from '../../http/upstream-error.js';
import type { BackendResponse } from '../backend/types.js';
import type { RequestContext } from '../middleware/context.js';
import { collectSmall, mayBeSmall } from '../metrics/v1/respond.js';

const JSON_TYPE = 'application/json; charset=utf-8';

/** Sends status, headers and a whole body; the length goes into the context for the response-size metric. */
export function sendWhole(ex: Exchange, ctx: RequestContext, status: number, headers: OutgoingHttpHeaders, body: Buffer | string | undefined): void {
  if (ctx.rateLimitHeaders) Object.assign(headers, ctx.rateLimitHeaders);
  if (body !== undefined && status === 204) {
    // As fastify: an answer that cannot have a body sends neither its type nor its length.
    delete headers['content-type'];
    delete headers['content-length'];
    ctx.responseBytes = 0;
    ex.writeHead(status, headers);
    ex.res.end();
    return;
  }
  if (body === undefined) {
    ctx.responseBytes = 0;
    // As fastify: an empty answer says so, except where HTTP forbids a length.
    if (status !== 204 && status !== 304 && ex.req.method !== 'HEAD') headers['content-length'] = '0';
    ex.writeHead(status, headers);
    ex.res.end();
    return;
  }
  const type = headers['content-type'];
  if (type === undefined) headers['content-type'] = typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/octet-stream';
  else if (typeof body === 'string') headers['content-type'] = withCharset(String(type));
  const length = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
  headers['content-length'] = String(length);
  ctx.responseBytes = length;
  ex.writeHead(status, headers);
  ex.res.end(body);
}

/** As fastify's reply.send of text: a JSON type without a charset says utf-8. */
function withCharset(type: string): string {
  if (!type.split(';', 1)[0]!.includes('json') || /;\s*charset=/i.test(type)) return type;
  return `${type.trim().replace(/;\s*$/, '')}; charset=utf-8`;
}

/** An error of the chain answered as Prometheus-shaped JSON naming the hop (HttpError.body). */
export function sendError(ex: Exchange, ctx: RequestContext, he: HttpError): void {
  if (ex.gone) return;
  if (ex.res.headersSent) {
    ex.res.destroy(he);
    return;
  }
  sendWhole(ex, ctx, he.statusCode, { ...he.fields.headers, 'content-type': JSON_TYPE }, JSON.stringify(he.body(ex.id)));
}

/** Sends the backend's answer; `hop` is whose answer a passed-through error is. */
export async function sendBackend(ex: Exchange, ctx: RequestContext, res: BackendResponse, hop: Hop): Promise<void> {
  if (ex.gone) {
    if (res.body instanceof Readable) res.body.destroy();
    return;
  }
  if (!isSuccess(res.status)) {
    const wrapped = await wrapUpstreamError(res, hop, ex.id);
    return sendWhole(ex, ctx, wrapped.status, wrapped.headers, wrapped.body);
  }
  const headers: OutgoingHttpHeaders = { ...res.headers };
  const body = res.body;
  if (!(body instanceof Readable)) return sendWhole(ex, ctx, res.status, headers, body);
  if (res.status === 204 || res.status === 304 || ex.req.method === 'HEAD') {
    // No body by definition (remote write's 204): nothing to stream or count.
    body.resume();
    return sendWhole(ex, ctx, res.status, headers, undefined);
  }
  if (mayBeSmall(res)) {
    // Small answers (most query results, sized or not) are cheaper to collect and send in one write than to pipe.
    const whole = await collectSmall(body);
    if (ex.gone) return void body.destroy();
    if (whole) return sendWhole(ex, ctx, res.status, headers, whole);
  }
  const length = Number(res.headers['content-length']);
  stream(ex, ctx, res.status, headers, body, Number.isFinite(length) ? length : undefined);
}

/** A large or unsized body piped to the caller; bytes counted when the length is unknown. */
function stream(ex: Exchange, ctx: RequestContext, status: number, headers: OutgoingHttpHeaders, body: Readable, length: number | undefined): void {
  if (ctx.rateLimitHeaders) Object.assign(headers, ctx.rateLimitHeaders);
  ctx.responseBytes = length ?? 0;
  if (length === undefined) body.on('data', (c: Buffer) => (ctx.responseBytes += c.length));
  body.on('error', (err) => {
    ex.log.warn({ err: err.message }, 'backend body interrupted');
    ex.res.destroy(err);
  });
  // The caller went away before the backend's body ended: stop reading it.
  ex.res.once('close', () => {
    if (!body.readableEnded) body.destroy();
  });
  ex.writeHead(status, headers);
  body.pipe(ex.res);
}
