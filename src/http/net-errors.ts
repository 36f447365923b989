// One place that turns Node/undici transport errors into the few causes an SRE acts on. Used by every
// component that calls another hop, so "refused", "timeout" and "dns" mean the same thing everywhere.

export type NetFailureReason =
  | 'refused' | 'dns' | 'tls' | 'reset' | 'connect_timeout' | 'headers_timeout' | 'body_timeout' | 'timeout' | 'aborted' | 'unknown';

export interface NetFailure {
  reason: NetFailureReason;
  /** The low-level code (ECONNREFUSED, UND_ERR_HEADERS_TIMEOUT, ...) when there is one. */
  code?: string;
  message: string;
}

const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|ERR_OSSL)/;

/** Finds the most specific code along the error's `cause` chain. */
function codesOf(err: unknown): { codes: string[]; names: string[]; messages: string[] } {
  const codes: string[] = [];
  const names: string[] = [];
  const messages: string[] = [];
  let cur: unknown = err;
  for (let depth = 0; cur && depth < 6; depth++) {
    const e = cur as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
    if (typeof e.code === 'string') codes.push(e.code);
    if (typeof e.name === 'string') names.push(e.name);
    if (typeof e.message === 'string') messages.push(e.message);
    // AggregateError (happy eyeballs over several addresses) carries the real causes in `errors`.
    if (Array.isArray(e.errors) && e.errors.length > 0) cur = e.errors[0];
    else cur = e.cause;
  }
  return { codes, names, messages };
}

export function classifyNetworkError(err: unknown): NetFailure {
  const { codes, names, messages } = codesOf(err);
  const message = messages[0] ?? String(err);
  const has = (...c: string[]) => codes.find((x) => c.includes(x));
  let code: string | undefined;
  if ((code = has('ECONNREFUSED'))) return { reason: 'refused', code, message };
  if ((code = has('ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME'))) return { reason: 'dns', code, message };
  if ((code = codes.find((c) => TLS_CODES.test(c)))) return { reason: 'tls', code, message };
  if ((code = has('UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT', 'ECONNABORTED'))) return { reason: 'connect_timeout', code, message };
  if ((code = has('UND_ERR_HEADERS_TIMEOUT'))) return { reason: 'headers_timeout', code, message };
  if ((code = has('UND_ERR_BODY_TIMEOUT'))) return { reason: 'body_timeout', code, message };
  if (names.includes('TimeoutError') || (code = has('ABORT_ERR_TIMEOUT'))) return { reason: 'timeout', code, message };
  if ((code = has('ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH'))) {
    return { reason: code === 'EHOSTUNREACH' || code === 'ENETUNREACH' ? 'refused' : 'reset', code, message };
  }
  if (names.includes('AbortError') || (code = has('UND_ERR_ABORTED', 'ABORT_ERR'))) return { reason: 'aborted', code, message };
  return { reason: 'unknown', code: codes[0], message };
}

/** True for reasons that mean "we waited and nothing came", as opposed to an active refusal. */
export function isTimeout(reason: NetFailureReason): boolean {
  return reason === 'connect_timeout' || reason === 'headers_timeout' || reason === 'body_timeout' || reason === 'timeout';
}
