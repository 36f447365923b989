// NetworkPolicy evaluation as Kubernetes defines it (networking/v1): a pod is isolated for a direction when
// any policy in its namespace selects it with that policyType; an isolated pod accepts exactly the union of
// what the selecting policies' rules allow. A connection needs the source's egress and the destination's
// ingress to both allow it.

import type { NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort } from '../k8s/types.js';
import { matchPeer, matchPorts, type Endpoint, type Match, type PodEndpoint, type PortQuery } from './peers.js';
import { formatSelector, selectorMatches } from './selector.js';

export type Direction = 'ingress' | 'egress';

/** The rule (and peer) that admits the traffic. */
export interface Allowance {
  policy: string;
  rule: number;
  detail: string;
}

/** Why one rule of a selecting policy did not admit the traffic. */
export interface RuleMiss {
  policy: string;
  rule: number;
  reasons: string[];
}

export interface DirectionVerdict {
  direction: Direction;
  /** The pod whose side this is: the destination for ingress, the source for egress. */
  subject: string;
  allowed: boolean;
  /** Policies in the subject's namespace that select it for this direction (empty: not isolated). */
  selectingPolicies: string[];
  allowedBy?: Allowance;
  misses: RuleMiss[];
  /** One sentence: which policy allows, or what is missing. */
  explanation: string;
}

export interface ConnectionVerdict {
  allowed: boolean;
  from: string;
  to: string;
  port: PortQuery;
  egress: DirectionVerdict;
  ingress: DirectionVerdict;
  explanation: string;
}

/** The policy types in force: the explicit list, else Ingress plus Egress when egress rules are present. */
export function effectivePolicyTypes(p: NetworkPolicy): Direction[] {
  const declared = p.spec.policyTypes;
  if (declared && declared.length > 0) {
    return declared.map((t) => t.toLowerCase()).filter((t): t is Direction => t === 'ingress' || t === 'egress');
  }
  return (p.spec.egress?.length ?? 0) > 0 ? ['ingress', 'egress'] : ['ingress'];
}

function policyName(p: NetworkPolicy): string {
  return p.metadata.name ?? '<unnamed>';
}

/** Policies in the pod's namespace whose podSelector selects it for `direction`. */
export function selectingPolicies(policies: readonly NetworkPolicy[], pod: PodEndpoint, direction: Direction): NetworkPolicy[] {
  return policies.filter(
    (p) => (p.metadata.namespace ?? pod.namespace) === pod.namespace
      && selectorMatches(p.spec.podSelector ?? {}, pod.labels)
      && effectivePolicyTypes(p).includes(direction),
  );
}

interface Rule {
  peers?: NetworkPolicyPeer[];
  ports?: NetworkPolicyPort[];
}

function rulesOf(p: NetworkPolicy, direction: Direction): Rule[] {
  return direction === 'ingress'
    ? (p.spec.ingress ?? []).map((r) => ({ peers: r.from, ports: r.ports }))
    : (p.spec.egress ?? []).map((r) => ({ peers: r.to, ports: r.ports }));
}

function matchRule(rule: Rule, peerEp: Endpoint, dst: Endpoint, q: PortQuery, policyNs: string): { matched: boolean; reasons: string[]; detail: string } {
  const ports = matchPorts(rule.ports, q, dst);
  let peer: Match;
  if (!rule.peers || rule.peers.length === 0) {
    peer = { matched: true, detail: 'any peer' };
  } else {
    const results = rule.peers.map((p) => matchPeer(p, peerEp, policyNs));
    peer = results.find((r) => r.matched) ?? { matched: false, detail: results.map((r) => r.detail).join(' | ') };
  }
  const reasons = [...(peer.matched ? [] : [`peers: ${peer.detail}`]), ...(ports.matched ? [] : [`ports: ${ports.detail}`])];
  return { matched: peer.matched && ports.matched, reasons, detail: `${peer.detail}, ${ports.detail}` };
}

/**
 * One direction of one connection. For ingress the subject is `dst` and the peer is `src`; for egress the
 * subject is `src` and the peer is `dst`. `policies` may hold every policy known; only those in the subject's
 * namespace count.
 */
