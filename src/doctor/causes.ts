// The fixed set of root causes a doctor verdict may name. Each one is a place in the path (the hop), a
// sentence an SRE can act on, the runbook step that covers it, and the fix. The ids are part of the JSON
// output contract (src/doctor/README.md): add new ones, never rename.

export const ROOT_CAUSE_IDS = [
  'refresher-unreachable',
  'refresher-crashloop',
  'network-policy-blocks',
  'invalid-client-credentials',
  'missing-client-credentials',
  'issuer-unreachable',
  'wrong-observatorium-url',
  'observatorium-unreachable',
  'observatorium-down',
  'backend-down',
  'rate-limited',
  'audience-mismatch',
  'issuer-mismatch',
  'tenant-not-registered',
  'rbac-denied',
  'client-timeout',
  'stale-signing-key',
  'clock-skew',
  'tls-untrusted',
  'unknown',
] as const;

export type RootCauseId = (typeof ROOT_CAUSE_IDS)[number];

export type HopName = 'fleet-manager' | 'network' | 'token-refresher' | 'issuer' | 'observatorium-api' | 'backend' | 'unknown';

export interface RootCause {
  id: RootCauseId;
  hop: HopName;
  title: string;
  /** What the fleet manager sees when this is the cause (status codes, as in observatorium.md §0). */
  symptom: string;
  /** Runbook step(s) (docs: observatorium-non-2xx.md) under which an SRE would find it. */
  runbookSteps: number[];
  fix: string;
}

