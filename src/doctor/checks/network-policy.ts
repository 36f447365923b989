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

/** What the check has found so far; `notes` close the evidence, `fixes` join into one fix. */
interface Findings {
  evidence: Evidence[];
  suspects: Suspect[];
  notes: string[];
  fixes: string[];
  status: CheckResult['status'];
}

/** The refresher's pods; without any, the pod template (or the runbook's labels) stands in. */
async function refresherEndpoints(ctx: CheckContext, refNs: NamespaceInfo, notes: string[]): Promise<PodEndpoint[]> {
  const t = ctx.targets;
  const rp = await tryFacts(() => refresherPods(ctx));
  const dsts = distinct((rp.value ?? []).map((p) => podEndpoint(p, refNs, t.namespace)));
  if (dsts.length > 0) return dsts;
  const dep = await tryFacts(() => refresherDeployment(ctx));
  const tpl = dep.value?.spec?.template;
  notes.push(`no running token-refresher pod: evaluated against ${tpl ? 'the deployment\'s pod template' : 'the runbook\'s labels'}`);
  return [{
    kind: 'pod', name: `${t.refresherDeployment} (template)`, namespace: t.namespace, namespaceLabels: refNs.labels,
    labels: tpl?.metadata?.labels ?? t.refresherSelector,
    ports: tpl?.spec?.containers?.flatMap((c) => c.ports ?? []) ?? [{ name: 'http', containerPort: t.refresherPort }, { name: 'internal', containerPort: METRICS_PORT }],
  }];
}

/** The refresher's clients: the fleet manager (critical) and the app-sre Prometheus, assumed pods when none is found. */
async function clientGroups(ctx: CheckContext, notes: string[]): Promise<ClientGroup[]> {
  const t = ctx.targets;
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
  return groups;
}

/** The refresher namespace's policies plus those of every client namespace (unreadable ones leave egress open). */
async function allPoliciesOf(ctx: CheckContext, own: NetworkPolicy[], groups: readonly ClientGroup[], notes: string[]): Promise<NetworkPolicy[]> {
  const all = [...own];
  for (const ns of new Set(groups.map((g) => g.namespace))) {
    if (ns === ctx.targets.namespace) continue;
    const more = await tryFacts(() => policiesIn(ctx, ns));
    if (more.value) all.push(...more.value);
    else notes.push(`policies of namespace ${ns} not read (${more.error}): its egress is assumed open`);
  }
  return all;
}

function judgeClientGroup(f: Findings, g: ClientGroup, dsts: readonly PodEndpoint[], allPolicies: NetworkPolicy[], ctx: CheckContext, refNsAssumed: boolean): void {
  const verdicts: ConnectionVerdict[] = [];
  for (const src of g.pods) for (const dst of dsts) verdicts.push(evaluateConnection(allPolicies, src, dst, g.port(dst)));
  const denied = verdicts.filter((v) => !v.allowed);
  const who = `${g.name} (${g.assumed ? `no pod found; assumed labels ${formatLabels(g.selector)}` : `${g.pods.length} distinct pod shape(s)`}) in ${g.namespace}`;
  if (denied.length === 0) {
    const v = verdicts[0]!;
    const by = v.ingress.allowedBy ? `NetworkPolicy ${v.ingress.allowedBy.policy} ingress rule ${v.ingress.allowedBy.rule}` : 'no policy isolates the refresher';
    f.evidence.push({ text: `${who} -> token refresher :${v.port.port}: allowed (${by})`, data: verdictData(g.name, v) });
    return;
  }
  for (const v of denied.slice(0, 3)) {
    f.evidence.push({ text: `${who} -> token refresher :${v.port.port}: DENIED: ${v.explanation}`, data: verdictData(g.name, v) });
    for (const side of [v.egress, v.ingress]) {
      for (const m of side.misses.slice(0, 4)) f.evidence.push({ text: `  ${side.direction} ${m.policy} rule ${m.rule < 0 ? '-' : m.rule}: ${m.reasons.join('; ')}` });
    }
  }
  const v = denied[0]!;
  if (!v.ingress.allowed) f.fixes.push(`add to NetworkPolicy ${v.ingress.selectingPolicies[0]} in ${ctx.targets.namespace}:\n${suggestIngressRule(g.pods[0]!, dsts[0]!, g.selector, v.port)}`);
  if (!v.egress.allowed) f.fixes.push(`allow egress from ${g.name} pods to the token refresher (port ${v.port.port}/TCP) in NetworkPolicy ${v.egress.selectingPolicies.join(', ')} of ${g.namespace}`);
  if (g.critical) {
    f.status = 'fail';
    const side = !v.ingress.allowed ? `ingress of the refresher (${v.ingress.selectingPolicies.join(', ')})` : `egress of the fleet manager (${v.egress.selectingPolicies.join(', ')})`;
    f.suspects.push({ cause: 'network-policy-blocks', confidence: g.assumed || refNsAssumed ? 'likely' : 'confirmed', because: `the ${side} denies fleet manager -> token refresher :${v.port.port}` });
  } else if (f.status === 'ok') {
    f.status = 'warn';
  }
}