export function evaluateDirection(direction: Direction, policies: readonly NetworkPolicy[], src: Endpoint, dst: Endpoint, q: PortQuery): DirectionVerdict {
  const subject = direction === 'ingress' ? dst : src;
  const peerEp = direction === 'ingress' ? src : dst;
  if (subject.kind !== 'pod') {
    // Traffic from/to outside the cluster is not governed by policies on that side.
    return { direction, subject: subject.name, allowed: true, selectingPolicies: [], misses: [], explanation: `${subject.name} is outside the cluster: no ${direction} policy applies` };
  }
  const selecting = selectingPolicies(policies, subject, direction);
  const base = { direction, subject: `${subject.namespace}/${subject.name}`, selectingPolicies: selecting.map(policyName) };
  if (selecting.length === 0) {
    return { ...base, allowed: true, misses: [], explanation: `no NetworkPolicy in namespace ${subject.namespace} selects ${subject.name} for ${direction}: all ${direction} is allowed` };
  }
  const misses: RuleMiss[] = [];
  for (const p of selecting) {
    const rules = rulesOf(p, direction);
    if (rules.length === 0) {
      misses.push({ policy: policyName(p), rule: -1, reasons: [`policy has no ${direction} rules: it denies all ${direction} to the pods it selects`] });
      continue;
    }
    for (const [i, rule] of rules.entries()) {
      const m = matchRule(rule, peerEp, dst, q, subject.namespace);
      if (m.matched) {
        const allowedBy = { policy: policyName(p), rule: i, detail: m.detail };
        return { ...base, allowed: true, allowedBy, misses, explanation: `NetworkPolicy ${allowedBy.policy} ${direction} rule ${i} allows it (${m.detail})` };
      }
      misses.push({ policy: policyName(p), rule: i, reasons: m.reasons });
    }
  }
  const who = direction === 'ingress' ? `from ${peerEp.name}` : `to ${peerEp.name}`;
  return {
    ...base,
    allowed: false,
    misses,
    explanation: `${subject.name} is isolated for ${direction} by ${base.selectingPolicies.join(', ')} and no rule allows ${who} on ${q.port}/${q.protocol}`,
  };
}

/** Can `src` open a connection to `dst` on the port? Both the source's egress and the destination's ingress must allow it. */
export function evaluateConnection(policies: readonly NetworkPolicy[], src: Endpoint, dst: Endpoint, q: PortQuery): ConnectionVerdict {
  const egress = evaluateDirection('egress', policies, src, dst, q);
  const ingress = evaluateDirection('ingress', policies, src, dst, q);
  const allowed = egress.allowed && ingress.allowed;
  const blocked = [egress, ingress].filter((d) => !d.allowed);
  const explanation = allowed
    ? `allowed: ${egress.explanation}; ${ingress.explanation}`
    : `denied: ${blocked.map((d) => d.explanation).join('; ')}`;
  return { allowed, from: src.name, to: dst.name, port: q, egress, ingress, explanation };
}

/**
 * The smallest ingress rule that would admit `src` to `dst`, as YAML-ish text for the fix: a podSelector on
 * the source's identifying labels, with a namespaceSelector when the source lives elsewhere.
 */
export function suggestIngressRule(src: PodEndpoint, dst: PodEndpoint, selectorLabels: Record<string, string>, q: PortQuery): string {
  const peer: string[] = [];
  if (src.namespace !== dst.namespace) {
    peer.push(`- namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: ${src.namespace} } }`);
    peer.push(`  podSelector: { matchLabels: { ${Object.entries(selectorLabels).map(([k, v]) => `${k}: ${v}`).join(', ')} } }`);
  } else {
    peer.push(`- podSelector: { matchLabels: { ${Object.entries(selectorLabels).map(([k, v]) => `${k}: ${v}`).join(', ')} } }`);
  }
  return `ingress:\n- from:\n${peer.map((l) => `  ${l}`).join('\n')}\n  ports: [{ protocol: ${q.protocol}, port: ${q.port} }]`;
}

export { formatSelector };
