// Which of the runbook's alerts fire, from Prometheus (/api/v1/alerts) or Alertmanager (/api/v2/alerts).

import { request } from 'undici';

export interface FiringAlert { name: string; state: string; source: 'prometheus' | 'alertmanager' }

export async function fetchAlerts(opts: { prometheusUrl?: string; alertmanagerUrl?: string; timeoutMs: number }): Promise<{ alerts: FiringAlert[]; errors: string[] }> {
  const alerts: FiringAlert[] = [];
  const errors: string[] = [];
  const get = async (url: string): Promise<unknown> => {
    const res = await request(url, { headersTimeout: opts.timeoutMs, bodyTimeout: opts.timeoutMs, signal: AbortSignal.timeout(opts.timeoutMs), headers: { accept: 'application/json' } });
    if (res.statusCode !== 200) { await res.body.dump(); throw new Error(`answered ${res.statusCode}`); }
    return res.body.json();
  };
  await Promise.all([
    opts.prometheusUrl && get(`${opts.prometheusUrl.replace(/\/+$/, '')}/api/v1/alerts`).then((b) => {
      for (const a of (b as { data?: { alerts?: { labels?: { alertname?: string }; state?: string }[] } }).data?.alerts ?? []) {
        alerts.push({ name: a.labels?.alertname ?? '?', state: a.state ?? '?', source: 'prometheus' });
      }
    }).catch((err: Error) => errors.push(`Prometheus ${opts.prometheusUrl}: ${err.message}`)),
    opts.alertmanagerUrl && get(`${opts.alertmanagerUrl.replace(/\/+$/, '')}/api/v2/alerts?active=true`).then((b) => {
      for (const a of (b as { labels?: { alertname?: string }; status?: { state?: string } }[]) ?? []) {
        alerts.push({ name: a.labels?.alertname ?? '?', state: a.status?.state === 'active' ? 'firing' : a.status?.state ?? '?', source: 'alertmanager' });
      }
    }).catch((err: Error) => errors.push(`Alertmanager ${opts.alertmanagerUrl}: ${err.message}`)),
  ]);
  return { alerts, errors };
}
