// The 29 metrics the fleet manager exposes per Kafka instance, their label selectors (kas-fleet-manager
// pkg/client/observatorium/api.go, exact strings, so the 7 grouped queries stay the same), the federate
// variable labels and the label allow-list of the JSON answers. A library: the fleet manager queries with it,
// and `obspath up`'s data plane (src/stack/kafka-data.ts) writes these metrics for the demo instances.

export type SelectorGroup = 'A' | 'B' | 'C' | 'D' | 'E' | 'F' | 'G';

export interface MetricSpec {
  name: string;
  group: SelectorGroup;
  /** Labels kept on the federate endpoint (missing ones are exported as ""). */
  federateLabels: readonly string[];
  help: string;
}

const POD_CLUSTER = ['statefulset_kubernetes_io_pod_name', 'strimzi_io_cluster'] as const;
const PARTITION = ['broker_id', 'partition_id', 'topic_name', ...POD_CLUSTER] as const;
const TOPIC_RATE = [...POD_CLUSTER, 'topic'] as const;

const m = (name: string, group: SelectorGroup, federateLabels: readonly string[], help: string): MetricSpec => ({ name, group, federateLabels, help });

export const METRICS: readonly MetricSpec[] = [
  m('kubelet_volume_stats_available_bytes', 'A', ['persistentvolumeclaim'], 'Number of available bytes in the volume'),
  m('kubelet_volume_stats_used_bytes', 'A', ['persistentvolumeclaim'], 'Number of used bytes in the volume'),
  m('kafka_broker_quota_softlimitbytes', 'B', POD_CLUSTER, 'Soft limit on the storage a broker may use, in bytes'),
  m('kafka_broker_quota_hardlimitbytes', 'B', POD_CLUSTER, 'Hard limit on the storage a broker may use, in bytes'),
  m('kafka_broker_quota_totalstorageusedbytes', 'B', POD_CLUSTER, 'Storage used by a broker, in bytes'),
  m('kafka_broker_client_quota_limit', 'B', [...POD_CLUSTER, 'quota_type'], 'Client quota limit of a broker, by quota type'),
  m('kafka_server_brokertopicmetrics_messages_in_total', 'C', ['topic', ...POD_CLUSTER], 'Messages received by a broker, per topic'),
  m('kafka_server_brokertopicmetrics_bytes_in_total', 'C', ['topic', ...POD_CLUSTER], 'Bytes received by a broker, per topic'),
  m('kafka_server_brokertopicmetrics_bytes_out_total', 'C', ['topic', ...POD_CLUSTER], 'Bytes sent by a broker, per topic'),
  m('kafka_controller_kafkacontroller_offline_partitions_count', 'D', POD_CLUSTER, 'Partitions without an active leader'),
  m('kafka_controller_kafkacontroller_global_partition_count', 'D', POD_CLUSTER, 'Partitions across all topics of the cluster'),
  m('kafka_topic:kafka_log_log_size:sum', 'E', ['topic'], 'Log size of each topic, in bytes'),
  m('kas_topic_partition_log_size_bytes', 'E', PARTITION, 'Log size of each topic partition, in bytes'),
  m('kas_broker_partition_log_size_bytes_top50', 'F', PARTITION, 'Log size of the 50 largest partitions of each broker, in bytes'),
  m('kafka_namespace:haproxy_server_bytes_in_total:rate5m', 'G', [], 'Rate of incoming bytes through the router, over 5 minutes'),
  m('kafka_namespace:haproxy_server_bytes_out_total:rate5m', 'G', [], 'Rate of outgoing bytes through the router, over 5 minutes'),
  m('kafka_topic:kafka_topic_partitions:sum', 'F', [], 'Number of topic partitions'),
  m('kafka_topic:kafka_topic_partitions:count', 'F', [], 'Number of topics'),
  m('consumergroup:kafka_consumergroup_members:count', 'F', [], 'Number of consumer group members'),
  m('kafka_namespace:kafka_server_socket_server_metrics_connection_count:sum', 'F', [], 'Number of client connections'),
  m('kafka_namespace:kafka_server_socket_server_metrics_connection_creation_rate:sum', 'F', [], 'Rate of new client connections'),
  m('kafka_topic:kafka_server_brokertopicmetrics_messages_in_total:rate5m', 'F', TOPIC_RATE, 'Rate of incoming messages per topic, over 5 minutes'),
  m('kafka_topic:kafka_server_brokertopicmetrics_bytes_in_total:rate5m', 'F', TOPIC_RATE, 'Rate of incoming bytes per topic, over 5 minutes'),
  m('kafka_topic:kafka_server_brokertopicmetrics_bytes_out_total:rate5m', 'F', TOPIC_RATE, 'Rate of outgoing bytes per topic, over 5 minutes'),
  m('kafka_instance_spec_brokers_desired_count', 'F', ['instance_name'], 'Desired number of brokers of the instance'),
  m('kafka_instance_max_message_size_limit', 'F', ['instance_name'], 'Largest message size the instance accepts, in bytes'),
  m('kafka_instance_partition_limit', 'F', ['instance_name'], 'Largest number of partitions of the instance'),
  m('kafka_instance_connection_limit', 'F', ['instance_name', 'broker_id'], 'Largest number of client connections per broker'),
  m('kafka_instance_connection_creation_rate_limit', 'F', ['instance_name', 'broker_id'], 'Largest rate of new client connections per broker'),
];

