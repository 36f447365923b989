// A rule group (rules/group.go): its rules evaluated in order at one timestamp, the results written to the
// store at that timestamp (a later rule of the group sees an earlier one's output), stale markers for series a
// rule no longer produces, and the alerts due for sending handed to the notifier.
import type { Engine } from '../promql/engine.js';
import type { Labels, Querier } from '../storage/interface.js';
import { labelsKey } from '../promql/value.js';
import { AlertingRule, type Alert, type RuleSample, type TemplateContext } from './alerting.js';
import type { RuleGroupSpec } from './file.js';
import { RecordingRule } from './recording.js';

export type Rule = AlertingRule | RecordingRule;
export type RuleHealth = 'ok' | 'err' | 'unknown';

export interface RuleStatus {
  health: RuleHealth;
  lastError: string;
  /** ms since the epoch; 0 before the first evaluation. */
  lastEvaluation: number;
  /** seconds */
  evaluationTime: number;
}

export interface GroupDeps {
  engine: Engine;
  querier: Querier;
  /** Writes the samples of one evaluation, stamped `ts`. */
  write(samples: readonly RuleSample[], ts: number): Promise<void> | void;
  /** Receives the alerts due for sending after each alerting rule's evaluation. */
  notify?(alerts: Alert[], rule: AlertingRule): void;
  templates: TemplateContext;
  resendDelayMs: number;
  /**
   * Restore alerts' `for` state from ALERTS_FOR_STATE after the first evaluation, as Prometheus does after a
   * restart (alert series are written from the second evaluation on). Off for unit tests (promtool's runs
   * write them from the first). Default off.
   */
  restoreForState?: { outageToleranceMs: number; forGracePeriodMs: number };
  warn?(msg: string): void;
  /** Called for each failed rule evaluation (metrics). */
  onRuleFailure?(): void;
}

export class RuleGroup {
  readonly rules: Rule[];
  readonly status: RuleStatus[];
  lastEvaluation = 0;
  /** seconds */
  evaluationTime = 0;
  /** Series each rule wrote at its last evaluation, for stale markers. */
  private readonly written: Array<Map<string, Labels>>;
  private restored: boolean;

  constructor(readonly spec: RuleGroupSpec, readonly intervalMs: number, private readonly deps: GroupDeps) {
    this.rules = spec.rules.map((r) => (r.kind === 'alerting' ? new AlertingRule(r, deps.templates, deps.warn) : new RecordingRule(r)));
    this.status = this.rules.map(() => ({ health: 'unknown', lastError: '', lastEvaluation: 0, evaluationTime: 0 }));
    this.written = this.rules.map(() => new Map());
    this.restored = deps.restoreForState === undefined;
  }

  get name(): string {
    return this.spec.name;
  }

  get file(): string {
    return this.spec.file;
  }

  /** The expression's result at `ts` as samples (a scalar is one sample without labels, as Prometheus does). */
  private query(rule: Rule, ts: number): RuleSample[] {
    const r = this.deps.engine.instantQuery(this.deps.querier, rule.spec.expr, ts);
    if (r.resultType === 'scalar') return [{ labels: [], value: r.result.value }];
    if (r.resultType !== 'vector') throw new Error(`rule result is not a vector or scalar but ${r.resultType}`);
    return r.result.map((s) => ({ labels: s.metric, value: s.value }));
  }

  /** Evaluates every rule at `ts` (ms); never throws: a failing rule gets health "err" and its error. */
  async eval(ts: number): Promise<void> {
    const groupStart = performance.now();
    for (let i = 0; i < this.rules.length; i++) {
      const rule = this.rules[i]!;
      const started = performance.now();
      const st = this.status[i]!;
      let samples: RuleSample[] = [];
      try {
        const result = this.query(rule, ts);
        samples = rule.kind === 'alerting' ? rule.eval(result, ts, this.spec.limit) : rule.eval(result, this.spec.limit);
        // Before restoration, this evaluation's ALERTS_FOR_STATE would hide the state being restored.
        if (rule.kind === 'alerting' && !this.restored) samples = [];
        st.health = 'ok';
        st.lastError = '';
      } catch (err) {
        st.health = 'err';
        st.lastError = (err as Error).message;
        this.deps.onRuleFailure?.();
        this.deps.warn?.(`rule group ${JSON.stringify(this.name)}, rule ${rule.name}: evaluation failed: ${st.lastError}`);
      }
      await this.writeWithStaleness(i, samples, ts);
      if (rule.kind === 'alerting' && this.deps.notify) {
        const due = rule.alertsToSend(ts, this.deps.resendDelayMs, this.intervalMs);
        if (due.length > 0) this.deps.notify(due, rule);
      }
      st.lastEvaluation = ts;
      st.evaluationTime = (performance.now() - started) / 1000;
    }
    if (!this.restored) this.restoreForState(ts);
    this.lastEvaluation = ts;
    this.evaluationTime = (performance.now() - groupStart) / 1000;
  }

  private restoreForState(ts: number): void {
    this.restored = true;
    const { outageToleranceMs, forGracePeriodMs } = this.deps.restoreForState!;
    for (const rule of this.rules) {
      if (rule.kind !== 'alerting' || rule.active.size === 0) continue;
      const last = new Map<string, { t: number; v: number }>();
      const matchers = [{ type: '=' as const, name: '__name__', value: 'ALERTS_FOR_STATE' }, { type: '=' as const, name: 'alertname', value: rule.name }];
      for (const s of this.deps.querier.select(matchers, ts - outageToleranceMs, ts)) {
        const n = s.timestamps.length;
        if (n > 0) last.set(labelsKey(s.labels.filter((l) => l.name !== '__name__')), { t: s.timestamps[n - 1]!, v: s.values[n - 1]! });
      }
      rule.restoreForState(ts, last, forGracePeriodMs);
    }
  }

  private async writeWithStaleness(i: number, samples: RuleSample[], ts: number): Promise<void> {
    const before = this.written[i]!;
    const now = new Map<string, Labels>();
    for (const s of samples) now.set(labelsKey(s.labels), s.labels);
    const out = [...samples];
    for (const [k, labels] of before) if (!now.has(k)) out.push({ labels, value: NaN, stale: true });
    this.written[i] = now;
    if (out.length === 0) return;
    try {
      await this.deps.write(out, ts);
    } catch (err) {
      this.deps.warn?.(`rule group ${JSON.stringify(this.name)}, rule ${this.rules[i]!.name}: writing ${out.length} samples failed: ${(err as Error).message}`);
    }
  }
}
