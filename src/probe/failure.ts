// What went wrong with one probe operation, in the labels of up_probe_failures_total: the hop that
// answered with the error (from our typed error bodies), "none" when nothing answered, and a reason.
import { ObservatoriumError } from '../client/index.js';
import { classifyNetworkError, isTimeout } from '../http/net-errors.js';
import type { ProbeOp } from './metrics.js';

/**
 * A hop named by an error body (token-refresher, api, auth, backend, ...), or:
 * none: no response; unknown: an answer that does not say who sent it; store: an answer without the
 * written data; issuer: the probe's own token could not be obtained; probe: the probe's own setup (token file).
 */
export type ProbeHop = string;

export interface ProbeFailure {
  op: ProbeOp;
  /** HTTP status; 0 when no response arrived (or no request could be sent). */
  httpCode: number;
  hop: ProbeHop;
  /** Short, bounded: timeout, refused, token_unavailable, upstream_unreachable, unauthorized, empty, stale, ... */
  reason: string;
  /** The finer cause where the answer gave one (e.g. invalid_client, wrong_audience, refused). */
  cause?: string;
  /** One line for a human. */
  message: string;
}

/** A failure found before any request was sent (no token), thrown by token providers. */
export class ProbeSetupError extends Error {
  constructor(readonly hop: ProbeHop, readonly reason: string, message: string, readonly cause_?: string) {
    super(message);
    this.name = 'ProbeSetupError';
  }
}

function statusErrorType(status: number): string {
  if (status >= 400 && status < 500) return 'client_error';
  if (status >= 500 && status < 600) return 'server_error';
  return 'bad_response';
}

/** A transport failure: no response. Our own deadline is a timeout whatever the socket said. */
export function networkFailure(op: ProbeOp, err: unknown, deadlineHit: boolean, what: string): ProbeFailure {
  const f = classifyNetworkError(err);
  const reason = deadlineHit || isTimeout(f.reason) ? 'timeout' : f.reason === 'unknown' ? 'other' : f.reason;
  return { op, httpCode: 0, hop: 'none', reason, message: `no response from ${what}: ${reason}${f.code ? ` (${f.code})` : ''}: ${f.message}` };
}

/**
 * A non-2xx answer to a write. Our hops answer Prometheus-shaped JSON naming themselves
 * ({"status":"error","errorType":"token_unavailable","hop":"token-refresher","reason":"invalid_client"});
 * anything else (Prometheus's plain-text remote-write errors, an nginx page) is hop "unknown".
 */
export function httpFailure(op: ProbeOp, status: number, text: string): ProbeFailure {
  let body: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
  } catch {
    /* not JSON */
  }
  const str = (k: string) => (body && typeof body[k] === 'string' ? (body[k] as string) : undefined);
  const hop = str('hop') ?? 'unknown';
  const reason = str('errorType') ?? statusErrorType(status);
  const cause = str('reason');
  const detail = str('error') ?? text.trim().slice(0, 300);
  return {
    op, httpCode: status, hop, reason, ...(cause ? { cause } : {}),
    message: `${hop === 'unknown' ? 'answer' : hop} ${status} ${reason}${cause ? ` (${cause})` : ''}${detail ? `: ${detail}` : ''}`,
  };
}

/** A failed read through the instrumented client. */
export function clientFailure(op: ProbeOp, err: unknown): ProbeFailure {
  if (err instanceof ProbeSetupError) return setupFailure(op, err);
  if (!(err instanceof ObservatoriumError)) {
    return { op, httpCode: 0, hop: 'probe', reason: 'internal', message: `probe error: ${(err as Error).message}` };
  }
  if (err.kind === 'network') {
    // status != 0: the headers came but the body broke off; still no usable response.
    return { op, httpCode: err.status, hop: 'none', reason: err.reason ?? 'other', message: err.describe() };
  }
  const reason = err.kind === 'bad_response' ? 'bad_response' : err.errorType;
  return { op, httpCode: err.status, hop: err.hop ?? 'unknown', reason, ...(err.reason ? { cause: err.reason } : {}), message: err.describe() };
}

export function setupFailure(op: ProbeOp, err: ProbeSetupError): ProbeFailure {
  return { op, httpCode: 0, hop: err.hop, reason: err.reason, ...(err.cause_ ? { cause: err.cause_ } : {}), message: err.message };
}
