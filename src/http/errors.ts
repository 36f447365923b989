// Error bodies in Prometheus's API shape ({"status":"error","errorType":...,"error":...}) so promapi
// clients parse them, plus the fields that let an SRE place a failure on a hop: which hop answered
// (`hop`), a machine-readable `reason`, and the request id.

export type Hop = 'token-refresher' | 'issuer' | 'api' | 'auth' | 'backend' | 'store' | 'fleet-manager' | 'probe' | 'upstream' | 'doctor' | 'console';

export interface PromErrorBody {
  status: 'error';
  errorType: string;
  error: string;
  hop?: Hop;
  reason?: string;
  requestId?: string;
  [extra: string]: unknown;
}

/** An error that already knows its HTTP answer. Throw it from a handler; the server's error handler sends it. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly errorType: string,
    message: string,
    readonly fields: { hop?: Hop; reason?: string; headers?: Record<string, string>; [k: string]: unknown } = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }

  body(requestId?: string): PromErrorBody {
    const { headers: _h, ...rest } = this.fields;
    return { status: 'error', errorType: this.errorType, error: this.message, ...rest, ...(requestId ? { requestId } : {}) };
  }
}

export function promError(errorType: string, error: string, extra: Omit<PromErrorBody, 'status' | 'errorType' | 'error'> = {}): PromErrorBody {
  return { status: 'error', errorType, error, ...extra };
}

/** Prometheus's errorType for a status code, where the caller gave none. */
export function errorTypeForStatus(status: number): string {
  if (status === 400) return 'bad_data';
  if (status === 404) return 'not_found';
  if (status === 405) return 'method_not_allowed';
  if (status === 408) return 'timeout';
  if (status === 413) return 'request_too_large';
  if (status === 415) return 'unsupported_media_type';
  if (status === 429) return 'too_many_requests';
  if (status === 422) return 'execution';
  if (status === 503) return 'unavailable';
  if (status >= 500) return 'internal';
  return 'bad_request';
}

/** The error body for a bare status (framework errors, raw sockets): Prometheus's errorType for it, the hop, the request id. */
export function statusError(status: number, error: string, hop: Hop, requestId?: string): PromErrorBody {
  return promError(errorTypeForStatus(status), error, { hop, ...(requestId ? { requestId } : {}) });
}
