// Alertmanager's webhook payload (version 4, as Alertmanager's notify/webhook package sends it) and the alerts
// of the bundle (deploy/prometheus/alerts.yaml) that `doctor serve` answers with a run. The names are kept
// here, not read from the YAML, because the shipped package has no deploy/ folder; a test holds both equal.

import { z } from 'zod';

/** Every alert of deploy/prometheus/alerts.yaml: each one suspects a hop of the runbook's path. */
export const BUNDLE_ALERTS: readonly string[] = [
  'ObservatoriumRequestsNon2xx',
  'ObservatoriumRequestTimeouts',
  'TokenRefresherDown',
  'TokenRefresherTokenRefreshFailing',
  'ObservatoriumProbeFailing',
];

/** Alertmanager caps a webhook's alerts with `max_alerts`; a bigger batch is not one Alertmanager sent. */
export const MAX_WEBHOOK_ALERTS = 1000;

const labelSet = z.record(z.string().max(4096), z.string().max(65_536));
const timestamp = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an RFC 3339 timestamp');

const webhookAlert = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: labelSet.refine((l) => typeof l.alertname === 'string' && l.alertname !== '', 'must have an alertname label'),
  annotations: labelSet.default({}),
  startsAt: timestamp,
  // Alertmanager sends Go's zero time ("0001-01-01T00:00:00Z") for an alert without an end.
  endsAt: timestamp.optional(),
  generatorURL: z.string().optional(),
  fingerprint: z.string().max(64).optional(),
});

export const webhookPayloadSchema = z.object({
  version: z.literal('4', { message: 'only version "4" of Alertmanager\'s webhook payload is understood' }),
  groupKey: z.string().optional(),
  truncatedAlerts: z.number().int().nonnegative().optional(),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string().optional(),
  groupLabels: labelSet.optional(),
  commonLabels: labelSet.optional(),
  commonAnnotations: labelSet.optional(),
  externalURL: z.string().optional(),
  alerts: z.array(webhookAlert).max(MAX_WEBHOOK_ALERTS),
});

export type WebhookPayload = z.output<typeof webhookPayloadSchema>;
export type WebhookAlert = WebhookPayload['alerts'][number];

/** The payload, or one sentence naming the first field that is wrong (for the 400 body). */
export function parseWebhook(body: unknown): { ok: true; payload: WebhookPayload } | { ok: false; error: string } {
  const r = webhookPayloadSchema.safeParse(body);
  if (r.success) return { ok: true, payload: r.data };
  const issue = r.error.issues[0]!;
  const path = issue.path.length > 0 ? issue.path.join('.') : 'body';
  return { ok: false, error: `invalid Alertmanager webhook payload: ${path}: ${issue.message}` };
}

/** One alert as Prometheus posts it to Alertmanager's API v2 (POST /api/v2/alerts: postableAlert). */
const postableAlert = z.object({
  labels: labelSet.refine((l) => typeof l.alertname === 'string' && l.alertname !== '', 'must have an alertname label'),
  annotations: labelSet.default({}),
  startsAt: timestamp.optional(),
  endsAt: timestamp.optional(),
  generatorURL: z.string().optional(),
});

export const postableAlertsSchema = z.array(postableAlert).max(MAX_WEBHOOK_ALERTS);

/**
 * Alerts posted as to Alertmanager's API v2 (the store's --alertmanager.url pointing at doctor serve), as the
 * webhook's alerts: one whose endsAt has passed is resolved (Prometheus sends firing alerts with an endsAt in the
 * future, resolved ones with the time they resolved). `now` is injectable for tests.
 */
export function parsePostableAlerts(body: unknown, now = Date.now()): { ok: true; alerts: WebhookAlert[] } | { ok: false; error: string } {
  const r = postableAlertsSchema.safeParse(body);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const path = issue.path.length > 0 ? issue.path.join('.') : 'body';
    return { ok: false, error: `invalid Alertmanager API v2 alerts: ${path}: ${issue.message}` };
  }
  const nowIso = new Date(now).toISOString();
  return {
    ok: true,
    alerts: r.data.map((a) => ({
      status: a.endsAt !== undefined && Date.parse(a.endsAt) <= now ? 'resolved' as const : 'firing' as const,
      labels: a.labels, annotations: a.annotations, startsAt: a.startsAt ?? nowIso, endsAt: a.endsAt, generatorURL: a.generatorURL,
    })),
  };
}

export type AlertDisposition = 'run' | 'resolved' | 'not-in-bundle';

/** Whether an alert of a payload asks for a run: only firing alerts of the bundle do. */
export function dispositionOf(alert: WebhookAlert): AlertDisposition {
  if (!BUNDLE_ALERTS.includes(alert.labels.alertname!)) return 'not-in-bundle';
  return alert.status === 'firing' ? 'run' : 'resolved';
}
