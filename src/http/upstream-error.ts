// Errors passed through from another hop (a metrics backend) in the shape every obspath error has:
// Prometheus's {"status":"error","errorType","error"} plus the hop that answered and the request id.
// Backends answer errors in many shapes (Prometheus JSON without a hop, text/plain from remote-write
// receivers, HTML from proxies, gzip-compressed bodies); the caller always gets one shape, same status.
import { STATUS_CODES } from 'node:http';
import { Readable } from 'node:stream';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { errorTypeForStatus, type Hop } from './errors.js';

export interface UpstreamAnswer {
  status: number;
  headers: Record<string, string | string[]>;
  body: Readable | Buffer | string;
}

/** Error bodies are short; more than this is cut (the message, not the status, is what matters). */
const MAX_ERROR_BODY = 64 * 1024;
const MAX_MESSAGE = 4096;
// Headers that describe the body we replace; the rest (retry-after, www-authenticate, ...) pass on.
const BODY_HEADERS = new Set(['content-type', 'content-length', 'content-encoding', 'transfer-encoding', 'etag', 'last-modified']);

export function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}

async function readBounded(body: UpstreamAnswer['body']): Promise<Buffer> {
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (Buffer.isBuffer(body)) return body;
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      if (size < MAX_ERROR_BODY) chunks.push(chunk);
      size += chunk.length;
      if (size >= MAX_ERROR_BODY) break;
    }
  } catch {
    // An interrupted error body still has a status worth reporting.
  } finally {
    body.destroy();
  }
  return Buffer.concat(chunks).subarray(0, MAX_ERROR_BODY);
}

function decoded(raw: Buffer, encoding: string | string[] | undefined): Buffer {
  const enc = String(encoding ?? '').trim().toLowerCase();
  try {
    if (enc === 'gzip' || enc === 'x-gzip') return gunzipSync(raw);
    if (enc === 'deflate') return inflateSync(raw);
    if (enc === 'br') return brotliDecompressSync(raw);
  } catch {
    // A truncated or mislabelled body: show what arrived rather than nothing.
  }
  return raw;
}

function parseJsonObject(text: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** A short, printable message from a non-JSON body (text, HTML, anything). */
function textMessage(text: string, status: number): string {
  const plain = text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
  const msg = plain === '' ? `${status} ${STATUS_CODES[status] ?? ''}`.trim() : plain;
  return msg.length > MAX_MESSAGE ? `${msg.slice(0, MAX_MESSAGE)}...` : msg;
}

/**
 * Rewrites a non-2xx answer from `hop` into Prometheus-shaped JSON naming that hop and carrying the
 * request id. The status is kept; so is a body that already names its hop (it knows better where it failed).
 */
export async function wrapUpstreamError(res: UpstreamAnswer, hop: Hop, requestId: string): Promise<{ status: number; headers: Record<string, string | string[]>; body: string }> {
  const text = decoded(await readBounded(res.body), res.headers['content-encoding']).toString('utf8');
  const headers: Record<string, string | string[]> = {};
  for (const k in res.headers) if (!BODY_HEADERS.has(k.toLowerCase())) headers[k] = res.headers[k]!;
  headers['content-type'] = 'application/json';
  const json = parseJsonObject(text);
  let body: Record<string, unknown>;
  if (json && typeof json.error === 'string' && typeof json.hop === 'string' && json.status === 'error' && typeof json.errorType === 'string') {
    body = { ...json, requestId: typeof json.requestId === 'string' ? json.requestId : requestId };
  } else if (json && typeof json.error === 'string') {
    // Prometheus / VictoriaMetrics JSON: keep its errorType when it has one (VictoriaMetrics sends a number as a string).
    const errorType = typeof json.errorType === 'string' && json.errorType !== '' && !/^\d+$/.test(json.errorType) ? json.errorType : errorTypeForStatus(res.status);
    body = { ...json, status: 'error', errorType, error: json.error, hop, requestId };
  } else {
    body = { status: 'error', errorType: errorTypeForStatus(res.status), error: textMessage(json ? JSON.stringify(json) : text, res.status), hop, requestId };
  }
  return { status: res.status, headers, body: JSON.stringify(body) };
}
