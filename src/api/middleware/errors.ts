// How the metrics routes answer errors: a middleware's HttpError as it is; fastify's own refusals (body
// over --web.max-body-size, bad content) as the API's 4xx; anything else 500. All Prometheus-shaped JSON
// naming the hop, and counted by reason.
import type { FastifyError, FastifyInstance } from 'fastify';
import { HttpError, errorTypeForStatus } from '../../http/errors.js';

/** Maps an error thrown anywhere in the chain to the HttpError answered, recording the reject reason. */
export function registerErrorMapping(app: FastifyInstance, maxBodySize: number): void {
  app.setErrorHandler((err: Error & Partial<Pick<FastifyError, 'code' | 'statusCode'>>, req, reply) => {
    let he: HttpError;
    if (err instanceof HttpError) he = err;
    else if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      req.obs.reject = 'limit';
      he = new HttpError(413, 'request_too_large', `api: request body larger than ${maxBodySize} bytes (--web.max-body-size)`, { hop: 'api', reason: 'body_too_large' });
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
}
