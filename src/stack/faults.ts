// The runbook's failures, each injected for real into the local stack by `obspath up --fault NAME`.
// The catalog says what the fleet manager's Observatorium client then records and which alert fires,
// so SREs can see every symptom on a laptop and tests can hold the stack to it.

export type FaultName =
  | 'wrong-url-host' | 'wrong-url-path' | 'wrong-url-tenant' | 'missing-client-id' | 'wrong-client-secret'
  | 'issuer-down' | 'issuer-slow' | 'refresher-down' | 'refresher-blackholed' | 'api-down' | 'api-5xx'
  | 'backend-down' | 'backend-slow' | 'rate-limited' | 'audience-mismatch';

export interface Fault {
  name: FaultName;
  /** The runbook step it belongs to. */
  runbookStep: 2 | 3 | 4 | 5;
  /** What is done to the stack. */
  injects: string;
  /** The hop that fails. */
  hop: 'issuer' | 'token-refresher' | 'network' | 'api' | 'backend';
  /** kas_fleet_manager_observatorium_request_count{code} the fleet manager records. */
  fleetCode: string;
  /** kas_fleet_manager_observatorium_request_failures_total{reason} when no response arrives (code 0). */
  failureReason?: 'refused' | 'timeout';
  /** Alerts of deploy/prometheus/alerts.yaml that fire. */
  alerts: string[];
  /** The doctor's verdict (issue 7 root-cause id). */
  verdict: string;
  /** Some requests still succeed (a limit, not an outage). */
  partial?: boolean;
}

const NON2XX = 'ObservatoriumRequestsNon2xx';
const TIMEOUTS = 'ObservatoriumRequestTimeouts';
const DOWN = 'TokenRefresherDown';
const REFRESH = 'TokenRefresherTokenRefreshFailing';
const PROBE = 'ObservatoriumProbeFailing';

export const FAULTS: readonly Fault[] = [
  { name: 'wrong-url-host', runbookStep: 2, injects: "the refresher's --url points at a host:port where no Observatorium listens", hop: 'token-refresher', fleetCode: '502', alerts: [NON2XX, PROBE], verdict: 'wrong-observatorium-url' },
  { name: 'wrong-url-path', runbookStep: 2, injects: "the refresher's --url has a wrong path (/api/metrics/v2/...)", hop: 'api', fleetCode: '404', alerts: [NON2XX, PROBE], verdict: 'wrong-observatorium-url' },
  { name: 'wrong-url-tenant', runbookStep: 2, injects: "the refresher's --url names a tenant the API does not have", hop: 'api', fleetCode: '404', alerts: [NON2XX, PROBE], verdict: 'wrong-observatorium-url' },
  { name: 'missing-client-id', runbookStep: 3, injects: 'the refresher starts without CLIENT_ID: it exits at start and is restarted (crash loop)', hop: 'token-refresher', fleetCode: '0', failureReason: 'refused', alerts: [NON2XX, TIMEOUTS, DOWN, PROBE], verdict: 'missing-client-credentials' },
  { name: 'wrong-client-secret', runbookStep: 3, injects: 'the refresher has a wrong CLIENT_SECRET: the issuer answers invalid_client', hop: 'token-refresher', fleetCode: '503', alerts: [NON2XX, DOWN, REFRESH, PROBE], verdict: 'invalid-client-credentials' },
  { name: 'issuer-down', runbookStep: 3, injects: 'nothing answers at the issuer address the refresher has (SSO down, or egress to it cut)', hop: 'issuer', fleetCode: '503', alerts: [NON2XX, DOWN, REFRESH, PROBE], verdict: 'issuer-unreachable' },
  { name: 'issuer-slow', runbookStep: 3, injects: "the issuer answers the refresher after 15 s; the refresher's --oidc.timeout is 2 s", hop: 'issuer', fleetCode: '503', alerts: [NON2XX, DOWN, REFRESH, PROBE], verdict: 'issuer-unreachable' },
  { name: 'refresher-down', runbookStep: 4, injects: 'the refresher crashes at start (a bad listen address) and is restarted with backoff', hop: 'token-refresher', fleetCode: '0', failureReason: 'refused', alerts: [NON2XX, TIMEOUTS, DOWN, PROBE], verdict: 'refresher-crashloop' },
  { name: 'refresher-blackholed', runbookStep: 4, injects: "the fleet manager's refresher address accepts connections and never answers (what a NetworkPolicy drop looks like)", hop: 'network', fleetCode: '0', failureReason: 'timeout', alerts: [NON2XX, TIMEOUTS], verdict: 'network-policy-blocks' },
  { name: 'api-down', runbookStep: 5, injects: 'the Observatorium API is not running', hop: 'api', fleetCode: '502', alerts: [NON2XX, PROBE], verdict: 'observatorium-down' },
  { name: 'api-5xx', runbookStep: 5, injects: 'a stand-in for the Observatorium API answers every request 500', hop: 'api', fleetCode: '500', alerts: [NON2XX, PROBE], verdict: 'observatorium-down' },
  { name: 'backend-down', runbookStep: 5, injects: "the API's metrics store is not running", hop: 'backend', fleetCode: '502', alerts: [NON2XX, PROBE], verdict: 'backend-down' },
  { name: 'backend-slow', runbookStep: 5, injects: "the API's metrics store answers after 10 s; the API's deadline is 3 s", hop: 'backend', fleetCode: '504', alerts: [NON2XX, PROBE], verdict: 'backend-down' },
  { name: 'rate-limited', runbookStep: 5, injects: 'the tenant may send 1 read request per minute', hop: 'api', fleetCode: '429', alerts: [NON2XX, PROBE], verdict: 'rate-limited', partial: true },
  { name: 'audience-mismatch', runbookStep: 3, injects: "the refresher asks for audience other-audience; the API's tenant expects observatorium-telemeter", hop: 'api', fleetCode: '401', alerts: [NON2XX, PROBE], verdict: 'audience-mismatch' },
];

