// The project's kustomize renderer for deploy/kubernetes: base resources, the overlay's namespace, and its
// patches, each a strategic merge patch on one object named by kind and name (list items merged by their
// Kubernetes merge key, never by position). The deploy tests check it renders what the real kustomize does.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { REPO_ROOT } from '../../tools/testing/procs.js';

export const KUBERNETES = join(REPO_ROOT, 'deploy', 'kubernetes');
export const OVERLAYS = ['stage', 'production'] as const;
export type Overlay = (typeof OVERLAYS)[number];

export interface K8sObject { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; spec: Record<string, any>; data?: Record<string, string> }

interface Kustomization { namespace?: string; resources: string[]; patches?: { target: { kind: string; name: string }; patch: string }[] }

/** The merge key of each list the manifests patch, as Kubernetes's strategic merge defines it. */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name', initContainers: 'name', env: 'name', ports: 'containerPort', volumes: 'name', volumeMounts: 'mountPath', imagePullSecrets: 'name',
};

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Strategic merge: maps merge, keyed lists merge item by item (patched items first, as kustomize orders them), other lists are replaced. */
export function strategicMerge(base: unknown, patch: unknown, field = ''): unknown {
  if (isMap(base) && isMap(patch)) {
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(patch)) {
      assert.ok(!k.startsWith('$'), `patch directive ${k} is not supported`);
      if (v === null) delete out[k];
      else out[k] = k in base ? strategicMerge(base[k], v, k) : v;
    }
    return out;
  }
  const key = MERGE_KEYS[field];
  if (Array.isArray(base) && Array.isArray(patch) && key) {
    const keyOf = (item: unknown) => (isMap(item) ? item[key] : undefined);
    const merged = patch.map((p) => {
      assert.ok(keyOf(p) !== undefined, `a ${field} item in a patch needs its ${key}`);
      const orig = base.find((b) => keyOf(b) === keyOf(p));
      return orig === undefined ? p : strategicMerge(orig, p, '');
    });
    return [...merged, ...base.filter((b) => !patch.some((p) => keyOf(p) === keyOf(b)))];
  }
  return patch;
}

export function loadManifests(file: string): K8sObject[] {
  return parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJSON() as K8sObject);
}

function renderDir(dir: string): K8sObject[] {
  const kust = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as Kustomization;
  const objs = kust.resources.flatMap((r) => (r.endsWith('.yaml') ? loadManifests(join(dir, r)) : renderDir(join(dir, r))));
  for (const p of kust.patches ?? []) {
    const i = objs.findIndex((o) => o.kind === p.target.kind && o.metadata.name === p.target.name);
    assert.ok(i >= 0, `${dir}: patches a missing ${p.target.kind}/${p.target.name}`);
    const patch = parse(p.patch) as unknown;
    assert.ok(isMap(patch), `${dir}: the patch of ${p.target.kind}/${p.target.name} is not a strategic merge patch (a list of JSON-patch ops addresses list items by position)`);
    assert.deepEqual([patch.kind, (patch.metadata as Record<string, unknown> | undefined)?.name], [p.target.kind, p.target.name], `${dir}: a patch names the object it patches`);
    objs[i] = strategicMerge(objs[i], patch) as K8sObject;
  }
  if (kust.namespace) for (const o of objs) o.metadata = { ...o.metadata, namespace: kust.namespace };
  return objs;
}

/** The objects `kustomize build deploy/kubernetes/overlays/<overlay>` gives. */
export function render(overlay: Overlay): K8sObject[] {
  return renderDir(join(KUBERNETES, 'overlays', overlay));
}
