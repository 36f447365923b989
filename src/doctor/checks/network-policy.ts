// Runbook step 4, first bullet: may the fleet manager (and the app-sre Prometheus) reach the token refresher?
// Every NetworkPolicy of both namespaces is evaluated the way Kubernetes does (netpol/evaluate.ts): ingress on
// the refresher's side, egress on the client's side; the answer names the allowing policy or the missing rule.
// When the refresher itself is isolated for egress, its way out (DNS, issuer and Observatorium on 443) is checked too.

import type { ContainerPort, Labels, NetworkPolicy, Pod } from '../k8s/types.js';
import { namespaceLabels } from '../k8s/types.js';
import { evaluateConnection, selectingPolicies, suggestIngressRule, type ConnectionVerdict } from '../netpol/evaluate.js';
import type { Endpoint, PodEndpoint, PortQuery } from '../netpol/peers.js';
import { formatLabels } from '../netpol/selector.js';
import { checkResult, skipped, type CheckResult, type Evidence, type Suspect } from '../report.js';
import { fleetManagerPods, memo, refresherDeployment, refresherPods, tryFacts, type CheckContext } from './context.js';

const TITLE = 'NetworkPolicy admits the fleet manager to the token refresher';
const METRICS_PORT = 8081;

interface NamespaceInfo { labels: Labels; assumed: boolean }

async function namespaceInfo(ctx: CheckContext, name: string): Promise<NamespaceInfo> {
  const r = await tryFacts(() => memo(ctx, `ns-${name}`, () => ctx.facts.getNamespace(name)));
  if (r.value) return { labels: namespaceLabels(r.value), assumed: false };
  // Unreadable (or absent from a snapshot): the API server always sets kubernetes.io/metadata.name.
  return { labels: { 'kubernetes.io/metadata.name': name }, assumed: true };
}

function policiesIn(ctx: CheckContext, ns: string): Promise<NetworkPolicy[]> {
  return memo(ctx, `netpol-${ns}`, () => ctx.facts.listNetworkPolicies(ns));
}

function podEndpoint(p: Pod, ns: NamespaceInfo, fallbackNs: string): PodEndpoint {
  const ports: ContainerPort[] = (p.spec?.containers ?? []).flatMap((c) => c.ports ?? []);
  return {
    kind: 'pod', name: p.metadata.name ?? '?', namespace: p.metadata.namespace ?? fallbackNs,
    labels: p.metadata.labels ?? {}, namespaceLabels: ns.labels, ip: p.status?.podIP, ports,
  };
}

/** Pods with the same labels and ports are the same question: keep one of each. */
function distinct(eps: PodEndpoint[]): PodEndpoint[] {
  const seen = new Map<string, PodEndpoint>();
  for (const e of eps) {
    const key = `${e.namespace}|${formatLabels(e.labels)}|${JSON.stringify(e.ports ?? [])}`;
    if (!seen.has(key)) seen.set(key, e);
  }
  return [...seen.values()];
}

interface ClientGroup { name: string; selector: Labels; namespace: string; pods: PodEndpoint[]; assumed: boolean; port: (dst: PodEndpoint) => PortQuery; critical: boolean }

function portNamed(dst: PodEndpoint, name: string, fallback: number): PortQuery {
  const p = dst.ports?.find((x) => x.name === name);
  return { port: p?.containerPort ?? fallback, protocol: 'TCP' };
}