export const ROOT_CAUSES: Readonly<Record<RootCauseId, RootCause>> = {
  'refresher-unreachable': {
    id: 'refresher-unreachable', hop: 'token-refresher', title: 'The token refresher is not serving',
    symptom: 'status 0 (connection refused or timeout) on every fleet-manager request',
    runbookSteps: [4], fix: 'Bring the token-refresher deployment back: check its pods, events and the node; scale it to at least one ready replica.',
  },
  'refresher-crashloop': {
    id: 'refresher-crashloop', hop: 'token-refresher', title: 'The token refresher is crash-looping',
    symptom: 'status 0 while the pod restarts; "Token refresher down" alert',
    runbookSteps: [4], fix: 'Read the previous container log (kubectl logs --previous): the Go refresher exits when OIDC discovery fails at start; fix the issuer reachability or the config it names.',
  },
  'network-policy-blocks': {
    id: 'network-policy-blocks', hop: 'network', title: 'A NetworkPolicy blocks the fleet manager from the token refresher',
    symptom: 'status 0 (timeout) on the fleet-manager side only; the refresher logs nothing',
    runbookSteps: [4], fix: 'Fix NetworkPolicy token-refresher so that it admits pods app=kas-fleet-manager (and operator.prometheus.io/name=app-sre) from the fleet manager\'s namespace, and that no egress policy on the client side drops the traffic.',
  },
  'invalid-client-credentials': {
    id: 'invalid-client-credentials', hop: 'issuer', title: 'The issuer rejects the refresher\'s client id/secret',
    symptom: '502 (Go refresher, empty body) or 503 token_unavailable/invalid_client (obspath) on every request',
    runbookSteps: [3], fix: 'Rotate or correct grafana.clientId / grafana.clientSecret in secret kas-fleet-manager-observatorium-configuration-red-hat-sso, then restart the refresher.',
  },
  'missing-client-credentials': {
    id: 'missing-client-credentials', hop: 'token-refresher', title: 'Client id, client secret or issuer URL is not populated',
    symptom: 'the refresher cannot start, or every token request fails',
    runbookSteps: [3], fix: 'Populate CLIENT_ID, CLIENT_SECRET (from the red-hat-sso secret) and ISSUER_URL (https://sso.redhat.com/auth/realms/redhat-external) on the refresher deployment.',
  },
  'issuer-unreachable': {
    id: 'issuer-unreachable', hop: 'issuer', title: 'The OIDC issuer cannot be reached from the refresher',
    symptom: 'Go refresher: crash loop at start, 502 or hangs later; obspath: 503 token_unavailable issuer_unreachable/issuer_timeout',
    runbookSteps: [3, 4], fix: 'Check ISSUER_URL, DNS and egress from the refresher namespace to the issuer (proxy, egress NetworkPolicy, firewall); check sso.redhat.com status.',
  },
  'wrong-observatorium-url': {
    id: 'wrong-observatorium-url', hop: 'token-refresher', title: 'OBSERVATORIUM_URL is wrong for this environment',
    symptom: '401 tenant not found, 404, DNS failures (502/status 0), or data from the wrong environment',
    runbookSteps: [2, 4], fix: 'Set OBSERVATORIUM_URL on the refresher to the environment\'s URL (see check 2) and restart it.',
  },
  'observatorium-unreachable': {
    id: 'observatorium-unreachable', hop: 'observatorium-api', title: 'The refresher cannot reach the Observatorium API',
    symptom: '502 (Go: empty, "http: proxy error"; obspath: upstream_unreachable) or 504 upstream_timeout',
    runbookSteps: [4, 5], fix: 'Check DNS, egress and TLS from the refresher to the Observatorium host; check the Observatorium status page.',
  },
  'observatorium-down': {
    id: 'observatorium-down', hop: 'observatorium-api', title: 'The Observatorium API is failing',
    symptom: '5xx from the API itself',
    runbookSteps: [5], fix: 'Check the Observatorium API dashboard (/query and /query_range panels); escalate to the Observatorium team.',
  },
  'backend-down': {
    id: 'backend-down', hop: 'backend', title: 'The metrics backend behind Observatorium is failing',
    symptom: '502/503/504 from the API with an upstream (Thanos) error',
    runbookSteps: [5], fix: 'Check the Thanos querier behind Observatorium; escalate to the Observatorium team.',
  },
  'rate-limited': {
    id: 'rate-limited', hop: 'observatorium-api', title: 'The tenant is rate limited',
    symptom: '429 Too Many Requests (or "Server capacity exceeded.")',
    runbookSteps: [5], fix: 'Reduce the fleet manager\'s query rate or ask for a higher tenant limit.',
  },
  'audience-mismatch': {
    id: 'audience-mismatch', hop: 'observatorium-api', title: 'The token\'s audience is not the one the tenant expects',
    symptom: '500 failed to verify ID token (Go API) / 401 (obspath API)',
    runbookSteps: [3], fix: 'Request the audience the tenant\'s OIDC clientID expects (--oidc.audience=observatorium-telemeter) and make sure the issuer client may ask for it.',
  },
  'issuer-mismatch': {
    id: 'issuer-mismatch', hop: 'observatorium-api', title: 'The token comes from an issuer the tenant does not trust',
    symptom: '500 failed to verify ID token (Go API) / 401 (obspath API)',
    runbookSteps: [3], fix: 'Point ISSUER_URL at the issuer configured for the tenant (https://sso.redhat.com/auth/realms/redhat-external).',
  },
  'tenant-not-registered': {
    id: 'tenant-not-registered', hop: 'observatorium-api', title: 'The tenant in the URL is unknown or not initialised',
    symptom: '401 tenant not found, have you registered it?',
    runbookSteps: [2, 5], fix: 'Check the tenant segment of OBSERVATORIUM_URL (managedkafka); if it is right, the API cannot reach its OIDC provider.',
  },
  'rbac-denied': {
    id: 'rbac-denied', hop: 'observatorium-api', title: 'The client is not allowed to read the tenant',
    symptom: '403 You don\'t have permission to access this tenant',
    runbookSteps: [5], fix: 'Bind the service account (token subject or group) to a role with metrics/read on the tenant.',
  },
  'client-timeout': {
    id: 'client-timeout', hop: 'fleet-manager', title: 'Requests time out before any hop answers',
    symptom: 'status 0 after the client timeout, no error logged by the refresher',
    runbookSteps: [4], fix: 'Find the slow hop (issuer, Observatorium, backend); raise --observatorium-timeout only once the hop is known.',
  },
  'stale-signing-key': {
    id: 'stale-signing-key', hop: 'issuer', title: 'The token is signed by a key the issuer no longer publishes',
    symptom: '401 unknown_key or bad_signature (obspath API) / 500 failed to verify ID token (Go API) until the refresher\'s token expires',
    runbookSteps: [3, 5], fix: 'Restart the token refresher (or let it fetch a new token) so that it holds a token signed by the issuer\'s current key; on the issuer, keep rotated-out keys in the JWKS for at least one token lifetime (Keycloak: keep the old key passive, not deleted; obspath issuer: --keys.retain).',
  },
  'clock-skew': {
    id: 'clock-skew', hop: 'issuer', title: 'The issuer\'s clock and Observatorium\'s disagree',
    symptom: '401 expired or not_yet_valid on tokens the refresher has just obtained',
    runbookSteps: [3], fix: 'Fix the clock of the host that is off (NTP/chrony on the issuer, the API or the node): a token is valid from its iat/nbf to its exp as the API\'s clock reads them.',
  },
  'tls-untrusted': {
    id: 'tls-untrusted', hop: 'network', title: 'A TLS certificate on the path is not accepted (unknown CA, wrong host name, expired)',
    symptom: '502 upstream_unreachable with reason tls (obspath names unknown_authority, hostname_mismatch, expired or not_yet_valid), or 503 token_unavailable issuer_tls',
    runbookSteps: [3, 4], fix: 'Give the client the CA that signed the server\'s certificate (--upstream.ca-file, --metrics.tls.ca-file, --observatorium-ca-file, --tls-ca-file), or renew the server\'s certificate for the host name clients use.',
  },
  unknown: {
    id: 'unknown', hop: 'unknown', title: 'No known cause matched the evidence',
    symptom: 'non-2xx without a matching signature',
    runbookSteps: [1, 2, 3, 4, 5], fix: 'Follow the runbook by hand with the evidence above and escalate to the Control Plane team.',
  },
};

export function rootCause(id: RootCauseId): RootCause {
  return ROOT_CAUSES[id];
}
