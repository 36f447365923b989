// Debian's Alertmanager (prometheus-alertmanager, installed by scripts/install-test-deps.sh) on a free loopback
// port, clustering off, routing every alert to one webhook receiver (or, without one, to a receiver that does
// nothing, for tests that read its API); and an alert posted to it as Prometheus does (POST /api/v2/alerts).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, httpOk, tempDir } from './net.js';
import { startProcess, waitForStart, type Backend } from './procs.js';

export interface AlertmanagerOptions {
  /** Where every notification goes (webhook_configs url); none: a receiver that does nothing. */
  webhookUrl?: string;
  /** Alertmanager's route timing; small by default so a test sees the notification within a second or two. */
  groupWait?: string;
  groupInterval?: string;
}

export async function startAlertmanager(opts: AlertmanagerOptions = {}): Promise<Backend> {
  const port = await freePort();
  const dir = await tempDir('obspath-am-');
  const config = join(dir.path, 'alertmanager.yml');
  await writeFile(config, `route:
  receiver: doctor
  group_by: ['...']
  group_wait: ${opts.groupWait ?? '0s'}
  group_interval: ${opts.groupInterval ?? '1s'}
  repeat_interval: 1h
receivers:
  - name: doctor
${opts.webhookUrl === undefined ? '' : `    webhook_configs:
      - url: ${JSON.stringify(opts.webhookUrl)}
        send_resolved: true
`}`);
  const proc = startProcess('prometheus-alertmanager', [
    `--config.file=${config}`,
    `--storage.path=${join(dir.path, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    // No gossip: it would listen on every interface (port 9094) and wait for peers before sending.
    '--cluster.listen-address=',
    '--log.level=warn',
  ]);
  const url = `http://127.0.0.1:${port}`;
  await waitForStart(proc, () => httpOk(`${url}/-/ready`), 30_000, `alertmanager ready\n${proc.output()}`);
  return { url, proc, dir: dir.path, stop: async () => { await proc.stop(); await dir.cleanup(); } };
}

/** Posts firing alerts to Alertmanager's API v2, as Prometheus's notifier does. */
export async function postAlerts(alertmanagerUrl: string, alerts: { labels: Record<string, string>; annotations?: Record<string, string> }[]): Promise<void> {
  const now = new Date().toISOString();
  const res = await fetch(`${alertmanagerUrl}/api/v2/alerts`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify(alerts.map((a) => ({ labels: a.labels, annotations: a.annotations ?? {}, startsAt: now, generatorURL: 'http://127.0.0.1/graph' }))),
    signal: AbortSignal.timeout(5000),
  });
  if (!res.ok) throw new Error(`alertmanager refused the alerts: ${res.status} ${await res.text()}`);
  await res.arrayBuffer().catch(() => undefined);
}
