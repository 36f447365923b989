// What the proxy needs to retry a request whose token the upstream rejected: the rejection's reason as
// the Observatorium API reports it, and the caller's body in a form that can be sent twice.
import type { IncomingMessage } from 'node:http';
import { PassThrough, type Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { AuthFailureReason } from '../errors/api.js';

/** Reasons (the API's, src/errors/api.ts) that mean "this token is no good, another one may be": retried once. */
const RETRYABLE: readonly AuthFailureReason[] = ['unknown_key', 'bad_signature', 'expired'];
export const RETRYABLE_TOKEN_REJECTIONS: ReadonlySet<string> = new Set(RETRYABLE);

/** Bodies up to this size are buffered so that they can be replayed; larger or unsized ones stream. */
export const REPLAY_LIMIT_BYTES = 256 * 1024;

const REJECTION_BODY_LIMIT = 16 * 1024;

export type RequestBody =
  | { kind: 'none' }
  | { kind: 'buffered'; data: Buffer }
  /** Streamed from the caller: sent once, never retried. */
  | { kind: 'stream'; data: Readable };

const NO_BODY: RequestBody = { kind: 'none' };

/**
 * Reads a small body with a declared length into memory; anything else is left to stream. Synchronous
 * when there is nothing to read (every GET), so the common request does not wait a turn for it.
 */
export function takeRequestBody(req: IncomingMessage): RequestBody | Promise<RequestBody> {
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD' && (req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined);
  if (!hasBody) return NO_BODY;
  const declared = Number(req.headers['content-length']);
  if (req.headers['transfer-encoding'] !== undefined || !Number.isFinite(declared) || declared > REPLAY_LIMIT_BYTES) return streamedBody(req);
  return readBody(req);
}

/**
 * The caller's body behind a pass-through: undici destroys the body it sends when the upstream answers
 * before reading all of it, and destroying the caller's request would reset its connection, losing the
 * answer. What the upstream left unread is drained once the answer is sent (BareServer).
 */
function streamedBody(req: IncomingMessage): RequestBody {
  const data = new PassThrough();
  data.on('error', () => {});
  req.pipe(data);
  return { kind: 'stream', data };
}

async function readBody(req: IncomingMessage): Promise<RequestBody> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return { kind: 'buffered', data: Buffer.concat(chunks) };
}

/** The reason in `WWW-Authenticate: Bearer error="invalid_token", error_description="<reason>: ..."`. */
export function reasonFromChallenge(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header.join(', ') : header;
  if (!value || !/error="invalid_token"/.test(value)) return undefined;
  return /error_description="([a-z_]+):/.exec(value)?.[1];
}

export interface Rejection {
  /** The upstream's reason, when it gave one. */
  reason?: string;
  /** The 401 body (unread, or read to find the reason): what the caller gets when no retry happens. */
  body: Buffer | Dispatcher.ResponseData['body'];
}

/**
 * Why the upstream answered 401: from the WWW-Authenticate challenge, else from the `reason` of its JSON
 * error body when that body is small and sized (it is read, and kept to be passed on unchanged).
 */
export async function readRejection(res: Dispatcher.ResponseData): Promise<Rejection> {
  const fromHeader = reasonFromChallenge(res.headers['www-authenticate']);
  if (fromHeader) return { reason: fromHeader, body: res.body };
  const length = Number(res.headers['content-length']);
  if (!Number.isFinite(length) || length > REJECTION_BODY_LIMIT) return { body: res.body };
  const body = Buffer.from(await res.body.arrayBuffer());
  try {
    const json = JSON.parse(body.toString('utf8')) as { reason?: unknown };
    return { reason: typeof json.reason === 'string' ? json.reason : undefined, body };
  } catch {
    return { body };
  }
}
