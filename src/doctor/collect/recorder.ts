// A ClusterFacts that remembers every answer it passes on: what `obspath doctor collect` writes into a snapshot.
// Running the checks through it gathers exactly the objects and logs they use. Failed reads (forbidden,
// not found) are remembered too, so that the snapshot answers them the same way (replay.ts).

import { FactsError, selectorQuery, type ClusterFacts, type FactsErrorKind, type LogRequest, type LooseLog } from '../facts.js';
import type { Deployment, KubeEvent, LabelSelector, Namespace, NetworkPolicy, Pod, SecretSummary } from '../k8s/types.js';

/** A read that did not return an object: absent (404, no previous container) or a typed error. */
export interface RecordedRead {
  key: string;
  outcome: 'absent' | 'error';
  error?: { kind: FactsErrorKind; message: string; resource?: string };
}

/** The key of one call, the same in the recorder and the replay. */
export const readKey = {
  pods: (ns: string, sel?: LabelSelector) => `pods ${ns} ${selectorQuery(sel) ?? ''}`.trimEnd(),
  deployments: (ns: string) => `deployments ${ns}`,
  events: (ns: string) => `events ${ns}`,
  secret: (ns: string, name: string) => `secret ${ns}/${name}`,
  networkPolicies: (ns: string) => `networkpolicies ${ns}`,
  namespace: (name: string) => `namespace ${name}`,
  log: (r: LogRequest) => `log ${r.namespace}/${r.pod}/${r.container ?? ''}${r.previous ? '/previous' : ''}`,
};

/** Where a pod log goes in the snapshot: a name SnapshotClusterFacts ties back to the pod and container. */
export function logFileName(r: LogRequest): string {
  return `${r.pod}${r.container ? `_${r.container}` : ''}${r.previous ? '.previous' : ''}.log`;
}

export type CollectedKind = 'Pod' | 'Deployment' | 'Event' | 'Secret' | 'NetworkPolicy' | 'Namespace';

export class RecordingClusterFacts implements ClusterFacts {
  readonly kind: ClusterFacts['kind'];
  readonly namespace: string;
  /** kind -> "namespace/name" -> object (Secrets as their summaries: key names only). */
  readonly objects = new Map<CollectedKind, Map<string, unknown>>();
  /** Snapshot file name -> log text. */
  readonly logs = new Map<string, string>();
  readonly reads: RecordedRead[] = [];

  constructor(private readonly inner: ClusterFacts) {
    this.kind = inner.kind;
    this.namespace = inner.namespace;
  }

  describe(): string {
    return this.inner.describe();
  }

  async #record<T>(key: string, fn: () => Promise<T>, keep: (v: NonNullable<T>) => void): Promise<T> {
    try {
      const v = await fn();
      if (v === undefined || v === null) this.reads.push({ key, outcome: 'absent' });
      else keep(v);
      return v;
    } catch (err) {
      if (err instanceof FactsError) this.reads.push({ key, outcome: 'error', error: { kind: err.kind, message: err.message, resource: err.resource } });
      throw err;
    }
  }

  #keep(kind: CollectedKind, objs: readonly { metadata?: { name?: string; namespace?: string } }[]): void {
    const m = this.objects.get(kind) ?? new Map<string, unknown>();
    this.objects.set(kind, m);
    for (const o of objs) m.set(`${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`, o);
  }

  listPods(ns: string, selector?: LabelSelector): Promise<Pod[]> {
    return this.#record(readKey.pods(ns, selector), () => this.inner.listPods(ns, selector), (v) => this.#keep('Pod', v));
  }

  listDeployments(ns: string): Promise<Deployment[]> {
    return this.#record(readKey.deployments(ns), () => this.inner.listDeployments(ns), (v) => this.#keep('Deployment', v));
  }

  listEvents(ns: string): Promise<KubeEvent[]> {
    return this.#record(readKey.events(ns), () => this.inner.listEvents(ns), (v) => this.#keep('Event', v));
  }

  getSecret(ns: string, name: string): Promise<SecretSummary | undefined> {
    return this.#record(readKey.secret(ns, name), () => this.inner.getSecret(ns, name), (s) => this.#keep('Secret', [{ ...s, metadata: { name: s.name, namespace: s.namespace ?? ns } }]));
  }

  listNetworkPolicies(ns: string): Promise<NetworkPolicy[]> {
    return this.#record(readKey.networkPolicies(ns), () => this.inner.listNetworkPolicies(ns), (v) => this.#keep('NetworkPolicy', v));
  }

  getNamespace(name: string): Promise<Namespace | undefined> {
    return this.#record(readKey.namespace(name), () => this.inner.getNamespace(name), (n) => this.#keep('Namespace', [n]));
  }

  podLogs(req: LogRequest): Promise<string | undefined> {
    return this.#record(readKey.log(req), () => this.inner.podLogs(req), (text) => this.logs.set(logFileName(req), text));
  }

  looseLogs(): Promise<LooseLog[]> {
    return this.inner.looseLogs();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
