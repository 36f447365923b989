// How verdicts are ordered: causes before the symptoms they explain, then along the path from the fleet manager
// outward. The causal table is declared, not coded as ifs, so that a new cause must say what it explains (the
// table is typed over every cause id; test/doctor/ranking.test.ts checks it is acyclic). Documented with the
// cause catalog in src/doctor/README.md.

import type { HopName, RootCauseId } from './causes.js';
import { ROOT_CAUSES } from './causes.js';
import type { Confidence, Verdict } from './report.js';

/**
 * cause -> the causes it explains: when the left one has evidence, the right ones are its symptoms (they would
 * go away with it). Credentials and configuration explain crash loops and readiness failures; the network and
 * slow hops explain timeouts; the backend explains the API's own 5xx.
 */
export const EXPLAINS: Readonly<Record<RootCauseId, readonly RootCauseId[]>> = {
  // An empty client id/secret is answered invalid_client; an empty issuer URL fails discovery; the refresher exits.
  'missing-client-credentials': ['invalid-client-credentials', 'issuer-unreachable', 'refresher-crashloop', 'refresher-unreachable'],
  // Without a token the refresher is never ready; the Go refresher exits when its first grant fails.
  'invalid-client-credentials': ['refresher-crashloop', 'refresher-unreachable'],
  // The Go refresher exits when OIDC discovery fails at start; a slow issuer makes every request time out.
  'issuer-unreachable': ['refresher-crashloop', 'refresher-unreachable', 'client-timeout'],
  // A URL naming the wrong host or tenant: the upstream is unreachable or does not know the tenant.
  'wrong-observatorium-url': ['tenant-not-registered', 'observatorium-unreachable', 'client-timeout'],
  // An unknown tenant answers 401 "tenant not found", and leaves no tenant to compare the token's claims with.
  'tenant-not-registered': ['audience-mismatch', 'issuer-mismatch'],
  // A token from another issuer is rejected with the same 401 as a wrong audience.
  'issuer-mismatch': ['audience-mismatch'],
  // A 401 for a retired key or a token outside its validity was read as a wrong audience before its reason was.
  'stale-signing-key': ['audience-mismatch'],
  'clock-skew': ['audience-mismatch'],
  'refresher-crashloop': ['refresher-unreachable', 'client-timeout'],
  'refresher-unreachable': ['client-timeout'],
  'network-policy-blocks': ['client-timeout'],
  // The API's 5xx and the refresher's upstream timeouts when the backend fails or hangs behind it.
  'backend-down': ['observatorium-down', 'observatorium-unreachable', 'client-timeout'],
  'observatorium-down': ['observatorium-unreachable', 'client-timeout'],
  'observatorium-unreachable': ['client-timeout'],
  // A certificate the client refuses makes the hop behind it look unreachable, and the refresher tokenless.
  'tls-untrusted': ['observatorium-unreachable', 'issuer-unreachable', 'refresher-unreachable', 'refresher-crashloop', 'client-timeout'],
  'rate-limited': [],
  'audience-mismatch': [],
  'rbac-denied': [],
  'client-timeout': [],
  unknown: [],
};

/** The path a fleet-manager request travels, from the fleet manager outward. */
export const HOP_ORDER: readonly HopName[] = ['fleet-manager', 'network', 'token-refresher', 'issuer', 'observatorium-api', 'backend', 'unknown'];

/** Every cause `cause` explains, directly or through another (the table is acyclic, so this ends). */
export function explainsTransitively(cause: RootCauseId): ReadonlySet<RootCauseId> {
  const out = new Set<RootCauseId>();
  const visit = (c: RootCauseId) => {
    for (const next of EXPLAINS[c]) if (!out.has(next)) { out.add(next); visit(next); }
  };
  visit(cause);
  return out;
}

/** A cycle in the table, as the list of causes around it; undefined when there is none. */
export function findCycle(table: Readonly<Record<string, readonly string[]>> = EXPLAINS): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const walk = (c: string, path: string[]): string[] | undefined => {
    if (state.get(c) === 'done') return undefined;
    if (state.get(c) === 'open') return [...path.slice(path.indexOf(c)), c];
    state.set(c, 'open');
    for (const next of table[c] ?? []) {
      const cycle = walk(next, [...path, c]);
      if (cycle) return cycle;
    }
    state.set(c, 'done');
    return undefined;
  };
  for (const c of Object.keys(table)) {
    const cycle = walk(c, []);
    if (cycle) return cycle;
  }
  return undefined;
}

const CONFIDENCE_RANK: Record<Confidence, number> = { confirmed: 3, likely: 2, possible: 1 };

/** A verdict before ranking: `order` is the runbook position of the first check that suspected it. */
export type UnrankedVerdict = Omit<Verdict, 'role' | 'explainedBy'> & { order: number };

const hopIndex = (v: UnrankedVerdict) => HOP_ORDER.indexOf(ROOT_CAUSES[v.cause].hop);
/** Evidence of at least "likely" strength names a fault; a "possible" one explains nothing and comes last. */
const hasEvidence = (v: UnrankedVerdict) => CONFIDENCE_RANK[v.confidence] >= CONFIDENCE_RANK.likely;

function byPath(a: UnrankedVerdict, b: UnrankedVerdict): number {
  return Number(hasEvidence(b)) - Number(hasEvidence(a)) || hopIndex(a) - hopIndex(b)
    || CONFIDENCE_RANK[b.confidence] - CONFIDENCE_RANK[a.confidence] || a.order - b.order;
}

/**
 * Orders the verdicts: a verdict explained (EXPLAINS, transitively) by another one with evidence is a symptom
 * (`role: explained`, `explainedBy`); of the rest, every fault with evidence is named, the first along the path
 * from the fleet manager as the `top` one, the others as `also`; symptoms come last, each after its cause's rank.
 */
export function rankVerdicts(verdicts: readonly UnrankedVerdict[]): Verdict[] {
  const explainers = verdicts.filter(hasEvidence);
  const causesOf = new Map(verdicts.map((v) => [v.cause, explainers.filter((e) => e.cause !== v.cause && explainsTransitively(e.cause).has(v.cause)).map((e) => e.cause)]));
  const roots = verdicts.filter((v) => causesOf.get(v.cause)!.length === 0).sort(byPath);
  const symptoms = verdicts.filter((v) => causesOf.get(v.cause)!.length > 0).sort(byPath);
  const strip = ({ order: _order, ...v }: UnrankedVerdict) => v;
  const rank = [...roots, ...symptoms].map((v) => v.cause);
  return [
    ...roots.map((v, i): Verdict => ({ ...strip(v), role: i === 0 ? 'top' : 'also' })),
    ...symptoms.map((v): Verdict => {
      const by = causesOf.get(v.cause)!;
      // In rank order: the first is a root (explaining is transitive), under which the renderers list the symptom.
      by.sort((a, b) => rank.indexOf(a) - rank.indexOf(b));
      return { ...strip(v), role: 'explained', explainedBy: by };
    }),
  ];
}
