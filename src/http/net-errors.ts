// One place that turns Node/undici transport errors into the few causes an SRE acts on. Used by every
// component that calls another hop, so "refused", "timeout" and "dns" mean the same thing everywhere.

export type NetFailureReason =
  | 'refused' | 'dns' | 'tls' | 'reset' | 'connect_timeout' | 'headers_timeout' | 'body_timeout' | 'timeout' | 'aborted' | 'unknown';

/** What is wrong with a TLS peer, in the words an SRE acts on (the doctor's causes use the same names). */
export type TlsFailureCause = 'unknown_authority' | 'hostname_mismatch' | 'expired' | 'not_yet_valid' | 'client_certificate' | 'handshake';

export interface NetFailure {
  reason: NetFailureReason;
  /** For reason "tls": which TLS failure. */
  tls?: TlsFailureCause;
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

// OpenSSL's verify codes as Node reports them, grouped by what to fix.
const TLS_CAUSES: Record<string, TlsFailureCause> = {
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unknown_authority',
  UNABLE_TO_GET_ISSUER_CERT: 'unknown_authority',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'unknown_authority',
  SELF_SIGNED_CERT_IN_CHAIN: 'unknown_authority',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'unknown_authority',
  CERT_SIGNATURE_FAILURE: 'unknown_authority',
  CERT_UNTRUSTED: 'unknown_authority',
  ERR_TLS_CERT_ALTNAME_INVALID: 'hostname_mismatch',
  CERT_HAS_EXPIRED: 'expired',
  CERT_NOT_YET_VALID: 'not_yet_valid',
};
// A server that refuses our client certificate (or its absence) ends the handshake with an alert. Under
// TLS 1.3 that alert comes after the client's handshake is done, and undici usually reports only "other
// side closed" (a reset): only TLS 1.2 names it reliably.
const TLS_ALERT = /alert (certificate required|bad certificate|unknown ca|certificate unknown)|SSL alert number (42|48|116)/i;
const CLIENT_CERT_ALERT = /ALERT_(CERTIFICATE_REQUIRED|BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_UNKNOWN)$/;

function tlsCauseOf(code: string): TlsFailureCause {
  return TLS_CAUSES[code] ?? (CLIENT_CERT_ALERT.test(code) ? 'client_certificate' : 'handshake');
}

const TLS_CAUSE_TEXT: Record<TlsFailureCause, string> = {
  unknown_authority: 'certificate signed by an unknown authority (give the CA file)',
  hostname_mismatch: 'certificate is not valid for this host name',
  expired: 'certificate has expired',
  not_yet_valid: 'certificate is not yet valid',
  client_certificate: 'the server refused our client certificate (or its absence)',
  handshake: 'TLS handshake failed',
};

/** One line for a transport failure: "tls: certificate has expired (CERT_HAS_EXPIRED)", "refused (ECONNREFUSED)". */
export function describeNetFailure(f: NetFailure): string {
  const what = f.tls ? `tls: ${TLS_CAUSE_TEXT[f.tls]}` : f.reason;
  return `${what}${f.code ? ` (${f.code})` : ''}`;
}

export function classifyNetworkError(err: unknown): NetFailure {
  const { codes, names, messages } = codesOf(err);
  const message = messages[0] ?? String(err);
  const has = (...c: string[]) => codes.find((x) => c.includes(x));
  let code: string | undefined;
  if ((code = has('ECONNREFUSED'))) return { reason: 'refused', code, message };
  if ((code = has('ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME'))) return { reason: 'dns', code, message };
  if ((code = codes.find((c) => TLS_CODES.test(c)))) return { reason: 'tls', tls: tlsCauseOf(code), code, message };
  const alert = messages.find((m) => TLS_ALERT.test(m));
  if (alert) return { reason: 'tls', tls: 'client_certificate', code: codes[0], message: alert };
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
