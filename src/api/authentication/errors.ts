import type { AuthFailureReason } from '../../errors/api.js';

/** Why a request could not be authenticated (the catalog, src/errors/api.ts): 401 for the token, 503 when the issuer's keys are not at hand. */
export type { AuthFailureReason };

export class AuthError extends Error {
  constructor(readonly status: 401 | 503, readonly reason: AuthFailureReason, message: string) {
    super(message);
    this.name = 'AuthError';
  }
}
