// The backend's answer to the client: errors wrapped in the API's error shape naming whose answer it is,
// small bodies (sized or not) collected and sent in one write, large ones streamed (their bytes counted when the
// length is unknown, for the response-size metric).
import { Readable, Transform } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpError, type Hop } from '../../../http/errors.js';
import { isSuccess, wrapUpstreamError } from '../../../http/upstream-error.js';
import type { BackendResponse } from '../../backend/types.js';

export const SMALL_BODY = 64 * 1024;

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
  if (body instanceof Readable && mayBeSmall(res)) {
    // Small answers (most query results) are cheaper to collect and send in one write than to pipe.
    const whole = await collectSmall(body);
    if (whole) return reply.send(whole);
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

/** A body that is not known to be larger than SMALL_BODY: one of that length or less, or one without a length. */
export function mayBeSmall(res: BackendResponse): boolean {
  const length = res.headers['content-length'];
  return length === undefined || Number(length) <= SMALL_BODY;
}

/**
 * The whole body if it ends within SMALL_BODY bytes (Prometheus sends its answers above 2 KB without a
 * length: a 40 KB query_range answer collected and sent with its length costs less CPU than piping it
 * chunked); undefined once it runs past that, with what was read put back, so it streams from its start.
 * A body cut before its end is the backend's 502 either way.
 */
export async function collectSmall(body: Readable): Promise<Buffer | undefined> {
  return collectUpTo(body, SMALL_BODY).catch((err: Error) => {
    throw new HttpError(502, 'upstream_unreachable', `backend: response body interrupted: ${err.message}`, { hop: 'backend', reason: 'reset' });
  });
}

function collectUpTo(body: Readable, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      chunks.push(c);
      size += c.length;
      if (size <= limit) return;
      // Larger than a small answer: stop here and put the bytes back for the stream.
      body.pause();
      off();
      body.unshift(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
      resolve(undefined);
    };
    const onEnd = () => {
      off();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onError = (err: Error) => {
      off();
      reject(err);
    };
    // Destroyed without an error before 'end': the body was cut.
    const onClose = () => {
      off();
      if (!body.readableEnded) reject(new Error('premature close'));
    };
    const off = () => {
      body.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
    };
    body.on('data', onData).once('end', onEnd).once('error', onError).once('close', onClose);
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
