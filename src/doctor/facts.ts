// Where the doctor's facts about the cluster come from: the live API (kube/live-source.ts) or a snapshot
// directory of `kubectl get -o yaml` output and log files (kube/snapshot-source.ts). Checks only see this
// interface, so every check runs the same against an incident snapshot as against the cluster.

import type { Deployment, KubeEvent, LabelSelector, Namespace, NetworkPolicy, Pod, SecretSummary } from './k8s/types.js';

export type FactsErrorKind = 'forbidden' | 'unauthorized' | 'not-found' | 'unreachable' | 'invalid' | 'unavailable';

/** A fact that could not be read, typed so a check can say "skipped: forbidden to list pods" instead of failing. */
export class FactsError extends Error {
  constructor(readonly kind: FactsErrorKind, message: string, readonly resource?: string) {
    super(message);
    this.name = 'FactsError';
  }
}

export interface LogRequest {
  namespace: string;
  pod: string;
  container?: string;
  /** This is the container `kubectl logs` picks when none is named; a snapshot's "<pod>.log" belongs to it. */
  isDefaultContainer?: boolean;
  /** The previous (crashed) container's log, as `kubectl logs --previous`. */
  previous?: boolean;
  tailLines: number;
  sinceSeconds?: number;
}

/** A log not tied to a known pod (a snapshot file such as token-refresher.log). */
export interface LooseLog {
  name: string;
  text: string;
}

export interface ClusterFacts {
  readonly kind: 'cluster' | 'snapshot';
  /** "context stage-admin at https://api.example:6443", or the snapshot directory. */
  describe(): string;
  /** The namespace the user asked for (flag, kubeconfig context, or default). */
  readonly namespace: string;
  listPods(namespace: string, selector?: LabelSelector): Promise<Pod[]>;
  listDeployments(namespace: string): Promise<Deployment[]>;
  listEvents(namespace: string): Promise<KubeEvent[]>;
  /** Names, types and key names only: values are dropped as soon as they are read. */
  getSecret(namespace: string, name: string): Promise<SecretSummary | undefined>;
  listNetworkPolicies(namespace: string): Promise<NetworkPolicy[]>;
  /** One namespace with its labels; undefined if it does not exist (or could not be read: see `namespaceLabelsKnown`). */
  getNamespace(name: string): Promise<Namespace | undefined>;
  /** The log text, or undefined when there is none (no previous container, no file). */
  podLogs(req: LogRequest): Promise<string | undefined>;
  /** Logs that belong to no known pod (snapshots only). */
  looseLogs(): Promise<LooseLog[]>;
  close(): Promise<void>;
}

/** Drops a Secret's values right away: only the name, type and key names stay in memory past this call. */
export function summarizeSecret(obj: { metadata?: { name?: string; namespace?: string }; type?: string; data?: Record<string, unknown> | null; stringData?: Record<string, unknown> | null }): SecretSummary {
  const keys = [...new Set([...Object.keys(obj.data ?? {}), ...Object.keys(obj.stringData ?? {})])].sort();
  return { name: obj.metadata?.name ?? '', namespace: obj.metadata?.namespace, type: obj.type, keys };
}

/** Formats a selector as the API's labelSelector query parameter. */
export function selectorQuery(sel: LabelSelector | undefined): string | undefined {
  if (!sel) return undefined;
  const parts = [
    ...Object.entries(sel.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`),
    ...(sel.matchExpressions ?? []).map((r) => {
      const vs = (r.values ?? []).join(',');
      switch (r.operator) {
        case 'In': return `${r.key} in (${vs})`;
        case 'NotIn': return `${r.key} notin (${vs})`;
        case 'Exists': return r.key;
        case 'DoesNotExist': return `!${r.key}`;
        default: throw new FactsError('invalid', `selector operator "${r.operator}" is not valid`);
      }
    }),
  ];
  return parts.length > 0 ? parts.join(',') : undefined;
}