export const FAULT_NAMES: ReadonlySet<string> = new Set(FAULTS.map((f) => f.name));

export function faultByName(name: string): Fault {
  const f = FAULTS.find((x) => x.name === name);
  if (!f) throw new Error(`unknown fault "${name}"; known faults: ${FAULTS.map((x) => x.name).join(', ')} (obspath up --list-faults)`);
  return f;
}

/**
 * What each fault needs at the fault stand-in port (base + 12): one server there at most, or nothing listening
 * (faults that point a client at a dead address). Two faults needing different things cannot run together.
 */
const FAULT_PORT_USE: Partial<Record<FaultName, string>> = {
  'wrong-url-host': 'nothing listening', 'issuer-down': 'nothing listening', 'issuer-slow': 'a slow proxy to the issuer',
  'refresher-blackholed': 'a black hole', 'api-5xx': 'a server answering 500', 'backend-slow': 'a slow proxy to the store',
};
/** Faults that set the same thing differently (the refresher's URL, the API or the store's fate). */
const EXCLUSIVE: readonly (readonly FaultName[])[] = [
  ['wrong-url-host', 'wrong-url-path', 'wrong-url-tenant'], ['api-down', 'api-5xx'], ['backend-down', 'backend-slow'], ['issuer-down', 'issuer-slow'],
];

/** Why two faults of the set cannot be injected together (the plan cannot express both), or undefined. */
export function faultConflict(faults: readonly FaultName[]): { faults: [FaultName, FaultName]; why: string } | undefined {
  for (const [i, a] of faults.entries()) {
    for (const b of faults.slice(i + 1)) {
      if (a === b) continue;
      const group = EXCLUSIVE.find((g) => g.includes(a) && g.includes(b));
      if (group) return { faults: [a, b], why: `${a} and ${b} set the same thing differently` };
      const [ua, ub] = [FAULT_PORT_USE[a], FAULT_PORT_USE[b]];
      if (ua && ub && ua !== ub) return { faults: [a, b], why: `${a} needs ${ua} at the fault stand-in port, ${b} needs ${ub}` };
    }
  }
  return undefined;
}

/** Widest line of `--list-faults` output (with or without --verbose). */
export const FAULT_LIST_WIDTH = 120;

/** The catalog as a table, for `obspath up --list-faults`; what is injected and the alerts are in the details. */
export function formatFaultCatalog(): string {
  const head = ['fault', 'step', 'hop', 'fleet manager sees', 'doctor verdict'];
  const rows = FAULTS.map((f) => [f.name, String(f.runbookStep), f.hop, fleetSees(f), f.verdict]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i < r.length - 1 ? c.padEnd(widths[i]!) : c)).join('  ');
  return [
    line(head),
    ...rows.map(line),
    '',
    'Details (what is injected, alerts that fire): obspath up --describe-fault NAME, or --list-faults --verbose.',
  ].join('\n');
}

/** One fault in full, wrapped to FAULT_LIST_WIDTH, for `--describe-fault NAME` and `--list-faults --verbose`. */
export function describeFault(f: Fault): string {
  const field = (label: string, text: string) => wrap(text, FAULT_LIST_WIDTH - 18).map((l, i) => `  ${(i === 0 ? label : '').padEnd(16)}${l}`);
  return [
    `${f.name} (runbook step ${f.runbookStep}, hop ${f.hop})`,
    ...field('injects', f.injects),
    ...field('fleet manager', `kas_fleet_manager_observatorium_request_count{code="${f.fleetCode}"}${f.failureReason ? `, failures_total{reason="${f.failureReason}"}` : ''}${f.partial ? ' (some requests still pass)' : ''}`),
    ...field('alerts', f.alerts.join(', ')),
    ...field('doctor verdict', f.verdict),
  ].join('\n');
}

/** Every fault in full (`--list-faults --verbose`). */
export function formatFaultDetails(): string {
  return FAULTS.map(describeFault).join('\n\n');
}

function fleetSees(f: Fault): string {
  return f.fleetCode + (f.failureReason ? ` (${f.failureReason})` : '');
}

/** Greedy word wrap; a single word longer than `width` stays whole. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let cur = '';
  for (const word of text.split(/\s+/)) {
    if (cur && cur.length + 1 + word.length > width) {
      lines.push(cur);
      cur = word;
    } else cur = cur ? `${cur} ${word}` : word;
  }
  return [...lines, cur];
}
