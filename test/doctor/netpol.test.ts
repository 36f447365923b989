import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { evaluateConnection, effectivePolicyTypes } from '../../src/doctor/netpol/evaluate.js';
import { cidrContains, type Endpoint, type PodEndpoint, type PortQuery } from '../../src/doctor/netpol/peers.js';
import type { NetworkPolicy } from '../../src/doctor/k8s/types.js';

const NS = 'managed-services-stage';
const nsLabels = (ns: string, extra: Record<string, string> = {}) => ({ 'kubernetes.io/metadata.name': ns, ...extra });

const refresher: PodEndpoint = {
  kind: 'pod', name: 'token-refresher-7d9f8b6c5-x2x4z', namespace: NS, ip: '10.128.2.15',
  labels: { 'app.kubernetes.io/component': 'authentication-proxy', 'app.kubernetes.io/name': 'token-refresher', 'pod-template-hash': '7d9f8b6c5' },
  namespaceLabels: nsLabels(NS),
  ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }, { name: 'internal', containerPort: 8081, protocol: 'TCP' }],
};
const kfm: PodEndpoint = {
  kind: 'pod', name: 'kas-fleet-manager-5b8d7c9f4-abcde', namespace: NS, ip: '10.128.3.7',
  labels: { app: 'kas-fleet-manager', 'pod-template-hash': '5b8d7c9f4' }, namespaceLabels: nsLabels(NS),
};
const prom: PodEndpoint = {
  kind: 'pod', name: 'prometheus-app-sre-0', namespace: 'openshift-customer-monitoring', ip: '10.129.0.4',
  labels: { 'operator.prometheus.io/name': 'app-sre', 'app.kubernetes.io/name': 'prometheus' },
  namespaceLabels: nsLabels('openshift-customer-monitoring', { 'openshift.io/cluster-monitoring': 'true' }),
};
const kfmOtherNs: PodEndpoint = { ...kfm, namespace: 'managed-services-production', namespaceLabels: nsLabels('managed-services-production') };
const stranger: PodEndpoint = { kind: 'pod', name: 'debug-shell', namespace: NS, labels: { run: 'debug-shell' }, namespaceLabels: nsLabels(NS), ip: '10.128.3.99' };
const HTTP: PortQuery = { port: 8080, protocol: 'TCP' };

function policies(yamlText: string): NetworkPolicy[] {
  return yamlText.split(/^---$/m).filter((d) => d.trim()).map((d) => {
    const p = parse(d) as NetworkPolicy;
    p.metadata.namespace ??= NS;
    return p;
  });
}

// The runbook's policy as this repo deploys it (deploy/kubernetes/base/token-refresher.yaml).
const RUNBOOK = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: token-refresher }
spec:
  podSelector:
    matchLabels: { app.kubernetes.io/component: authentication-proxy, app.kubernetes.io/name: token-refresher }
  policyTypes: [Ingress]
  ingress:
    - from:
        - namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: managed-services-stage } }
          podSelector: { matchLabels: { app: kas-fleet-manager } }
        - namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: managed-services-stage } }
          podSelector: { matchLabels: { operator.prometheus.io/name: app-sre } }
`;
const DENY_ALL_INGRESS = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: default-deny }
spec: { podSelector: {}, policyTypes: [Ingress] }
`;
const ALLOW_SAME_NS = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: allow-same-namespace }
spec:
  podSelector: {}
  ingress: [{ from: [{ podSelector: {} }] }]