export const METRICS_BY_NAME: ReadonlyMap<string, MetricSpec> = new Map(METRICS.map((x) => [x.name, x]));

/** Labels kept in the JSON answers (presenters/metric.go); namespace, pod, instance and the rest are dropped. */
export const LABEL_ALLOW_LIST: ReadonlySet<string> = new Set([
  '__name__', 'strimzi_io_cluster', 'topic', 'persistentvolumeclaim', 'statefulset_kubernetes_io_pod_name', 'exported_service',
  'exported_pod', 'route', 'broker_id', 'quota_type', 'partition_id', 'topic_name',
]);

const NOT_INTERNAL_TOPICS = `topic!~'__redhat_.*|__consumer_offsets|__transaction_state'`;

/** The original selector strings; `NS` is the escaped namespace. B and D differ only by a space, as in Go. */
const SELECTORS: Record<SelectorGroup, (ns: string) => string> = {
  A: (ns) => `persistentvolumeclaim=~"data-.*-kafka-[0-9]*$", namespace=~'${ns}'`,
  B: (ns) => `strimzi_io_kind=~'Kafka', namespace=~'${ns}'`,
  C: (ns) => `strimzi_io_kind=~'Kafka', ${NOT_INTERNAL_TOPICS}, namespace=~'${ns}'`,
  D: (ns) => `strimzi_io_kind=~'Kafka',namespace=~'${ns}'`,
  E: (ns) => `${NOT_INTERNAL_TOPICS}, namespace=~'${ns}'`,
  F: (ns) => `namespace=~'${ns}'`,
  G: (ns) => `exported_namespace=~'${ns}'`,
};

const GROUP_ORDER: readonly SelectorGroup[] = ['A', 'B', 'C', 'D', 'E', 'F', 'G'];

/** A value for a regex matcher that matches exactly `s` (RE2 metacharacters escaped). */
export function regexLiteral(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A PromQL single-quoted string literal's content for `s`. */
export function promqlSingleQuoted(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

export interface GroupQuery {
  group: SelectorGroup;
  metrics: string[];
  query: string;
}

/**
 * One PromQL per selector group over the requested metrics (all when `filters` is empty), in a fixed
 * group order. The namespace is escaped for both the regex and the PromQL string (Go interpolated it raw).
 */
export function buildQueries(namespace: string, filters: readonly string[] = []): GroupQuery[] {
  const wanted = filters.length === 0 ? null : new Set(filters);
  const ns = promqlSingleQuoted(regexLiteral(namespace));
  const out: GroupQuery[] = [];
  for (const group of GROUP_ORDER) {
    const metrics = METRICS.filter((x) => x.group === group && (wanted === null || wanted.has(x.name))).map((x) => x.name);
    if (metrics.length === 0) continue;
    out.push({ group, metrics, query: `{__name__=~'${metrics.join('|')}', ${SELECTORS[group](ns)}}` });
  }
  return out;
}
