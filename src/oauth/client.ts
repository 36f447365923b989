import { Agent, request } from 'undici';
import { classifyNetworkError, isTimeout } from '../http/net-errors.js';
import { extraCaConnectOptions } from '../http/extra-ca.js';

/** Why the refresher holds no token: an OAuth error code from the issuer, or a transport cause. */
export type TokenFailureReason =
  | 'invalid_client' | 'unauthorized_client' | 'invalid_scope' | 'invalid_grant' | 'invalid_request' | 'invalid_target'
  | 'issuer_unreachable' | 'issuer_timeout' | 'issuer_tls' | 'issuer_dns' | 'issuer_error' | 'issuer_bad_response'
  | 'issuer_mismatch' | 'no_token_yet' | 'token_expired';

export class TokenError extends Error {
  constructor(readonly reason: TokenFailureReason | string, message: string, readonly status?: number) {
    super(message);
    this.name = 'TokenError';
  }
}

export interface DiscoveryDocument {
  issuer: string;
  token_endpoint: string;
  jwks_uri?: string;
  token_endpoint_auth_methods_supported?: string[];
}

export interface TokenResponse {
  accessToken: string;
  /** Absolute expiry, ms since epoch. */
  expiresAt: number;
  ttlMs: number;
}

export interface OAuthClientOptions {
  issuerUrl: string;
  /** The token endpoint itself (Prometheus's oauth2 `token_url`): no OIDC discovery then. */
  tokenUrl?: string;
  clientId: string;
  clientSecret: string;
  audience?: string;
  scopes?: readonly string[];
  /** Bound on each token attempt (discovery included), ms. */
  timeoutMs: number;
}

function transportError(err: unknown, what: string, timeoutMs: number): TokenError {
  if (err instanceof TokenError) return err;
  const f = classifyNetworkError(err);
  const reason: TokenFailureReason = isTimeout(f.reason)
    ? 'issuer_timeout'
    : f.reason === 'tls' ? 'issuer_tls' : f.reason === 'dns' ? 'issuer_dns' : 'issuer_unreachable';
  if (reason === 'issuer_timeout') return new TokenError(reason, `${what}: no answer within the token deadline of ${timeoutMs} ms (--oidc.timeout)`);
  return new TokenError(reason, `${what}: ${f.reason}${f.code ? ` (${f.code})` : ''}: ${f.message}`);
}

/**
 * The OAuth2 client-credentials client of the refresher: discovery and token calls, each bounded by
 * a timeout, each failure classified (the issuer's OAuth error code, or the transport cause).
 */
export class OAuthClient {
  readonly #agent: Agent;
  #discovery?: DiscoveryDocument;

  constructor(private readonly opts: OAuthClientOptions) {
    // The exact bound is each attempt's AbortSignal; undici's own timers (coarse, ~1 s steps above 1 s)
    // are only a backstop, set later so they never fire first.
    const backstop = opts.timeoutMs + 1000;
    this.#agent = new Agent({ connect: { timeout: backstop, ...extraCaConnectOptions() }, headersTimeout: backstop, bodyTimeout: backstop, keepAliveTimeout: 30_000 });
  }

  get discovery(): DiscoveryDocument | undefined {
    return this.#discovery;
  }

  async discover(signal: AbortSignal = AbortSignal.timeout(this.opts.timeoutMs)): Promise<DiscoveryDocument> {
    const base = this.opts.issuerUrl.replace(/\/+$/, '');
    const url = `${base}/.well-known/openid-configuration`;
    let status: number;
    let text: string;
    try {
      const res = await request(url, { dispatcher: this.#agent, signal, headers: { accept: 'application/json' } });
      status = res.statusCode;
      text = await res.body.text();
    } catch (err) {
      throw transportError(err, `OIDC discovery at ${url}`, this.opts.timeoutMs);
    }
    if (status !== 200) {
      throw new TokenError(status >= 500 ? 'issuer_error' : 'issuer_bad_response', `OIDC discovery at ${url} answered ${status}: ${text.slice(0, 200)}`, status);
    }
    let doc: DiscoveryDocument;
    try {
      doc = JSON.parse(text) as DiscoveryDocument;
    } catch {
      throw new TokenError('issuer_bad_response', `OIDC discovery at ${url} did not answer JSON`);
    }
    if (typeof doc.token_endpoint !== 'string') throw new TokenError('issuer_bad_response', `OIDC discovery at ${url} has no token_endpoint`);
    if (typeof doc.issuer === 'string' && doc.issuer.replace(/\/+$/, '') !== base) {
      throw new TokenError('issuer_mismatch', `OIDC discovery at ${url} names issuer "${doc.issuer}", not the configured "${base}"`);
    }
    this.#discovery = doc;
    return doc;
  }

  /** One client-credentials grant, discovery first when it has not succeeded yet, within one deadline. */
  async fetchToken(): Promise<TokenResponse> {
    const signal = AbortSignal.timeout(this.opts.timeoutMs);
    const doc = this.#discovery ?? (this.opts.tokenUrl !== undefined ? { issuer: this.opts.issuerUrl, token_endpoint: this.opts.tokenUrl } : await this.discover(signal));
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    // Unlike the Go refresher (where --scope replaced the audience), both are sent.
    if (this.opts.audience) form.set('audience', this.opts.audience);
    if (this.opts.scopes && this.opts.scopes.length > 0) form.set('scope', this.opts.scopes.join(' '));
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    const methods = doc.token_endpoint_auth_methods_supported;
    if (methods && !methods.includes('client_secret_basic') && methods.includes('client_secret_post')) {
      form.set('client_id', this.opts.clientId);
      form.set('client_secret', this.opts.clientSecret);
    } else {
      const enc = (s: string) => encodeURIComponent(s);
      headers.authorization = `Basic ${Buffer.from(`${enc(this.opts.clientId)}:${enc(this.opts.clientSecret)}`).toString('base64')}`;
    }
    const started = Date.now();
    let status: number;
    let text: string;
    try {
      const res = await request(doc.token_endpoint, {
        method: 'POST', body: form.toString(), headers, dispatcher: this.#agent, signal,
      });
      status = res.statusCode;
      text = await res.body.text();
    } catch (err) {
      throw transportError(err, `token request to ${doc.token_endpoint}`, this.opts.timeoutMs);
    }
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      /* handled below */
    }
    if (status !== 200) {
      const code = typeof body.error === 'string' ? body.error : status >= 500 ? 'issuer_error' : 'issuer_bad_response';
      const desc = typeof body.error_description === 'string' ? `: ${body.error_description}` : '';
      throw new TokenError(code, `token request to ${doc.token_endpoint} answered ${status} ${code}${desc}`, status);
    }
    if (typeof body.access_token !== 'string' || body.access_token === '') {
      throw new TokenError('issuer_bad_response', `token response from ${doc.token_endpoint} has no access_token`);
    }
    const ttlMs = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in * 1000 : jwtTtlMs(body.access_token, started) ?? 300_000;
    return { accessToken: body.access_token, expiresAt: started + ttlMs, ttlMs };
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }
}

/** Lifetime from a JWT's `exp`, when the issuer did not send `expires_in`. */
function jwtTtlMs(token: string, now: number): number | undefined {
  const part = token.split('.')[1];
  if (!part) return undefined;
  try {
    const { exp } = JSON.parse(Buffer.from(part, 'base64url').toString()) as { exp?: number };
    return typeof exp === 'number' ? exp * 1000 - now : undefined;
  } catch {
    return undefined;
  }
}