`;

interface Case {
  name: string;
  yaml: string;
  src?: Endpoint;
  dst?: Endpoint;
  port?: PortQuery;
  allowed: boolean;
  /** The policy named as allowing (ingress side unless `side`), or in the explanation of a denial. */
  policy?: string;
  side?: 'ingress' | 'egress';
  /** Text the explanation or a miss must contain (the missing rule). */
  why?: RegExp;
}

const cases: Case[] = [
  { name: 'no policy at all: allowed by default', yaml: '', allowed: true, why: /no NetworkPolicy .* selects/ },
  { name: 'runbook policy admits the fleet manager', yaml: RUNBOOK, allowed: true, policy: 'token-refresher' },
  { name: 'runbook policy admits app-sre Prometheus in the same namespace', yaml: RUNBOOK, src: { ...prom, namespace: NS, namespaceLabels: nsLabels(NS) }, allowed: true, policy: 'token-refresher' },
  { name: 'runbook policy on the metrics port (any port)', yaml: RUNBOOK, port: { port: 8081, protocol: 'TCP' }, allowed: true, policy: 'token-refresher' },
  { name: 'runbook policy denies app-sre Prometheus from another namespace', yaml: RUNBOOK, src: prom, allowed: false, policy: 'token-refresher', why: /namespace openshift-customer-monitoring does not match/ },
  { name: 'runbook policy denies an unlabelled pod', yaml: RUNBOOK, src: stranger, allowed: false, policy: 'token-refresher', why: /label app is absent/ },
  { name: 'runbook policy denies the fleet manager of the wrong namespace', yaml: RUNBOOK, src: kfmOtherNs, allowed: false, why: /kubernetes\.io\/metadata\.name=managed-services-stage/ },
  {
    name: 'misconfigured: both labels in one podSelector (AND) admit nobody', allowed: false, policy: 'token-refresher', why: /operator\.prometheus\.io\/name=app-sre: label operator\.prometheus\.io\/name is absent/,
    yaml: RUNBOOK.replace(/- namespaceSelector[\s\S]*$/, `- podSelector: { matchLabels: { app: kas-fleet-manager, operator.prometheus.io/name: app-sre } }\n`),
  },
  { name: 'misconfigured: wrong label value on the client', yaml: RUNBOOK.replace('app: kas-fleet-manager', 'app: kas-fleetmanager'), allowed: false, why: /app=kas-fleetmanager: app=kas-fleet-manager/ },
  { name: 'misconfigured: wrong namespace in the namespaceSelector', yaml: RUNBOOK.replaceAll('managed-services-stage }', 'managed-services-production }'), allowed: false, why: /namespace managed-services-stage does not match/ },
  { name: 'misconfigured: podSelector selects other pods, so the refresher is not isolated', yaml: RUNBOOK.replace('app.kubernetes.io/name: token-refresher }', 'app.kubernetes.io/name: token-refresher-old }'), src: stranger, allowed: true },
  {
    name: 'misconfigured: policyTypes Egress only leaves ingress open but isolates egress', src: refresher, dst: kfm, allowed: false, side: 'egress', policy: 'token-refresher', why: /no egress rules|isolated for egress/,
    yaml: RUNBOOK.replace('policyTypes: [Ingress]', 'policyTypes: [Egress]'),
  },
  { name: 'policyTypes Egress only: ingress to the refresher stays open', yaml: RUNBOOK.replace('policyTypes: [Ingress]', 'policyTypes: [Egress]'), src: stranger, allowed: true },
  { name: 'default deny ingress alone', yaml: DENY_ALL_INGRESS, allowed: false, policy: 'default-deny', why: /no ingress rules/ },
  { name: 'default deny plus runbook policy: union allows', yaml: `${DENY_ALL_INGRESS}---${RUNBOOK}`, allowed: true, policy: 'token-refresher' },
  { name: 'allow-same-namespace (empty podSelector peer)', yaml: `${DENY_ALL_INGRESS}---${ALLOW_SAME_NS}`, src: stranger, allowed: true, policy: 'allow-same-namespace' },
  { name: 'allow-same-namespace does not admit another namespace', yaml: ALLOW_SAME_NS, src: kfmOtherNs, allowed: false, why: /is in namespace managed-services-production, not managed-services-stage/ },
  {
    name: 'empty namespaceSelector admits every namespace', src: kfmOtherNs, allowed: true, policy: 'from-anywhere',
    yaml: `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: from-anywhere }\nspec:\n  podSelector: {}\n  ingress: [{ from: [{ namespaceSelector: {} }] }]\n`,
  },
  {
    name: 'namespaceSelector alone admits any pod of matching namespaces', src: prom, allowed: true, policy: 'from-monitoring',
    yaml: `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: from-monitoring }\nspec:\n  podSelector: {}\n  ingress: [{ from: [{ namespaceSelector: { matchLabels: { openshift.io/cluster-monitoring: 'true' } } }] }]\n`,
  },
  {
    name: 'matchExpressions In admits', allowed: true, policy: 'expr',
    yaml: `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: expr }\nspec:\n  podSelector: { matchExpressions: [{ key: app.kubernetes.io/name, operator: In, values: [token-refresher, observatorium-api] }] }\n  ingress: [{ from: [{ podSelector: { matchExpressions: [{ key: app, operator: In, values: [kas-fleet-manager] }] } }] }]\n`,
  },
  {
    name: 'matchExpressions NotIn excludes', allowed: false, why: /app=kas-fleet-manager is excluded/,
    yaml: `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: expr }\nspec:\n  podSelector: {}\n  ingress: [{ from: [{ podSelector: { matchExpressions: [{ key: app, operator: NotIn, values: [kas-fleet-manager] }] } }] }]\n`,
  },
  {
    name: 'matchExpressions NotIn admits a pod without the label', src: stranger, allowed: true, policy: 'expr',
    yaml: `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: expr }\nspec:\n  podSelector: {}\n  ingress: [{ from: [{ podSelector: { matchExpressions: [{ key: app, operator: NotIn, values: [kas-fleet-manager] }] } }] }]\n`,
  },
  {
    name: 'matchExpressions Exists', allowed: true, policy: 'expr',
    yaml: `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: expr }\nspec:\n  podSelector: {}\n  ingress: [{ from: [{ podSelector: { matchExpressions: [{ key: app, operator: Exists }] } }] }]\n`,
  },
  {
    name: 'matchExpressions DoesNotExist denies a labelled pod', allowed: false, why: /label app is present/,
    yaml: `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: expr }\nspec:\n  podSelector: {}\n  ingress: [{ from: [{ podSelector: { matchExpressions: [{ key: app, operator: DoesNotExist }] } }] }]\n`,
  },
  {
    name: 'port restricted to 8081: 8080 denied', allowed: false, why: /8081\/TCP does not include 8080/,
    yaml: `${RUNBOOK}      ports: [{ protocol: TCP, port: 8081 }]\n`,
  },
  { name: 'named port http resolves to 8080', yaml: `${RUNBOOK}      ports: [{ port: http }]\n`, allowed: true, policy: 'token-refresher' },
  { name: 'named port internal does not cover 8080', yaml: `${RUNBOOK}      ports: [{ port: internal }]\n`, allowed: false, why: /internal\/TCP is 8081 on token-refresher/ },
  { name: 'named port the pod does not have', yaml: `${RUNBOOK}      ports: [{ port: web }]\n`, allowed: false, why: /no TCP container port named "web"/ },
  { name: 'endPort range covers 8080', yaml: `${RUNBOOK}      ports: [{ port: 8000, endPort: 8100 }]\n`, allowed: true, policy: 'token-refresher' },
  { name: 'endPort range 8081-8090 misses 8080', yaml: `${RUNBOOK}      ports: [{ port: 8081, endPort: 8090 }]\n`, allowed: false, why: /8081-8090\/TCP does not include 8080/ },
  { name: 'protocol UDP does not cover TCP', yaml: `${RUNBOOK}      ports: [{ protocol: UDP, port: 8080 }]\n`, allowed: false, why: /protocol is UDP/ },
  {
    name: 'ipBlock admits the fleet manager pod IP', allowed: true, policy: 'cidr',
    yaml: `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: cidr }\nspec:\n  podSelector: {}\n  ingress: [{ from: [{ ipBlock: { cidr: 10.128.0.0/14 } }] }]\n`,
  },
  {
    name: 'ipBlock except carves the fleet manager out', allowed: false, why: /10\.128\.3\.7 is in the excepted 10\.128\.3\.0\/24/,
    yaml: `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: cidr }\nspec:\n  podSelector: {}\n  ingress: [{ from: [{ ipBlock: { cidr: 10.128.0.0/14, except: [10.128.3.0/24] } }] }]\n`,
  },
  {
    name: 'client-side egress default deny blocks the fleet manager', allowed: false, side: 'egress', policy: 'kfm-egress-deny', why: /isolated for egress by kfm-egress-deny/,
    yaml: `${RUNBOOK}---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: kfm-egress-deny }\nspec: { podSelector: { matchLabels: { app: kas-fleet-manager } }, policyTypes: [Egress] }\n`,
  },
  {
    name: 'client-side egress allowed to the refresher by label and named port', allowed: true, side: 'egress', policy: 'kfm-egress',
    yaml: `${RUNBOOK}---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: kfm-egress }\nspec:\n  podSelector: { matchLabels: { app: kas-fleet-manager } }\n  egress: [{ to: [{ podSelector: { matchLabels: { app.kubernetes.io/name: token-refresher } } }], ports: [{ port: http }] }]\n`,
  },
  {
    name: 'implicit Egress type from egress rules (no policyTypes): DNS-only egress blocks 8080', allowed: false, side: 'egress', policy: 'kfm-dns-only', why: /53\/UDP/,
    yaml: `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: kfm-dns-only }\nspec:\n  podSelector: { matchLabels: { app: kas-fleet-manager } }\n  egress: [{ ports: [{ protocol: UDP, port: 53 }] }]\n`,
  },
  {
    name: 'refresher egress to an external address: ipBlock 0.0.0.0/0 on 443', src: refresher, dst: { kind: 'external', name: 'observatorium', ip: '3.5.6.7' }, port: { port: 443, protocol: 'TCP' }, allowed: true, side: 'egress', policy: 'refresher-egress',
    yaml: `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: refresher-egress }\nspec:\n  podSelector: { matchLabels: { app.kubernetes.io/name: token-refresher } }\n  policyTypes: [Egress]\n  egress: [{ to: [{ ipBlock: { cidr: 0.0.0.0/0, except: [10.0.0.0/8] } }], ports: [{ port: 443 }] }]\n`,
  },
  {
    name: 'refresher egress: a named port cannot match an external address', src: refresher, dst: { kind: 'external', name: 'observatorium', ip: '3.5.6.7' }, port: { port: 443, protocol: 'TCP' }, allowed: false, side: 'egress', why: /named port cannot match/,
    yaml: `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: refresher-egress }\nspec:\n  podSelector: { matchLabels: { app.kubernetes.io/name: token-refresher } }\n  policyTypes: [Egress]\n  egress: [{ ports: [{ port: https }] }]\n`,
  },
  { name: 'a policy in another namespace does not isolate the refresher', yaml: DENY_ALL_INGRESS.replace('name: default-deny }', 'name: default-deny, namespace: other }'), allowed: true },
  {
    name: 'the template policy (kas-fleet-manager repo): prometheus=kafka-prometheus from the observability namespace', src: { ...prom, labels: { prometheus: 'kafka-prometheus' }, namespace: 'managed-application-services-observability', namespaceLabels: nsLabels('managed-application-services-observability', { name: 'managed-application-services-observability' }) }, allowed: true, policy: 'token-refresher',
    yaml: `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: token-refresher }\nspec:\n  podSelector: { matchLabels: { app.kubernetes.io/component: authentication-proxy, app.kubernetes.io/name: token-refresher } }\n  policyTypes: [Ingress]\n  ingress:\n    - from:\n        - podSelector: { matchLabels: { app: kas-fleet-manager } }\n        - podSelector: { matchLabels: { prometheus: kafka-prometheus } }\n          namespaceSelector: { matchLabels: { name: managed-application-services-observability } }\n`,
  },
];

for (const c of cases) {
  test(`netpol: ${c.name}`, () => {
    const pols = c.yaml.trim() ? policies(c.yaml) : [];
    const v = evaluateConnection(pols, c.src ?? kfm, c.dst ?? refresher, c.port ?? HTTP);
    assert.equal(v.allowed, c.allowed, v.explanation);
    const side = c.side === 'egress' ? v.egress : v.ingress;
    if (c.policy) {
      if (c.allowed) assert.equal(side.allowedBy?.policy, c.policy, side.explanation);
      else assert.ok(side.selectingPolicies.includes(c.policy), `${c.policy} should be named: ${side.explanation}`);
    }
    if (c.why) {
      const text = [v.explanation, ...[v.egress, v.ingress].flatMap((d) => d.misses.flatMap((m) => m.reasons))].join('\n');
      assert.match(text, c.why);
    }
  });
}

test('netpol: there are at least 25 table cases', () => {
  assert.ok(cases.length >= 25, `${cases.length} cases`);
});

test('netpol: effective policy types follow the API defaults', () => {
  const base = { metadata: { name: 'p' }, spec: { podSelector: {} } } as NetworkPolicy;
  assert.deepEqual(effectivePolicyTypes(base), ['ingress']);
  assert.deepEqual(effectivePolicyTypes({ ...base, spec: { ...base.spec, egress: [{}] } }), ['ingress', 'egress']);
  assert.deepEqual(effectivePolicyTypes({ ...base, spec: { ...base.spec, egress: [] } }), ['ingress']);
  assert.deepEqual(effectivePolicyTypes({ ...base, spec: { ...base.spec, policyTypes: ['Egress'] } }), ['egress']);
});

test('netpol: CIDR containment keeps address families apart', () => {
  assert.equal(cidrContains('10.128.0.0/14', '10.131.255.255'), true);
  assert.equal(cidrContains('10.128.0.0/14', '10.132.0.0'), false);
  assert.equal(cidrContains('::/0', '10.0.0.1'), false);
  assert.equal(cidrContains('fd00::/8', 'fd12::1'), true);
  assert.equal(cidrContains('not-a-cidr', '10.0.0.1'), false);
});
