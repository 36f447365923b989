import { formatDuration } from '../config/duration.js';
import type { Hop } from '../http/errors.js';

/** Why no HTTP response arrived (the `reason` label of ..._request_failures_total). */
export type ClientFailureReason = 'timeout' | 'refused' | 'dns' | 'tls' | 'reset' | 'aborted' | 'other';

export type ClientErrorKind =
  /** No response (status 0), or the body broke off after the headers. */
  | 'network'
  /** An HTTP answer that is an error: non-2xx, or 2xx with "status":"error". */
  | 'http'
  /** A 2xx answer we cannot read as Prometheus JSON, or of the wrong result type. */
  | 'bad_response';

export interface ClientErrorFields {
  kind: ClientErrorKind;
  /** HTTP status; 0 when no response arrived. */
  status: number;
  /** Prometheus errorType from the body ("bad_data", "token_unavailable", ...), or ours: timeout, unreachable, aborted, client_error, server_error, bad_response. */
  errorType: string;
  /** The hop that answered (from a typed error body), or the hop we tried to reach when none answered. Undefined: someone behind `target` answered without saying who. */
  hop?: Hop;
  /** Machine-readable cause: the body's `reason`, or the network failure reason. */
  reason?: string;
  /** The hop the client talks to (its base URL). */
  target: Hop;
  method: string;
  /** API path relative to the base, e.g. /api/v1/query_range. */
  path: string;
  durationMs: number;
  /** The low-level error code for network failures (ECONNREFUSED, UND_ERR_HEADERS_TIMEOUT, ...). */
  code?: string;
  /** The per-request timeout in force. */
  timeoutMs: number;
  /** Seconds from a Retry-After header, when the answer had one (429, 503). */
  retryAfterS?: number;
  /** The request id the answering hop gave (x-request-id), to find its log line. */
  upstreamRequestId?: string;
}

const HOP_NAMES: Record<Hop, string> = {
  'token-refresher': 'token refresher',
  issuer: 'OIDC issuer',
  api: 'Observatorium API',
  auth: 'Observatorium API authentication',
  backend: 'metrics backend',
  store: 'metrics store',
  'fleet-manager': 'fleet manager',
  probe: 'probe',
  upstream: 'upstream',
  doctor: 'doctor service',
  console: 'obspath console',
};

export function hopName(hop: Hop): string {
  return HOP_NAMES[hop] ?? hop;
}

/**
 * Hops that never answer a client themselves: the API reports their failures in its own answer
 * ({"hop":"backend"} in a 502 from the API), so the text says who answered and which hop failed.
 */
const REPORTED_BY: Partial<Record<Hop, Hop>> = { backend: 'api', store: 'api', auth: 'api' };
const SHORT_NAMES: Partial<Record<Hop, string>> = { auth: 'auth' };

/** Hops that pass on their upstream's answers unchanged: an answer without a `hop` came from behind them. */
const PROXY_HOPS: ReadonlySet<Hop> = new Set(['token-refresher', 'api']);

/**
 * A failed Prometheus API call, typed: what kind, the status (0 = no response), the errorType, which hop
 * answered and why. `describe()` is the one-line cause an SRE reads in a log or an error reason.
 */
export class ObservatoriumError extends Error implements ClientErrorFields {
  readonly kind!: ClientErrorKind;
  readonly status!: number;
  readonly errorType!: string;
  readonly hop?: Hop;
  readonly reason?: string;
  readonly target!: Hop;
  readonly method!: string;
  readonly path!: string;
  readonly durationMs!: number;
  readonly code?: string;
  readonly timeoutMs!: number;
  readonly retryAfterS?: number;
  readonly upstreamRequestId?: string;

  constructor(fields: ClientErrorFields, message: string) {
    super(message);
    this.name = 'ObservatoriumError';
    Object.assign(this, fields);
  }

  /** Who answered, in words: "token refresher", or "upstream of the token refresher" for an untyped passed-on answer. */
  get answeredBy(): string {
    if (this.hop) return hopName(REPORTED_BY[this.hop] ?? this.hop);
    return PROXY_HOPS.has(this.target) ? `upstream of the ${hopName(this.target)}` : hopName(this.target);
  }

  /**
   * e.g. "token refresher answered 503 token_unavailable (invalid_client)",
   * "Observatorium API answered 502 upstream_unreachable (metrics backend: refused)",
   * "no response from token refresher after 30s (timeout)".
   */
  describe(): string {
    const reason = this.reason ? ` (${this.reason})` : '';
    if (this.kind === 'network') {
      const who = hopName(this.hop ?? this.target);
      if (this.status !== 0) return `${who} answered ${this.status} but its body did not arrive in full${this.reason === 'timeout' ? ` within ${formatDuration(this.timeoutMs)}` : ''}${reason}`;
      if (this.reason === 'timeout') return `no response from ${who} after ${formatDuration(this.timeoutMs)} (timeout)`;
      return `no response from ${who}: ${NETWORK_WORDS[this.reason as ClientFailureReason] ?? this.message}${reason}`;
    }
    if (this.kind === 'bad_response') return `${this.answeredBy} answered ${this.status} with an unreadable body: ${this.message}`;
    if (this.hop && REPORTED_BY[this.hop]) {
      return `${this.answeredBy} answered ${this.status} ${this.errorType} (${SHORT_NAMES[this.hop] ?? hopName(this.hop)}${this.reason ? `: ${this.reason}` : ''})`;
    }
    return `${this.answeredBy} answered ${this.status} ${this.errorType}${reason}`;
  }

  /** Fields for a structured log line. */
  toLog(): Record<string, unknown> {
    return {
      kind: this.kind, status: this.status, errorType: this.errorType, hop: this.hop, reason: this.reason, target: this.target,
      method: this.method, path: this.path, durationMs: this.durationMs, code: this.code, upstreamRequestId: this.upstreamRequestId, error: this.message,
    };
  }
}

const NETWORK_WORDS: Record<ClientFailureReason, string> = {
  timeout: 'timed out',
  refused: 'connection refused',
  dns: 'host name not found',
  tls: 'TLS handshake failed',
  reset: 'connection reset',
  aborted: 'request cancelled by the caller',
  other: 'request failed',
};
