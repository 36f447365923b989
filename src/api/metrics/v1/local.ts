// Endpoints the API answers itself (metadata, format_query, parse_query): they read no tenant data
// (metadata: remote write 1.0 carries none we keep; format/parse: the caller's own query text, parsed and
// printed by our PromQL parser whatever the backend). They still pass the whole chain up to authorization.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from '../../../http/errors.js';
import { Engine } from '../../../promql/engine.js';
import { handleMeta, type MetaEndpoint } from '../../../promapi/index.js';
import { formParams } from './request.js';

export type { MetaEndpoint };

/** A factory of local-endpoint handlers sharing one PromQL engine. */
export function localHandlers(): (endpoint: MetaEndpoint) => (req: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply> {
  const engine = new Engine();
  return (endpoint) => async function local(req, reply) {
    const ans = handleMeta({ engine }, endpoint, formParams(req));
    if (ans.status >= 400) {
      req.obs.reject = 'bad_request';
      const err = JSON.parse(ans.body) as { errorType: string; error: string };
      throw new HttpError(ans.status, err.errorType, err.error, { hop: 'api', reason: 'bad_query' });
    }
    return reply.code(ans.status).type('application/json').send(ans.body);
  };
}
