// Authentication: a bearer token (Authorization, else X-Forwarded-Access-Token as oauth2-proxy sets it)
// verified by the tenant's OIDC authenticator. 401 with a WWW-Authenticate challenge for a missing,
// malformed or invalid token; 503 with Retry-After when the issuer's keys are not at hand.
import { HttpError } from '../../http/errors.js';
import type { TLSSocket } from 'node:tls';
import { AuthError } from '../authentication/errors.js';
import { MtlsAuthenticator, MtlsError } from '../authentication/mtls.js';
import { admittedTenant, reject, tenantParam, type ApiRequest } from './context.js';

/** Strips characters that cannot go in a quoted-string header parameter. */
const headerSafe = (s: string) => s.replace(/[^\x20-\x7e]|["\\]/g, "'").slice(0, 300);

/** The request's bearer token; answers 401 when there is none or the header is not "Bearer <token>". */
export function bearerToken(req: ApiRequest, tenant: string): string {
  let h = req.headers.authorization;
  if (!h) {
    const fwd = req.headers['x-forwarded-access-token'];
    if (typeof fwd === 'string' && fwd !== '') return fwd;
    reject(req, 'auth', new HttpError(401, 'unauthorized', `auth: no bearer token for tenant "${tenant}": send Authorization: Bearer <token>`, {
      hop: 'auth', reason: 'missing_token', headers: { 'www-authenticate': `Bearer realm="${tenant}"` },
    }));
  }
  h = h.trim();
  const sp = h.indexOf(' ');
  const token = sp > 0 ? h.slice(sp + 1).trim() : '';
  if (sp < 0 || h.slice(0, sp).toLowerCase() !== 'bearer' || token === '' || token.includes(' ')) {
    reject(req, 'auth', new HttpError(401, 'unauthorized', 'auth: invalid Authorization header: expected "Bearer <token>"', {
      hop: 'auth', reason: 'malformed_header', headers: { 'www-authenticate': `Bearer realm="${tenant}", error="invalid_request"` },
    }));
  }
  return token;
}

/** The answer to a token the authenticator refused. */
export function authFailure(tenant: string, err: AuthError): { reason: 'auth' | 'auth_unavailable'; error: HttpError } {
  if (err.status === 503) {
    return {
      reason: 'auth_unavailable',
      error: new HttpError(503, 'unavailable', `auth: cannot verify tokens of tenant "${tenant}": ${err.message}`, {
        hop: 'auth', reason: err.reason, headers: { 'retry-after': '5' },
      }),
    };
  }
  return {
    reason: 'auth',
    error: new HttpError(401, 'unauthorized', `auth: invalid token for tenant "${tenant}" (${err.reason}): ${err.message}`, {
      hop: 'auth', reason: err.reason,
      headers: { 'www-authenticate': `Bearer realm="${tenant}", error="invalid_token", error_description="${headerSafe(`${err.reason}: ${err.message}`)}"` },
    }),
  };
}

/**
 * Verifies the bearer token with the tenant's authenticator and records the caller. Runs after the tenant
 * middleware. A token in the authenticator's cache is admitted without a promise (the chain goes on at once).
 */
export function authenticationMiddleware(req: ApiRequest): void | Promise<void> {
  const rt = admittedTenant(req);
  const name = tenantParam(req);
  if (rt.auth instanceof MtlsAuthenticator) {
    try {
      req.obs.identity = rt.auth.authenticatePeer(req.raw.socket as TLSSocket);
    } catch (err) {
      if (!(err instanceof MtlsError)) throw err;
      reject(req, 'auth', new HttpError(401, 'unauthorized', `auth: ${err.message}`, { hop: 'auth', reason: err.reason }));
    }
    return;
  }
  const token = bearerToken(req, name);
  const cached = rt.auth.cachedIdentity(token);
  if (cached !== undefined) {
    req.obs.identity = cached;
    return;
  }
  return rt.auth.authenticate(token).then(
    (identity) => {
      req.obs.identity = identity;
    },
    (err: unknown) => {
      if (!(err instanceof AuthError)) throw err;
      const refusal = authFailure(name, err);
      reject(req, refusal.reason, refusal.error);
    },
  );
}
