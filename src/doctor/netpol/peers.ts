// Matching one side of a connection against a NetworkPolicy peer, an ipBlock or a port list, with the
// reason when it does not match (the doctor names the missing piece, not only "denied").

import { BlockList, isIP } from 'node:net';
import type { ContainerPort, IPBlock, Labels, NetworkPolicyPeer, NetworkPolicyPort } from '../k8s/types.js';
import { formatLabels, formatSelector, selectorMismatches } from './selector.js';

/** A pod taking part in a connection, with what policies select on. */
export interface PodEndpoint {
  kind: 'pod';
  name: string;
  namespace: string;
  labels: Labels;
  namespaceLabels: Labels;
  ip?: string;
  /** The pod's container ports, to resolve named ports in policies that protect it. */
  ports?: ContainerPort[];
}

/** An address outside the cluster (the issuer, Observatorium); ip unknown when not resolved. */
export interface ExternalEndpoint {
  kind: 'external';
  name: string;
  ip?: string;
}

export type Endpoint = PodEndpoint | ExternalEndpoint;

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

export interface PortQuery {
  port: number;
  protocol: Protocol;
}

export interface Match {
  matched: boolean;
  /** Why it matched, or why not. */
  detail: string;
}

function parseCidr(cidr: string): { addr: string; prefix: number; family: 4 | 6 } | undefined {
  const [addr, len] = cidr.split('/');
  const family = isIP(addr ?? '');
  const prefix = Number(len);
  if ((family !== 4 && family !== 6) || !Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) return undefined;
  return { addr: addr!, prefix, family };
}

/** True when `ip` lies in `cidr`; addresses of the other family never do (as in Kubernetes). */
export function cidrContains(cidr: string, ip: string): boolean {
  const c = parseCidr(cidr);
  const family = isIP(ip);
  if (!c || family !== c.family) return false;
  const list = new BlockList();
  list.addSubnet(c.addr, c.prefix, c.family === 4 ? 'ipv4' : 'ipv6');
  return list.check(ip, family === 4 ? 'ipv4' : 'ipv6');
}

export function matchIpBlock(block: IPBlock, ep: Endpoint): Match {
  const label = `ipBlock ${block.cidr}${block.except?.length ? ` except ${block.except.join(',')}` : ''}`;
  if (!parseCidr(block.cidr)) return { matched: false, detail: `${label}: "${block.cidr}" is not a valid CIDR` };
  if (!ep.ip) {
    // Unknown address: only a block that covers every address of a family, with no exceptions, surely matches.
    const all = (block.cidr === '0.0.0.0/0' || block.cidr === '::/0') && !block.except?.length;
    return all ? { matched: true, detail: `${label} covers every address` } : { matched: false, detail: `${label}: the address of ${ep.name} is not known, so it cannot be shown to match` };
  }
  if (!cidrContains(block.cidr, ep.ip)) return { matched: false, detail: `${label} does not contain ${ep.ip}` };
  const hole = block.except?.find((e) => cidrContains(e, ep.ip!));
  if (hole) return { matched: false, detail: `${label}: ${ep.ip} is in the excepted ${hole}` };
  // Pod IPs in ipBlocks are implementation-defined (most CNIs match them, some do not): say so.
  return { matched: true, detail: `${label} contains ${ep.ip}${ep.kind === 'pod' ? ' (ipBlock matching of pod IPs depends on the CNI)' : ''}` };
}

/**
 * Does `ep` match `peer` of a policy living in `policyNamespace`? A podSelector without a namespaceSelector
 * means pods of the policy's own namespace; with one, pods in the namespaces it selects; a namespaceSelector
 * alone means every pod there.
 */
