// The backend's answer to the client: errors wrapped in the API's error shape naming whose answer it is,
// small bodies collected and sent in one write, large ones streamed (their bytes counted when the
// length is unknown, for the response-size metric).
import { Readable, Transform } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpError, type Hop } from '../../../http/errors.js';
import { isSuccess, wrapUpstreamError } from '../../../http/upstream-error.js';
import type { BackendResponse } from '../../backend/types.js';

const SMALL_BODY = 64 * 1024;

/** Sends `res` as the reply; `hop` is whose answer a passed-through error is (the HTTP backend's, or the store's). */
export async function sendBackendResponse(req: FastifyRequest, reply: FastifyReply, res: BackendResponse, hop: Hop): Promise<FastifyReply> {
  if (!isSuccess(res.status)) {
    const wrapped = await wrapUpstreamError(res, hop, req.id);
    return reply.code(wrapped.status).headers(wrapped.headers).send(wrapped.body);
  }
  reply.code(res.status);
  reply.headers(res.headers);
  let body = res.body;
  if (body instanceof Readable && (res.status === 204 || res.status === 304 || req.method === 'HEAD')) {
    // No body by definition (remote write's 204): nothing to stream or count.
    body.resume();
    req.obs.responseBytes = 0;
    return reply.send();
  }
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
    body = countedBody(req, body);
  } else if (body instanceof Readable) {
    body.on('error', (err) => req.log.warn({ err: err.message }, 'backend body interrupted'));
  }
  return reply.send(body);
}

/**
 * The body passed through a byte counter (the response-size metric of an answer of unknown length). Piped
 * with the error and early-close handling stream.pipeline gives, without it: on Node 20 every pipeline makes
 * an AbortController and, when it finishes, aborts it (a DOMException with a stack trace), per streamed answer.
 */
function countedBody(req: FastifyRequest, source: Readable): Readable {
  const ctx = req.obs;
  ctx.responseBytes = 0;
  const counted = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      ctx.responseBytes += chunk.length;
      cb(null, chunk);
    },
  });
  let interrupted = false;
  const interrupt = (message: string, err?: Error) => {
    if (interrupted) return;
    interrupted = true;
    req.log.warn({ err: message }, 'backend body interrupted');
    if (err) counted.destroy(err);
    if (!source.destroyed) source.destroy();
  };
  source.on('error', (err) => interrupt(err.message, err));
  // The answer went away (client gone) before the backend's body ended: stop reading it, as pipeline did.
  counted.on('close', () => {
    if (!source.readableEnded) interrupt('Premature close');
  });
  source.pipe(counted);
  return counted;
}

/** The whole body; with listeners rather than an async iterator, which costs several promises a chunk. */
function collect(body: Readable): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    body.on('data', (c: Buffer) => chunks.push(c));
    body.once('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    body.once('error', reject);
    // Destroyed without an error before 'end': the body was cut. (After 'end', as on every request, there is
    // nothing to do: an Error made there anyway cost a stack trace per answer.)
    body.once('close', () => {
      if (!body.readableEnded) reject(new Error('premature close'));
    });
  });
}

/** The whole body as text (the rules and alerts answers are filtered as JSON). */
export async function bodyText(body: BackendResponse['body']): Promise<string> {
  if (typeof body === 'string') return body;
  if (Buffer.isBuffer(body)) return body.toString('utf8');
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
