/** Why a request could not be authenticated. 401 for the token, 503 when the issuer's keys are not at hand. */
export type AuthFailureReason =
  | 'missing_token' | 'malformed_header' | 'malformed' | 'too_large' | 'expired' | 'not_yet_valid' | 'wrong_issuer'
  | 'wrong_audience' | 'bad_signature' | 'unknown_key' | 'alg_not_allowed' | 'missing_claim' | 'invalid_token'
  | 'issuer_unavailable' | 'jwks_unreachable';

export class AuthError extends Error {
  constructor(readonly status: 401 | 503, readonly reason: AuthFailureReason, message: string) {
    super(message);
    this.name = 'AuthError';
  }
}
