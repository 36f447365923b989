// What the store's read and write routes answer, shared by the fastify routes (server.ts) and the bare hot
// routes (hot-routes.ts), so that both listeners give the same answers.
import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from '../../telemetry/logger.js';
import { ingestErrorBody, ingestRemoteWrite, type IngestLimits } from '../remote-write/ingest.js';
import type { Store } from '../store.js';

/** Largest form body of a read request (Prometheus's API takes form bodies; fastify's parser limit). */
export const FORM_BODY_LIMIT = 4 << 20;

/** Query string and form body merged, as Go's r.Form does (body values first). */
export function readParams(body: string | undefined, url: string): URLSearchParams {
  const out = new URLSearchParams(body ?? '');
  const q = url.indexOf('?');
  if (q >= 0) for (const [k, v] of new URLSearchParams(url.slice(q + 1))) out.append(k, v);
  return out;
}

export interface WriteAnswer {
  status: number;
  /** The JSON error body (with the request id); none for the 204 of a stored write. */
  body?: object;
}

/** Stores a remote-write body; a 500 is logged on the request's logger (made only then). */
export async function answerWrite(store: Store, body: Buffer, headers: IncomingHttpHeaders, limits: IngestLimits, requestId: string, log: () => Logger): Promise<WriteAnswer> {
  const res = await ingestRemoteWrite(store, body, headers, limits);
  if (res.status === 204) return { status: 204 };
  if (res.status === 500) log().error({ err: res.body }, 'remote write failed');
  return { status: res.status, body: { ...ingestErrorBody(res), requestId } };
}
