// Remote write (/api/v1/receive), the last step of the write chain: remote write 1.0 only, the tenant
// label set on every series (enforcement), then the rewritten request to the backend.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from '../../../http/errors.js';
import type { Backend, BackendResponse } from '../../backend/types.js';
import type { CancelSignal } from '../../../http/deadline.js';
import { WriteRewriteError, rewriteRemoteWrite, type RewriteStats } from '../../enforcement/remote-write.js';
import type { ApiMetrics } from '../../metrics.js';
import { admittedTenant, reject, type ApiRequest } from '../../middleware/context.js';
import { backendHop } from './read.js';
import { clientGone, forwardHeaders } from './request.js';
import { sendBackendResponse } from './respond.js';

export interface ReceiveDeps {
  backend: Backend;
  metrics: ApiMetrics;
  tenantLabel: string;
  maxDecompressedSize: number;
}

/** 415 for remote write 2.0 or a compression other than snappy; 400 for an empty body. */
function checkRemoteWrite1(req: ApiRequest): Buffer {
  const ctype = String(req.headers['content-type'] ?? '');
  const enc = req.headers['content-encoding'];
  if (/proto=io\.prometheus\.write\.v2/i.test(ctype) || (enc !== undefined && enc !== '' && String(enc).toLowerCase() !== 'snappy')) {
    reject(req, 'bad_request', new HttpError(415, 'unsupported_media_type', 'api: only remote write 1.0 (snappy-compressed prometheus.WriteRequest) is supported', { hop: 'api', reason: 'unsupported_media_type' }));
  }
  const body = req.body;
  if (!Buffer.isBuffer(body) || body.length === 0) {
    reject(req, 'bad_request', new HttpError(400, 'bad_data', 'api: remote write needs a snappy-compressed protobuf body', { hop: 'api', reason: 'empty_body' }));
  }
  return body;
}

export function receiveHandler(deps: ReceiveDeps) {
  return async function receive(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const res = await receiveResponse(req, deps, clientGone(reply));
    return sendBackendResponse(req, reply, res, backendHop(deps.backend));
  };
}

/** The write after the admission chain, up to the backend's answer (either listener sends it). */
export async function receiveResponse(req: ApiRequest, deps: ReceiveDeps, signal: CancelSignal): Promise<BackendResponse> {
  const rt = admittedTenant(req);
  const body = checkRemoteWrite1(req);
  const stats: RewriteStats = { series: 0, overwritten: 0 };
  let out: Buffer;
  try {
    out = await rewriteRemoteWrite(body, deps.tenantLabel, rt.tenant.id, deps.maxDecompressedSize, stats);
  } catch (err) {
    if (!(err instanceof WriteRewriteError)) throw err;
    const tooLarge = err.status === 413;
    reject(req, tooLarge ? 'limit' : 'bad_request', new HttpError(err.status, tooLarge ? 'request_too_large' : 'bad_data', `api: ${err.message}`, { hop: 'api', reason: tooLarge ? 'body_too_large' : 'bad_remote_write' }));
  }
  if (stats.overwritten > 0) deps.metrics.writeOverwritten.inc({ tenant: rt.tenant.id }, stats.overwritten);
  const headers = forwardHeaders(req, ['user-agent']);
  headers['content-type'] = 'application/x-protobuf';
  headers['content-encoding'] = 'snappy';
  headers['x-prometheus-remote-write-version'] = typeof req.headers['x-prometheus-remote-write-version'] === 'string' ? req.headers['x-prometheus-remote-write-version'] : '0.1.0';
  return deps.backend.write({ body: out, tenantId: rt.tenant.id, headers, signal });
}
