// Secrets never reach the doctor's output. Values the doctor knows to be secret (client secret from flags or
// env) are replaced wherever they appear; shapes that are always secret (bearer tokens, JWTs, client_secret
// parameters) are replaced even when the value is unknown — log lines quoted as evidence may hold them.

export const REDACTED = '[REDACTED]';

const SHAPES: readonly [RegExp, string][] = [
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, `$1 ${REDACTED}`],
  // A JWT: three base64url parts, the first starting with {" encoded.
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, REDACTED],
  [/\b(secret=)(?!\$\()[^\s"'&,}]+/gi, `$1${REDACTED}`],
  [/((?:client[_-]?secret|CLIENT_SECRET|clientSecret|password|access_token|refresh_token)["']?\s*[:=]\s*["']?)(?!\$\()[^\s"'&,}]+/gi, `$1${REDACTED}`],
];

export function redactText(text: string, secrets: readonly string[] = []): string {
  let out = text;
  // Short values would blank out ordinary words; secrets shorter than 4 characters are not worth that cost.
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join(REDACTED);
  for (const [re, rep] of SHAPES) out = out.replace(re, rep);
  return out;
}

/** Deep-redacts every string in a JSON-able value (for structured evidence). */
export function redactValue<T>(value: T, secrets: readonly string[] = []): T {
  if (typeof value === 'string') return redactText(value, secrets) as T;
  if (Array.isArray(value)) return value.map((v) => redactValue(v, secrets)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, redactValue(v, secrets)])) as T;
  }
  return value;
}
