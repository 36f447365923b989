// Request-side helpers of the metrics v1 handlers: the method guard each route starts its chain with,
// parameter merging as Go's r.Form, and what is passed on to the backend (headers, cancellation).
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Cancellation, type CancelSignal } from '../../../http/deadline.js';
import { HttpError } from '../../../http/errors.js';
import { reject, type ApiRequest } from '../../middleware/context.js';

export function methodNotAllowed(method: string, path: string, allowed: string): HttpError {
  return new HttpError(405, 'method_not_allowed', `api: ${method} is not allowed on ${path}; use ${allowed}`, { hop: 'api', reason: 'method_not_allowed', headers: { allow: allowed } });
}

/** Refuses methods outside `allowed` ("GET, POST") with 405 and an Allow header. */
export function allowMethods(req: ApiRequest, path: string, allowed: string): void {
  if (!allowed.split(', ').includes(req.method)) reject(req, 'bad_request', methodNotAllowed(req.method, path, allowed));
}

/** Query string and form body, as Go's r.Form (a non-form POST body is refused with 415). */
export function formParams(req: ApiRequest): URLSearchParams {
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

/** The request id and the named request headers, to send on to the backend. */
export function forwardHeaders(req: ApiRequest, names: readonly string[]): Record<string, string> {
  const h: Record<string, string> = { 'x-request-id': req.id };
  for (const n of names) {
    const v = req.headers[n];
    if (typeof v === 'string') h[n] = v;
  }
  return h;
}

// The deadline itself is enforced by the backend client (its own timer over headers and body, set to
// --metrics.write-timeout); this signal only stops backend work for a client that went away. A light
// Cancellation, not an AbortController: one is made per request, and an EventTarget costs several µs.
export function clientGone(reply: FastifyReply): CancelSignal {
  const gone = new Cancellation();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) gone.abort();
  });
  return gone;
}

/** Form bodies as text (read parameters), anything else as bytes (remote write), both up to `maxBodySize`. */
export function registerBodyParsers(app: FastifyInstance, maxBodySize: number): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: maxBodySize }, (_req, body, done) => done(null, body));
  const asBytes = { parseAs: 'buffer' as const, bodyLimit: maxBodySize };
  // Remote write's own type, named although '*' does the same: fastify caches the parser found for a named
  // type, but parses the Content-Type header anew on every request that falls through to '*'.
  app.addContentTypeParser('application/x-protobuf', asBytes, (_req, body, done) => done(null, body));
  app.addContentTypeParser('*', asBytes, (_req, body, done) => done(null, body));
}
