// `obspath doctor serve` as a library call: the diagnosis service. Alerts in (Alertmanager's webhook), runs of the
// runbook per target (de-duplicated, rate-limited, bounded: scheduler.ts), verdicts out (/api/v1/verdict,
// /metrics, the HTML report at /, and posts to --notify.* receivers when a target's verdict changes).

import type { Logger } from '../../telemetry/logger.js';
import { listen } from '../../http/server.js';
import { ServeMetrics } from './metrics.js';
import { VerdictNotifier, type NotifyTarget } from './notify.js';
import { RunScheduler, type DoctorTarget, type RunRecord } from './scheduler.js';
import { createServeApp } from './server.js';

export { BUNDLE_ALERTS, parseWebhook, type WebhookPayload } from './alertmanager.js';
export { slackMessage, verdictKey, type NotifyFormat, type NotifyTarget } from './notify.js';
export type { DoctorTarget, RunRecord, RunResult, Trigger } from './scheduler.js';

export const DEFAULT_SERVE_LISTEN = '127.0.0.1:8097';

export interface DoctorServiceOptions {
  listen: string;
  /** The target an alert's labels point at. */
  targetFor: (labels: Record<string, string>) => DoctorTarget;
  logger: Logger;
  minIntervalMs: number;
  runTimeoutMs: number;
  notify?: readonly NotifyTarget[];
  notifyTimeoutMs?: number;
  /** The address receivers should link to (default: the listen address). */
  externalUrl?: string;
  /** Largest webhook body accepted (bytes; default 1 MiB). */
  bodyLimit?: number;
  /** Secrets to scrub again from every report served or posted. */
  secrets?: readonly string[];
  /** How many finished runs /api/v1/runs keeps (default 100). */
  keepRuns?: number;
}

export interface DoctorService {
  url: string;
  metrics: ServeMetrics;
  /** Runs a target by hand (as POST /api/v1/run). */
  runNow: (labels?: Record<string, string>) => Promise<RunRecord>;
  /** Graceful stop: refuse new work, drain the HTTP server, wait for runs in flight and posts under way. */
  close: () => Promise<void>;
}

export async function startDoctorService(o: DoctorServiceOptions): Promise<DoctorService> {
  const log = o.logger;
  const metrics = new ServeMetrics();
  const runs: RunRecord[] = [];
  const latestByTarget = new Map<string, RunRecord>();
  let latestOverall: RunRecord | undefined;
  let stopping = false;
  const notifier = new VerdictNotifier({
    targets: o.notify ?? [], timeoutMs: o.notifyTimeoutMs ?? 5000, logger: log,
    onPosted: (format, result) => metrics.onPosted(format, result),
  });
  const scheduler = new RunScheduler({
    minIntervalMs: o.minIntervalMs,
    runTimeoutMs: o.runTimeoutMs,
    onStarted: (r) => log.info({ run: r.id, target: r.target, trigger: r.trigger, alerts: r.alerts }, 'run started'),
    onFinished: (r) => {
      runs.push(r);
      if (runs.length > (o.keepRuns ?? 100)) runs.shift();
      if (r.report) {
        latestByTarget.set(r.target, r);
        latestOverall = r;
      }
      metrics.onRun(r);
      notifier.onRun(r);
      const verdicts = r.report?.verdicts.map((v) => `${v.cause} (${v.confidence})`);
      log[r.report ? 'info' : 'warn']({ run: r.id, target: r.target, trigger: r.trigger, alerts: r.alerts, result: r.result, durationMs: r.durationMs, verdicts, error: r.error }, 'run finished');
    },
  });
  const app = createServeApp({
    scheduler, metrics, targetFor: o.targetFor, secrets: o.secrets ?? [],
    runs: () => runs,
    latest: (target) => (target ? latestByTarget.get(target) : latestOverall),
    ready: () => !stopping,
  }, log, { bodyLimit: o.bodyLimit ?? 1 << 20 });
  let url: string;
  try {
    url = (await listen(app, o.listen, '--web.listen')).url;
  } catch (err) {
    await app.close();
    throw err;
  }
  notifier.reportUrl = `${(o.externalUrl ?? url).replace(/\/+$/, '')}/`;
  log.info({ url, notify: (o.notify ?? []).length, minIntervalMs: o.minIntervalMs, runTimeoutMs: o.runTimeoutMs }, 'started');
  let closing: Promise<void> | undefined;
  return {
    url,
    metrics,
    runNow: (labels = {}) => scheduler.request(o.targetFor(labels), 'manual').done,
    close: () => (closing ??= (async () => {
      stopping = true;
      await Promise.all([app.close(), scheduler.close()]);
      await notifier.drain();
    })()),
  };
}
