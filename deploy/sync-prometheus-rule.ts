// Writes deploy/kubernetes/base/prometheus-rule.yaml from deploy/prometheus/alerts.yaml, so the alert rules
// exist once. `node --import tsx deploy/sync-prometheus-rule.ts`; test/deploy checks the two agree.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';

export const ALERTS = fileURLToPath(new URL('./prometheus/alerts.yaml', import.meta.url));
export const PROMETHEUS_RULE = fileURLToPath(new URL('./kubernetes/base/prometheus-rule.yaml', import.meta.url));

export function renderPrometheusRule(): string {
  const rules = parse(readFileSync(ALERTS, 'utf8')) as { groups: unknown[] };
  const doc = {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: 'obspath-observatorium-path', labels: { 'app.kubernetes.io/part-of': 'obspath' } },
    spec: { groups: rules.groups },
  };
  return `# Generated from deploy/prometheus/alerts.yaml by deploy/sync-prometheus-rule.ts: edit that file, not this one.\n${stringify(doc, { lineWidth: 0 })}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(PROMETHEUS_RULE, renderPrometheusRule());
  console.log(`wrote ${PROMETHEUS_RULE}`);
}