export async function runNetworkPolicyCheck(ctx: CheckContext): Promise<CheckResult> {
  const t = ctx.targets;
  const refNs = await namespaceInfo(ctx, t.namespace);
  const pols = await tryFacts(() => policiesIn(ctx, t.namespace));
  if (pols.error !== undefined) return skipped('network-policy', TITLE, pols.error);
  const evidence: Evidence[] = [];
  const suspects: Suspect[] = [];
  const notes: string[] = [];

  // The refresher's pods; without any, the pod template (or the runbook's labels) stands in.
  const rp = await tryFacts(() => refresherPods(ctx));
  let dsts = distinct((rp.value ?? []).map((p) => podEndpoint(p, refNs, t.namespace)));
  if (dsts.length === 0) {
    const dep = await tryFacts(() => refresherDeployment(ctx));
    const tpl = dep.value?.spec?.template;
    dsts = [{
      kind: 'pod', name: `${t.refresherDeployment} (template)`, namespace: t.namespace, namespaceLabels: refNs.labels,
      labels: tpl?.metadata?.labels ?? t.refresherSelector,
      ports: tpl?.spec?.containers?.flatMap((c) => c.ports ?? []) ?? [{ name: 'http', containerPort: t.refresherPort }, { name: 'internal', containerPort: METRICS_PORT }],
    }];
    notes.push(`no running token-refresher pod: evaluated against ${tpl ? 'the deployment\'s pod template' : 'the runbook\'s labels'}`);
  }

  const groups: ClientGroup[] = [];
  const fmNs = t.fleetManagerNamespace ?? t.namespace;
  const promNs = t.prometheusNamespace ?? t.namespace;
  for (const [name, selector, ns, critical, portOf] of [
    ['fleet manager', t.fleetManagerSelector, fmNs, true, (d: PodEndpoint) => portNamed(d, 'http', t.refresherPort)],
    ['app-sre Prometheus', t.prometheusSelector, promNs, false, (d: PodEndpoint) => portNamed(d, 'internal', METRICS_PORT)],
  ] as const) {
    const nsInfo = await namespaceInfo(ctx, ns);
    if (nsInfo.assumed) notes.push(`labels of namespace ${ns} unknown: assumed only kubernetes.io/metadata.name=${ns}`);
    const found = await tryFacts(() => (name === 'fleet manager' ? fleetManagerPods(ctx) : memo(ctx, `prom-${ns}`, () => ctx.facts.listPods(ns, { matchLabels: selector }))));
    let pods = distinct((found.value ?? []).map((p) => podEndpoint(p, nsInfo, ns)));
    const assumed = pods.length === 0;
    if (assumed) pods = [{ kind: 'pod', name: `${name} (assumed pod)`, namespace: ns, labels: { ...selector }, namespaceLabels: nsInfo.labels }];
    groups.push({ name, selector, namespace: ns, pods, assumed, critical, port: portOf });
  }
  if (refNs.assumed) notes.push(`labels of namespace ${t.namespace} unknown: assumed only kubernetes.io/metadata.name=${t.namespace}`);

  const allPolicies = [...pols.value];
  for (const ns of new Set(groups.map((g) => g.namespace))) {
    if (ns === t.namespace) continue;
    const more = await tryFacts(() => policiesIn(ctx, ns));
    if (more.value) allPolicies.push(...more.value);
    else notes.push(`policies of namespace ${ns} not read (${more.error}): its egress is assumed open`);
  }
  const selecting = [...new Set(dsts.flatMap((d) => selectingPolicies(allPolicies, d, 'ingress').map((p) => p.metadata.name ?? '?')))];
  evidence.push({
    text: `${pols.value.length} NetworkPolic${pols.value.length === 1 ? 'y' : 'ies'} in ${t.namespace}; selecting the refresher for ingress: ${selecting.join(', ') || 'none (not isolated)'}`,
    data: { namespace: t.namespace, policies: pols.value.map((p) => p.metadata.name), selectingRefresher: selecting },
  });

  let status: CheckResult['status'] = 'ok';
  const fixes: string[] = [];
  for (const g of groups) {
    const verdicts: ConnectionVerdict[] = [];
    for (const src of g.pods) for (const dst of dsts) verdicts.push(evaluateConnection(allPolicies, src, dst, g.port(dst)));
    const denied = verdicts.filter((v) => !v.allowed);
    const who = `${g.name} (${g.assumed ? `no pod found; assumed labels ${formatLabels(g.selector)}` : `${g.pods.length} distinct pod shape(s)`}) in ${g.namespace}`;
    if (denied.length === 0) {
      const v = verdicts[0]!;
      const by = v.ingress.allowedBy ? `NetworkPolicy ${v.ingress.allowedBy.policy} ingress rule ${v.ingress.allowedBy.rule}` : 'no policy isolates the refresher';
      evidence.push({ text: `${who} -> token refresher :${v.port.port}: allowed (${by})`, data: verdictData(g.name, v) });
      continue;
    }
    for (const v of denied.slice(0, 3)) {
      evidence.push({ text: `${who} -> token refresher :${v.port.port}: DENIED: ${v.explanation}`, data: verdictData(g.name, v) });
      for (const side of [v.egress, v.ingress]) {
        for (const m of side.misses.slice(0, 4)) evidence.push({ text: `  ${side.direction} ${m.policy} rule ${m.rule < 0 ? '-' : m.rule}: ${m.reasons.join('; ')}` });
      }
    }
    const v = denied[0]!;
    const src = g.pods[0]!;
    const dst = dsts[0]!;
    if (!v.ingress.allowed) fixes.push(`add to NetworkPolicy ${v.ingress.selectingPolicies[0]} in ${t.namespace}:\n${suggestIngressRule(src, dst, g.selector, v.port)}`);
    if (!v.egress.allowed) fixes.push(`allow egress from ${g.name} pods to the token refresher (port ${v.port.port}/TCP) in NetworkPolicy ${v.egress.selectingPolicies.join(', ')} of ${g.namespace}`);
    if (g.critical) {
      status = 'fail';
      const side = !v.ingress.allowed ? `ingress of the refresher (${v.ingress.selectingPolicies.join(', ')})` : `egress of the fleet manager (${v.egress.selectingPolicies.join(', ')})`;
      suspects.push({ cause: 'network-policy-blocks', confidence: g.assumed || refNs.assumed ? 'likely' : 'confirmed', because: `the ${side} denies fleet manager -> token refresher :${v.port.port}` });
    } else if (status === 'ok') {
      status = 'warn';
    }
  }

  // The refresher's own way out, when an egress policy isolates it.
  for (const dst of dsts) {
    if (selectingPolicies(allPolicies, dst, 'egress').length === 0) continue;
    const out: Endpoint = { kind: 'external', name: 'issuer/Observatorium (outside the cluster)' };
    const https = evaluateConnection(allPolicies, dst, out, { port: 443, protocol: 'TCP' });
    const dns = ([
      { ns: 'openshift-dns', labels: { 'dns.operator.openshift.io/daemonset-dns': 'default' } },
      { ns: 'kube-system', labels: { 'k8s-app': 'kube-dns' } },
    ] as { ns: string; labels: Labels }[]).map((d) => evaluateConnection(allPolicies, dst, { kind: 'pod', name: `DNS (${d.ns})`, namespace: d.ns, labels: d.labels, namespaceLabels: { 'kubernetes.io/metadata.name': d.ns } }, { port: 53, protocol: 'UDP' }));
    evidence.push({ text: `refresher egress to ${out.name} :443: ${https.allowed ? 'allowed' : `DENIED: ${https.egress.explanation}`}` });
    if (!dns.some((d) => d.allowed)) evidence.push({ text: `refresher egress to cluster DNS :53/UDP: DENIED (${dns[0]!.egress.explanation})` });
    if (!https.allowed || !dns.some((d) => d.allowed)) {
      status = 'fail';
      suspects.push({ cause: 'issuer-unreachable', confidence: 'likely', because: `an egress NetworkPolicy (${https.egress.selectingPolicies.join(', ')}) keeps the refresher from ${https.allowed ? 'DNS' : 'the issuer and Observatorium on 443'}` });
      fixes.push(`allow egress from the refresher to 443/TCP (issuer, Observatorium) and 53/UDP+TCP (DNS) in ${https.egress.selectingPolicies.join(', ')}`);
    }
    break;
  }

  for (const n of notes) evidence.push({ text: `note: ${n}` });
  const summary = status === 'ok'
    ? `the fleet manager and app-sre Prometheus may reach the token refresher`
    : suspects[0]?.because ?? 'the app-sre Prometheus may not reach the token refresher (metrics and alerts about it are blind)';
  return checkResult('network-policy', TITLE, { status, summary, evidence, suspects, ...(fixes.length ? { fix: fixes.join('\n') } : {}) });
}

function verdictData(client: string, v: ConnectionVerdict): Record<string, unknown> {
  return {
    client, from: v.from, to: v.to, port: v.port.port, protocol: v.port.protocol, allowed: v.allowed,
    ingress: { allowed: v.ingress.allowed, selectingPolicies: v.ingress.selectingPolicies, allowedBy: v.ingress.allowedBy?.policy },
    egress: { allowed: v.egress.allowed, selectingPolicies: v.egress.selectingPolicies, allowedBy: v.egress.allowedBy?.policy },
  };
}
