// The rule manager: loads rule files, evaluates each group on its own timer (at multiples of its interval, so
// evaluation timestamps are regular), writes results through the caller's writer and hands due alerts to the
// notifier. Used by the store; a library (no hop imports).
import type { Engine } from '../promql/engine.js';
import { formatExpr } from '../promql/format.js';
import type { Querier } from '../storage/interface.js';
import type { AlertingRule, Alert, RuleSample } from './alerting.js';
import { loadRuleFiles, type RuleGroupSpec } from './file.js';
import { RuleGroup } from './group.js';
import { generatorUrl, toPostable, type Notifier } from './notifier.js';

export interface RuleManagerOptions {
  engine: Engine;
  querier: Querier;
  write(samples: readonly RuleSample[], ts: number): Promise<void> | void;
  /** Default interval of groups without their own. Default 1 m. */
  evaluationIntervalMs?: number;
  notifier?: Notifier;
  /** How often a firing alert is re-sent. Default 1 m (Prometheus's --rules.alert.resend-delay). */
  resendDelayMs?: number;
  /** The store's external URL (generatorURL, $externalURL). */
  externalUrl?: string;
  externalLabels?: Record<string, string>;
  /** Restore alerts' `for` state after a restart (Prometheus: outage tolerance 1h, grace period 10m). */
  restoreForState?: { outageToleranceMs: number; forGracePeriodMs: number };
  warn?(msg: string): void;
  /** Called for each failed rule evaluation (metrics). */
  onRuleFailure?(): void;
  now?(): number;
}

/** Prometheus's defaults (--rules.alert.for-outage-tolerance, --rules.alert.for-grace-period). */
export const DEFAULT_FOR_STATE_RESTORE = { outageToleranceMs: 3600_000, forGracePeriodMs: 600_000 };

export class RuleManager {
  readonly groups: RuleGroup[];
  private timers = new Map<RuleGroup, NodeJS.Timeout>();
  private running = new Set<Promise<void>>();
  private stopped = false;
  private readonly now: () => number;
  /** Evaluations skipped because the previous one of the group ran past its interval. */
  missedIterations = 0;

  constructor(specs: readonly RuleGroupSpec[], private readonly opts: RuleManagerOptions) {
    this.now = opts.now ?? Date.now;
    const interval = opts.evaluationIntervalMs ?? 60_000;
    const externalUrl = opts.externalUrl ?? '';
    const deps = {
      engine: opts.engine,
      querier: opts.querier,
      write: opts.write,
      templates: { externalLabels: opts.externalLabels ?? {}, externalUrl },
      resendDelayMs: opts.resendDelayMs ?? 60_000,
      warn: opts.warn,
      restoreForState: opts.restoreForState,
      onRuleFailure: opts.onRuleFailure,
      notify: opts.notifier ? (alerts: Alert[], rule: AlertingRule) => this.notify(alerts, rule) : undefined,
    };
    this.groups = specs.map((g) => new RuleGroup(g, g.intervalMs ?? interval, deps));
  }

  /** Loads and validates the files (throws RuleFileError naming the bad one). */
  static fromFiles(files: readonly string[], opts: RuleManagerOptions): RuleManager {
    return new RuleManager(loadRuleFiles(files), opts);
  }

  private notify(alerts: Alert[], rule: AlertingRule): void {
    const url = generatorUrl(this.opts.externalUrl ?? '', formatExpr(rule.spec.expr));
    this.opts.notifier!.send(alerts.map((a) => toPostable(a, url)));
  }

  /** Evaluates every group once at `ts` (tests, benchmarks, promtool-style runs). */
  async evalAll(ts: number): Promise<void> {
    for (const g of this.groups) await g.eval(ts);
  }

  /** Starts each group's timer; the first evaluation is at the next multiple of its interval. */
  start(): void {
    for (const g of this.groups) this.schedule(g);
  }

  private schedule(g: RuleGroup): void {
    if (this.stopped) return;
    const now = this.now();
    const next = Math.floor(now / g.intervalMs) * g.intervalMs + g.intervalMs;
    const timer = setTimeout(() => {
      this.timers.delete(g);
      // The boundary it was scheduled for: a timer firing a little early must not repeat the last timestamp.
      const ts = next;
      const run = g.eval(ts).finally(() => {
        this.running.delete(run);
        const late = Math.floor((this.now() - ts) / g.intervalMs) - 1;
        if (late > 0) this.missedIterations += late;
        this.schedule(g);
      });
      this.running.add(run);
    }, Math.max(next - now, 0));
    timer.unref();
    this.timers.set(g, timer);
  }

  /** Stops the timers and waits for running evaluations. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    await Promise.all([...this.running]);
  }
}
