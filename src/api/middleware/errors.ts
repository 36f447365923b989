// How the metrics routes answer errors: a middleware's HttpError as it is; fastify's own refusals (body
// over --web.max-body-size, bad content) as the API's 4xx; anything else 500. All Prometheus-shaped JSON
// naming the hop, and counted by reason.
import type { FastifyError, FastifyInstance } from 'fastify';
import { HttpError, errorTypeForStatus } from '../../http/errors.js';
import type { RequestContext } from './context.js';

/** Maps an error thrown anywhere in the chain to the HttpError answered, recording the reject reason. */
export function registerErrorMapping(app: FastifyInstance, maxBodySize: number): void {
  app.setErrorHandler((err: Error & Partial<Pick<FastifyError, 'code' | 'statusCode'>>, req, reply) => {
    const he = answeredError(err, req.obs, req.log, maxBodySize);
    if (he.fields.headers) reply.headers(he.fields.headers);
    return reply.code(he.statusCode).type('application/json').send(he.body(req.id));
  });
}

/** The HttpError an error of the chain is answered with (both listeners); records its reject reason in `ctx`. */
export function answeredError(err: Error & { code?: string; statusCode?: number }, ctx: RequestContext | undefined, log: { error(obj: object, msg: string): void }, maxBodySize: number): HttpError {
  let he: HttpError;
  if (err instanceof HttpError) he = err;
  else if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    if (ctx) ctx.reject = 'limit';
    he = bodyTooLarge(maxBodySize);
  } else if (typeof err.statusCode === 'number' && err.statusCode < 500) {
    if (ctx) ctx.reject = 'bad_request';
    he = new HttpError(err.statusCode, errorTypeForStatus(err.statusCode), `api: ${err.message}`, { hop: 'api', reason: err.code ?? 'bad_request' });
  } else {
    log.error({ err }, 'unhandled error');
    he = new HttpError(500, 'internal', `api: internal error: ${err.message}`, { hop: 'api', reason: 'internal' });
  }
  if (ctx && !ctx.reject && he.fields.hop === 'backend') ctx.reject = 'backend';
  return he;
}

export function bodyTooLarge(maxBodySize: number, headers?: Record<string, string>): HttpError {
  return new HttpError(413, 'request_too_large', `api: request body larger than ${maxBodySize} bytes (--web.max-body-size)`, { hop: 'api', reason: 'body_too_large', ...(headers ? { headers } : {}) });
}
