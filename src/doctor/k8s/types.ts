// The slice of Kubernetes object shapes the doctor reads. Field names follow the API exactly (so objects from
// the API server and from `kubectl get -o yaml` fit without mapping); everything is optional because real
// objects omit defaults and snapshots may be partial.

export type Labels = Record<string, string>;

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  labels?: Labels;
  annotations?: Record<string, string>;
  creationTimestamp?: string;
  uid?: string;
}

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | string;
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Labels;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface ContainerPort {
  name?: string;
  containerPort: number;
  protocol?: string;
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string; optional?: boolean };
    configMapKeyRef?: { name: string; key: string; optional?: boolean };
    fieldRef?: { fieldPath: string };
  };
}

export interface Container {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  ports?: ContainerPort[];
}

export interface ContainerStateInfo {
  waiting?: { reason?: string; message?: string };
  running?: { startedAt?: string };
  terminated?: { reason?: string; exitCode?: number; message?: string; finishedAt?: string; startedAt?: string };
}

export interface ContainerStatus {
  name: string;
  ready?: boolean;
  restartCount?: number;
  state?: ContainerStateInfo;
  lastState?: ContainerStateInfo;
}

export interface Pod {
  kind?: 'Pod';
  metadata: ObjectMeta;
  spec?: { containers?: Container[]; initContainers?: Container[]; nodeName?: string };
  status?: {
    phase?: string;
    podIP?: string;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
    containerStatuses?: ContainerStatus[];
  };
}

export interface Deployment {
  kind?: 'Deployment';
  metadata: ObjectMeta;
  spec?: { replicas?: number; selector?: LabelSelector; template?: { metadata?: ObjectMeta; spec?: { containers?: Container[] } } };
  status?: {
    replicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    unavailableReplicas?: number;
    updatedReplicas?: number;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
}

export interface KubeEvent {
  kind?: 'Event';
  metadata: ObjectMeta;
  involvedObject?: { kind?: string; name?: string; namespace?: string };
  reason?: string;
  message?: string;
  type?: string;
  count?: number;
  lastTimestamp?: string;
  eventTime?: string;
  firstTimestamp?: string;
}

/** A Secret as the doctor keeps it: its name, type and the names of its keys. Values are dropped on read. */
export interface SecretSummary {
  name: string;
  namespace?: string;
  type?: string;
  keys: string[];
}

export interface NetworkPolicyPort {
  protocol?: string;
  port?: number | string;
  endPort?: number;
}

export interface IPBlock {
  cidr: string;
  except?: string[];
}

export interface NetworkPolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: IPBlock;
}

export interface NetworkPolicy {
  kind?: 'NetworkPolicy';
  metadata: ObjectMeta;
  spec: {
    podSelector?: LabelSelector;
    policyTypes?: ('Ingress' | 'Egress' | string)[];
    ingress?: { from?: NetworkPolicyPeer[]; ports?: NetworkPolicyPort[] }[];
    egress?: { to?: NetworkPolicyPeer[]; ports?: NetworkPolicyPort[] }[];
  };
}

export interface Namespace {
  kind?: 'Namespace';
  metadata: ObjectMeta;
}

/** Returns the namespace's labels including the one the API server sets on every namespace (since 1.21). */
export function namespaceLabels(ns: Namespace): Labels {
  const name = ns.metadata.name ?? '';
  return { 'kubernetes.io/metadata.name': name, ...(ns.metadata.labels ?? {}) };
}
