// `doctor serve`'s /metrics: the current verdicts as a gauge (one series per verdict of each target's latest
// report, removed when the verdict goes), runs by trigger and result, run duration, alerts by what was done
// with them, and notification posts. Alert rules and dashboards read the verdict without parsing JSON.

import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { createRegistry } from '../../telemetry/metrics.js';
import type { NotifyFormat } from './notify.js';
import type { RunRecord } from './scheduler.js';

/** Run durations: a healthy local run takes ~0.1 s, a hanging hop up to the checks' 9-20 s bounds. */
const RUN_DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60];

type VerdictLabels = { cause: string; hop: string; confidence: string; target: string };

export class ServeMetrics {
  readonly registry: Registry = createRegistry();
  private readonly verdict = new Gauge({ name: 'obspath_doctor_verdict', help: 'A verdict of the latest report of a target (1 while it stands).', labelNames: ['cause', 'hop', 'confidence', 'target'], registers: [this.registry] });
  private readonly runs = new Counter({ name: 'obspath_doctor_runs_total', help: 'Doctor runs by trigger (alert, manual) and result (ok, warn, fail, timeout, error).', labelNames: ['trigger', 'result'], registers: [this.registry] });
  private readonly duration = new Histogram({ name: 'obspath_doctor_run_duration_seconds', help: 'Duration of doctor runs.', labelNames: ['trigger'], buckets: RUN_DURATION_BUCKETS, registers: [this.registry] });
  private readonly alerts = new Counter({ name: 'obspath_doctor_alerts_total', help: 'Alerts received by the webhook, by what was done (started, joined, scheduled, resolved, not-in-bundle).', labelNames: ['alertname', 'action'], registers: [this.registry] });
  private readonly posts = new Counter({ name: 'obspath_doctor_notifications_total', help: 'Verdict posts to --notify.* receivers by format and result.', labelNames: ['format', 'result'], registers: [this.registry] });
  private readonly lastRun = new Gauge({ name: 'obspath_doctor_last_run_timestamp_seconds', help: 'When the latest run of a target finished.', labelNames: ['target'], registers: [this.registry] });
  private readonly current = new Map<string, VerdictLabels[]>();

  constructor() {
    // Every combination a dashboard sums over exists from the start, at 0.
    for (const trigger of ['alert', 'manual']) {
      this.duration.zero({ trigger });
      for (const result of ['ok', 'warn', 'fail', 'timeout', 'error']) this.runs.inc({ trigger, result }, 0);
    }
  }

  onRun(r: RunRecord): void {
    this.runs.inc({ trigger: r.trigger, result: r.result ?? 'error' });
    this.duration.observe({ trigger: r.trigger }, (r.durationMs ?? 0) / 1000);
    this.lastRun.set({ target: r.target }, Date.parse(r.finishedAt ?? r.startedAt) / 1000);
    // A run that produced no report (timeout, error) leaves the standing verdicts as they were.
    if (!r.report) return;
    for (const labels of this.current.get(r.target) ?? []) this.verdict.remove(labels);
    const next = r.report.verdicts.map((v) => ({ cause: v.cause, hop: v.hop, confidence: v.confidence, target: r.target }));
    for (const labels of next) this.verdict.set(labels, 1);
    this.current.set(r.target, next);
  }

  onAlert(alertname: string, action: string): void {
    this.alerts.inc({ alertname, action });
  }

  onPosted(format: NotifyFormat, result: 'success' | 'error'): void {
    this.posts.inc({ format, result });
  }
}
