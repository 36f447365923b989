// ClusterFacts from a directory saved during an incident: `kubectl get ... -o yaml` (or -o json) output —
// single objects, multi-document files and `kind: List`/`PodList` lists — plus log files. A log file belongs
// to a pod when its name starts with the pod's name ("<pod>.log", "<pod>_<container>.log",
// "<pod>.previous.log"); any other log file is a loose log (e.g. `kubectl logs deploy/token-refresher`).
// Secret values are dropped while loading, like the live source does.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { FactsError, summarizeSecret, type ClusterFacts, type LogRequest, type LooseLog } from '../facts.js';
import { selectorMatches } from '../netpol/selector.js';
import type { Deployment, KubeEvent, LabelSelector, Namespace, NetworkPolicy, ObjectMeta, Pod, SecretSummary } from './types.js';

const MANIFEST = /\.(ya?ml|json)$/i;
const LOG = /\.(log|txt)$/i;

interface Loaded {
  pods: Pod[];
  deployments: Deployment[];
  events: KubeEvent[];
  secrets: SecretSummary[];
  policies: NetworkPolicy[];
  namespaces: Namespace[];
  logs: { file: string; stem: string; text: string }[];
}

type RawObject = { kind?: string; apiVersion?: string; metadata?: ObjectMeta; items?: unknown[]; [k: string]: unknown };

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...walk(path));
    else out.push(path);
  }
  return out;
}

/** Every object in a document, with lists flattened; items of a typed list (PodList) get the item kind. */
export function flattenObjects(doc: unknown): RawObject[] {
  if (!doc || typeof doc !== 'object') return [];
  const obj = doc as RawObject;
  if (Array.isArray(obj.items) && (obj.kind === 'List' || obj.kind?.endsWith('List'))) {
    const itemKind = obj.kind === 'List' ? undefined : obj.kind.slice(0, -'List'.length);
    return obj.items.flatMap((i) => flattenObjects(i && typeof i === 'object' && !(i as RawObject).kind && itemKind ? { ...(i as RawObject), kind: itemKind } : i));
  }
  return obj.kind ? [obj] : [];
}

function load(dir: string, defaultNamespace: string): Loaded {
  const loaded: Loaded = { pods: [], deployments: [], events: [], secrets: [], policies: [], namespaces: [], logs: [] };
  let files: string[];
  try {
    files = walk(dir);
  } catch (err) {
    throw new FactsError('invalid', `cannot read snapshot directory ${dir}: ${(err as Error).message}`);
  }
  for (const file of files) {
    if (LOG.test(file)) {
      loaded.logs.push({ file: relative(dir, file), stem: basename(file).replace(LOG, ''), text: readFileSync(file, 'utf8') });
      continue;
    }
    if (!MANIFEST.test(file)) continue;
    const docs = parseAllDocuments(readFileSync(file, 'utf8'));
    for (const d of docs) {
      if (d.errors.length > 0) throw new FactsError('invalid', `${relative(dir, file)}: ${d.errors[0]!.message}`);
      for (const obj of flattenObjects(d.toJS())) {
        obj.metadata ??= {};
        // Objects saved without a namespace (hand-written manifests) belong to the namespace under diagnosis.
        if (obj.kind !== 'Namespace') obj.metadata.namespace ??= defaultNamespace;
        switch (obj.kind) {
          case 'Pod': loaded.pods.push(obj as unknown as Pod); break;
          case 'Deployment': loaded.deployments.push(obj as unknown as Deployment); break;
          case 'Event': loaded.events.push(obj as unknown as KubeEvent); break;
          case 'Secret': loaded.secrets.push(summarizeSecret(obj as Parameters<typeof summarizeSecret>[0])); break;
          case 'NetworkPolicy': loaded.policies.push({ ...(obj as unknown as NetworkPolicy), spec: (obj.spec as NetworkPolicy['spec']) ?? {} }); break;
          case 'Namespace': loaded.namespaces.push(obj as unknown as Namespace); break;
          default: break;
        }
      }
    }
  }
  return loaded;
}

export class SnapshotClusterFacts implements ClusterFacts {
  readonly kind = 'snapshot' as const;
  readonly #data: Loaded;

  constructor(readonly dir: string, readonly namespace: string) {
    this.#data = load(dir, namespace);
  }

  describe(): string {
    return `snapshot ${this.dir}`;
  }

  async listPods(namespace: string, selector?: LabelSelector): Promise<Pod[]> {
    return this.#data.pods.filter((p) => p.metadata.namespace === namespace && (!selector || selectorMatches(selector, p.metadata.labels ?? {})));
  }

  async listDeployments(namespace: string): Promise<Deployment[]> {
    return this.#data.deployments.filter((d) => d.metadata.namespace === namespace);
  }

  async listEvents(namespace: string): Promise<KubeEvent[]> {
    return this.#data.events.filter((e) => e.metadata.namespace === namespace);
  }

  async getSecret(namespace: string, name: string): Promise<SecretSummary | undefined> {
    const s = this.#data.secrets.find((x) => x.namespace === namespace && x.name === name);
    // Absent from a snapshot does not mean absent from the cluster: say "unknown", not "missing".
    if (!s && !this.#data.secrets.some((x) => x.namespace === namespace)) throw new FactsError('unavailable', `the snapshot holds no secrets of namespace ${namespace}`, `secret ${namespace}/${name}`);
    return s;
  }

  async listNetworkPolicies(namespace: string): Promise<NetworkPolicy[]> {
    return this.#data.policies.filter((p) => p.metadata.namespace === namespace);
  }

  async getNamespace(name: string): Promise<Namespace | undefined> {
    const ns = this.#data.namespaces.find((n) => n.metadata.name === name);
    if (ns) return ns;
    if (this.#data.namespaces.length === 0) throw new FactsError('unavailable', 'the snapshot holds no Namespace objects', `namespace ${name}`);
    return undefined;
  }

  async podLogs(req: LogRequest): Promise<string | undefined> {
    const matches = this.#data.logs.filter((l) => logBelongsTo(l.stem, req));
    if (matches.length === 0) return undefined;
    const lines = matches.map((m) => m.text).join('\n').split('\n');
    return lines.slice(-req.tailLines).join('\n');
  }

  async looseLogs(): Promise<LooseLog[]> {
    const podNames = this.#data.pods.map((p) => p.metadata.name ?? '').filter((n) => n.length > 0);
    return this.#data.logs
      .filter((l) => !podNames.some((p) => l.stem === p || l.stem.startsWith(`${p}.`) || l.stem.startsWith(`${p}_`)))
      .map((l) => ({ name: l.file, text: l.text }));
  }

  async close(): Promise<void> {}
}

/** "<pod>", "<pod>_<container>", "<pod>.previous", "<pod>_<container>.previous" (also "-previous"). */
function logBelongsTo(stem: string, req: LogRequest): boolean {
  const previous = /[._-]previous$/.test(stem);
  if (previous !== (req.previous ?? false)) return false;
  const base = stem.replace(/[._-]previous$/, '');
  if (base === req.pod) return req.container === undefined || req.isDefaultContainer !== false;
  if (!base.startsWith(`${req.pod}_`) && !base.startsWith(`${req.pod}.`)) return false;
  const container = base.slice(req.pod.length + 1);
  return req.container === undefined || container === req.container;
}
