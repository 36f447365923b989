// Sends alerts to Alertmanagers with API v2 (POST /api/v2/alerts) as Prometheus's notifier does: a bounded
// queue (oldest dropped when full), batches of at most 256 alerts, each batch posted to every Alertmanager at
// once with a timeout per call, external labels added, and the same metrics under the obspath_ prefix.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { request } from 'undici';
import type { Alert } from './alerting.js';

/** One alert as Alertmanager's API v2 takes it. */
export interface PostableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
}

export interface NotifierOptions {
  alertmanagerUrls: readonly string[];
  /** Alerts waiting to be sent; the oldest are dropped past this. Default 10,000 (Prometheus's). */
  queueCapacity?: number;
  /** Default 256 (Prometheus's). */
  maxBatchSize?: number;
  /** Per call. Default 10 s (Prometheus's). */
  timeoutMs?: number;
  externalLabels?: Record<string, string>;
  registry?: Registry;
  warn?(msg: string): void;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** `<url>/graph?g0.expr=...&g0.tab=1`, Prometheus's generatorURL (strutil.TableLinkForExpression). */
export function generatorUrl(externalUrl: string, expr: string): string {
  return `${externalUrl.replace(/\/+$/, '')}/graph?g0.expr=${encodeURIComponent(expr).replace(/%20/g, '+')}&g0.tab=1`;
}

/** Prometheus's sendAlerts: startsAt = when it fired; endsAt = when it resolved, else validUntil. */
export function toPostable(a: Alert, generatorURL: string): PostableAlert {
  return {
    labels: Object.fromEntries(a.labels.map((l) => [l.name, l.value])),
    annotations: { ...a.annotations },
    startsAt: iso(a.firedAt),
    endsAt: iso(a.resolvedAt !== 0 ? a.resolvedAt : a.validUntil),
    generatorURL,
  };
}

function withExternal(a: PostableAlert, ext: Record<string, string>): PostableAlert {
  const labels = { ...a.labels };
  for (const [k, v] of Object.entries(ext)) if (!(k in labels)) labels[k] = v;
  return { ...a, labels };
}

function postUrl(base: string): string {
  const u = new URL(base);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`--alertmanager.url ${base}: not an http(s) URL`);
  return `${base.replace(/\/+$/, '')}/api/v2/alerts`;
}

export class Notifier {
  private queue: PostableAlert[] = [];
  private draining: Promise<void> | null = null;
  private readonly targets: Array<{ url: string; post: string }>;
  private readonly capacity: number;
  private readonly batch: number;
  private readonly timeoutMs: number;
  private readonly m: ReturnType<typeof notifierMetrics>;

  constructor(private readonly opts: NotifierOptions) {
    this.targets = opts.alertmanagerUrls.map((url) => ({ url, post: postUrl(url) }));
    this.capacity = opts.queueCapacity ?? 10_000;
    this.batch = opts.maxBatchSize ?? 256;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.m = notifierMetrics(opts.registry, () => this.queue.length, this.capacity, this.targets.length);
  }

  get queueLength(): number {
    return this.queue.length;
  }

  /** Queues alerts; returns at once. */
  send(alerts: readonly PostableAlert[]): void {
    if (this.targets.length === 0 || alerts.length === 0) return;
    const ext = this.opts.externalLabels ?? {};
    for (const a of alerts) this.queue.push(withExternal(a, ext));
    const over = this.queue.length - this.capacity;
    if (over > 0) {
      this.queue.splice(0, over);
      this.m.dropped.inc(over);
      this.opts.warn?.(`alert queue full: dropped ${over} oldest alerts`);
    }
    this.draining ??= this.drain().finally(() => (this.draining = null));
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.batch);
      const results = await Promise.all(this.targets.map((t) => this.post(t, batch)));
      if (!results.some(Boolean)) this.m.dropped.inc(batch.length);
    }
  }

  private async post(t: { url: string; post: string }, batch: PostableAlert[]): Promise<boolean> {
    const end = this.m.latency.startTimer({ alertmanager: t.url });
    try {
      const res = await request(t.post, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'obspath-store' },
        body: JSON.stringify(batch),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const text = await res.body.text();
      if (res.statusCode < 200 || res.statusCode >= 300) throw new Error(`bad response status ${res.statusCode}: ${text.slice(0, 200)}`);
      this.m.sent.inc({ alertmanager: t.url }, batch.length);
      return true;
    } catch (err) {
      this.m.errors.inc({ alertmanager: t.url }, batch.length);
      this.opts.warn?.(`sending ${batch.length} alerts to Alertmanager ${t.url} failed: ${(err as Error).message}`);
      return false;
    } finally {
      end();
    }
  }

  /** Waits (at most `graceMs`) for the queue to be sent. */
  async flush(graceMs = 5000): Promise<void> {
    if (this.draining === null) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.draining, new Promise<void>((r) => (timer = setTimeout(r, graceMs)))]);
    clearTimeout(timer);
  }
}

function notifierMetrics(registry: Registry | undefined, queueLength: () => number, capacity: number, targets: number) {
  const registers = registry ? [registry] : [];
  new Gauge({ name: 'obspath_notifications_queue_length', help: 'The number of alert notifications in the queue.', registers, collect() { this.set(queueLength()); } });
  new Gauge({ name: 'obspath_notifications_queue_capacity', help: 'The capacity of the alert notifications queue.', registers, collect() { this.set(capacity); } });
  new Gauge({ name: 'obspath_notifications_alertmanagers_discovered', help: 'The number of alertmanagers configured.', registers, collect() { this.set(targets); } });
  return {
    sent: new Counter({ name: 'obspath_notifications_sent_total', help: 'Total number of alerts sent.', labelNames: ['alertmanager'], registers }),
    errors: new Counter({ name: 'obspath_notifications_errors_total', help: 'Total number of sent alerts affected by errors.', labelNames: ['alertmanager'], registers }),
    dropped: new Counter({ name: 'obspath_notifications_dropped_total', help: 'Total number of alerts dropped due to errors when sending to Alertmanager.', registers }),
    latency: new Histogram({ name: 'obspath_notifications_latency_seconds', help: 'Latency quantiles for sending alert notifications.', labelNames: ['alertmanager'], buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10], registers }),
  };
}

