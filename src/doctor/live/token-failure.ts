// What the refresher's token failure reasons (src/errors/refresher.ts TOKEN_FAILURE_REASONS) point at.

import type { RootCauseId } from '../causes.js';

/** The cause a token failure reason points at (TokenFailureReason of src/oauth/client.ts). */
export function causeOfTokenFailure(reason: string): { cause: RootCauseId; what: string } | undefined {
  switch (reason) {
    case 'invalid_client': case 'unauthorized_client': case 'invalid_grant':
      return { cause: 'invalid-client-credentials', what: 'the issuer rejects the client id/secret' };
    case 'invalid_scope': case 'invalid_target':
      return { cause: 'audience-mismatch', what: 'the issuer refuses the audience or scope asked for' };
    case 'issuer_tls':
      return { cause: 'tls-untrusted', what: 'the issuer\'s TLS certificate is not accepted' };
    case 'issuer_unreachable': case 'issuer_timeout': case 'issuer_dns':
      return { cause: 'issuer-unreachable', what: 'the issuer cannot be reached' };
    case 'issuer_mismatch':
      return { cause: 'issuer-mismatch', what: 'the discovery document names another issuer' };
    case 'issuer_error': case 'issuer_bad_response':
      return { cause: 'issuer-unreachable', what: 'the issuer answers with errors' };
    default:
      return undefined;
  }
}