/** The refresher's own way out, when an egress policy isolates it (the first such pod shape speaks for all). */
function judgeRefresherEgress(f: Findings, dsts: readonly PodEndpoint[], allPolicies: NetworkPolicy[]): void {
  const dst = dsts.find((d) => selectingPolicies(allPolicies, d, 'egress').length > 0);
  if (!dst) return;
  const out: Endpoint = { kind: 'external', name: 'issuer/Observatorium (outside the cluster)' };
  const https = evaluateConnection(allPolicies, dst, out, { port: 443, protocol: 'TCP' });
  const dns = ([
    { ns: 'openshift-dns', labels: { 'dns.operator.openshift.io/daemonset-dns': 'default' } },
    { ns: 'kube-system', labels: { 'k8s-app': 'kube-dns' } },
  ] as { ns: string; labels: Labels }[]).map((d) => evaluateConnection(allPolicies, dst, { kind: 'pod', name: `DNS (${d.ns})`, namespace: d.ns, labels: d.labels, namespaceLabels: { 'kubernetes.io/metadata.name': d.ns } }, { port: 53, protocol: 'UDP' }));
  f.evidence.push({ text: `refresher egress to ${out.name} :443: ${https.allowed ? 'allowed' : `DENIED: ${https.egress.explanation}`}` });
  if (!dns.some((d) => d.allowed)) f.evidence.push({ text: `refresher egress to cluster DNS :53/UDP: DENIED (${dns[0]!.egress.explanation})` });
  if (!https.allowed || !dns.some((d) => d.allowed)) {
    f.status = 'fail';
    f.suspects.push({ cause: 'issuer-unreachable', confidence: 'likely', because: `an egress NetworkPolicy (${https.egress.selectingPolicies.join(', ')}) keeps the refresher from ${https.allowed ? 'DNS' : 'the issuer and Observatorium on 443'}` });
    f.fixes.push(`allow egress from the refresher to 443/TCP (issuer, Observatorium) and 53/UDP+TCP (DNS) in ${https.egress.selectingPolicies.join(', ')}`);
  }
}

export async function runNetworkPolicyCheck(ctx: CheckContext): Promise<CheckResult> {
  const t = ctx.targets;
  const refNs = await namespaceInfo(ctx, t.namespace);
  const pols = await tryFacts(() => policiesIn(ctx, t.namespace));
  if (pols.error !== undefined) return skipped('network-policy', TITLE, pols.error);
  const f: Findings = { evidence: [], suspects: [], notes: [], fixes: [], status: 'ok' };

  const dsts = await refresherEndpoints(ctx, refNs, f.notes);
  const groups = await clientGroups(ctx, f.notes);
  if (refNs.assumed) f.notes.push(`labels of namespace ${t.namespace} unknown: assumed only kubernetes.io/metadata.name=${t.namespace}`);
  const allPolicies = await allPoliciesOf(ctx, pols.value, groups, f.notes);
  const selecting = [...new Set(dsts.flatMap((d) => selectingPolicies(allPolicies, d, 'ingress').map((p) => p.metadata.name ?? '?')))];
  f.evidence.push({
    text: `${pols.value.length} NetworkPolic${pols.value.length === 1 ? 'y' : 'ies'} in ${t.namespace}; selecting the refresher for ingress: ${selecting.join(', ') || 'none (not isolated)'}`,
    data: { namespace: t.namespace, policies: pols.value.map((p) => p.metadata.name), selectingRefresher: selecting },
  });

  for (const g of groups) judgeClientGroup(f, g, dsts, allPolicies, ctx, refNs.assumed);
  judgeRefresherEgress(f, dsts, allPolicies);

  const { status, evidence, suspects, fixes } = f;
  for (const n of f.notes) evidence.push({ text: `note: ${n}` });
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