export function matchPeer(peer: NetworkPolicyPeer, ep: Endpoint, policyNamespace: string): Match {
  if (peer.ipBlock) {
    if (peer.podSelector || peer.namespaceSelector) return { matched: false, detail: 'peer mixes ipBlock with selectors (invalid; the API server rejects it)' };
    return matchIpBlock(peer.ipBlock, ep);
  }
  if (!peer.podSelector && !peer.namespaceSelector) return { matched: false, detail: 'empty peer (invalid; the API server rejects it)' };
  if (ep.kind !== 'pod') {
    return { matched: false, detail: `selectors match pods only; ${ep.name} is outside the cluster` };
  }
  const nsPart = peer.namespaceSelector ? `namespaceSelector ${formatSelector(peer.namespaceSelector)}` : `namespace ${policyNamespace}`;
  const podPart = peer.podSelector ? `podSelector ${formatSelector(peer.podSelector)}` : 'any pod';
  const label = `${podPart} in ${nsPart}`;
  if (peer.namespaceSelector) {
    const miss = selectorMismatches(peer.namespaceSelector, ep.namespaceLabels);
    if (miss.length > 0) {
      return { matched: false, detail: `${label}: namespace ${ep.namespace} does not match (${miss.map((m) => `${m.requirement}: ${m.why}`).join('; ')})` };
    }
  } else if (ep.namespace !== policyNamespace) {
    return { matched: false, detail: `${label}: ${ep.name} is in namespace ${ep.namespace}, not ${policyNamespace} (a podSelector without namespaceSelector means the policy's own namespace)` };
  }
  if (peer.podSelector) {
    const miss = selectorMismatches(peer.podSelector, ep.labels);
    if (miss.length > 0) {
      return { matched: false, detail: `${label}: pod ${ep.name} (${formatLabels(ep.labels)}) does not match (${miss.map((m) => `${m.requirement}: ${m.why}`).join('; ')})` };
    }
  }
  return { matched: true, detail: label };
}

function normalizeProtocol(p: string | undefined): string {
  return (p ?? 'TCP').toUpperCase();
}

/**
 * Does the destination port match one policy port entry? Named ports resolve against the destination
 * pod's container ports (as kube-proxy/CNIs do), so they never match an address outside the cluster.
 */
export function matchPort(entry: NetworkPolicyPort, q: PortQuery, dst: Endpoint): Match {
  const proto = normalizeProtocol(entry.protocol);
  const label = `${entry.port ?? 'any port'}${entry.endPort !== undefined ? `-${entry.endPort}` : ''}/${proto}`;
  if (proto !== q.protocol) return { matched: false, detail: `${label}: protocol is ${proto}, traffic is ${q.protocol}` };
  if (entry.port === undefined || entry.port === null) return { matched: true, detail: `${label}` };
  if (typeof entry.port === 'number' || /^\d+$/.test(entry.port)) {
    const start = Number(entry.port);
    const end = entry.endPort ?? start;
    return q.port >= start && q.port <= end
      ? { matched: true, detail: label }
      : { matched: false, detail: `${label} does not include ${q.port}` };
  }
  const name = entry.port;
  if (dst.kind !== 'pod') return { matched: false, detail: `${label}: a named port cannot match ${dst.name}, which is not a pod` };
  const cp = (dst.ports ?? []).find((p) => p.name === name && normalizeProtocol(p.protocol) === proto);
  if (!cp) return { matched: false, detail: `${label}: pod ${dst.name} has no ${proto} container port named "${name}"` };
  return cp.containerPort === q.port
    ? { matched: true, detail: `${label} (= ${cp.containerPort} on ${dst.name})` }
    : { matched: false, detail: `${label} is ${cp.containerPort} on ${dst.name}, not ${q.port}` };
}

/** A rule's port list: absent or empty means every port. */
export function matchPorts(ports: NetworkPolicyPort[] | undefined, q: PortQuery, dst: Endpoint): Match {
  if (!ports || ports.length === 0) return { matched: true, detail: 'any port' };
  const results = ports.map((p) => matchPort(p, q, dst));
  const hit = results.find((r) => r.matched);
  if (hit) return hit;
  return { matched: false, detail: `port ${q.port}/${q.protocol} is not among [${results.map((r) => r.detail).join('; ')}]` };
}
