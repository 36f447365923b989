// An alerting rule with Prometheus's state machine (rules/alerting.go): a result series becomes a pending
// alert, fires once it has been active for `for`, stays firing `keep_firing_for` after its series went away,
// then resolves and is kept (and re-sent) for 15 minutes. Each evaluation yields the ALERTS and
// ALERTS_FOR_STATE samples to write.
import type { Label, Labels } from '../storage/interface.js';
import { labelsKey, sortLabels } from '../promql/value.js';
import { formatG } from './gofmt.js';
import type { AlertingRuleSpec } from './file.js';
import { Template } from './template.js';

export type AlertState = 'inactive' | 'pending' | 'firing';

/** An alert; times in ms, 0 when not (yet) set. */
export interface Alert {
  /** Sorted; the rule's labels and `alertname` applied, no `__name__`. */
  labels: Labels;
  annotations: Record<string, string>;
  state: AlertState;
  value: number;
  activeAt: number;
  firedAt: number;
  resolvedAt: number;
  lastSentAt: number;
  validUntil: number;
  keepFiringSince: number;
}

export interface RuleSample {
  labels: Labels;
  value: number;
  /** A stale marker. Said apart from `value` because V8 may canonicalize a NaN kept in an object field,
   *  losing the marker's bit pattern; writers use staleMarkerValue() / sampleValue(). */
  stale?: boolean;
}

const STALE_BITS = new Float64Array(new BigUint64Array([0x7ff0000000000002n]).buffer);

/** A one-element Float64Array holding the sample's value, the stale marker's exact bits for a stale sample. */
export function sampleValue(s: RuleSample): Float64Array {
  return s.stale ? STALE_BITS.slice() : Float64Array.of(s.value);
}

export interface TemplateContext {
  externalLabels: Record<string, string>;
  externalUrl: string;
}

/** How long a resolved alert is kept and re-sent (Prometheus's resolvedRetention). */
export const RESOLVED_RETENTION_MS = 15 * 60_000;

export class RuleEvalError extends Error {}

const labelsMap = (labels: Labels): Record<string, string> => Object.fromEntries(labels.map((l) => [l.name, l.value]));

export class AlertingRule {
  readonly kind = 'alerting';
  /** By label-set key. */
  readonly active = new Map<string, Alert>();
  private readonly labelTemplates: Array<[string, Template]>;
  private readonly annotationTemplates: Array<[string, Template]>;

  constructor(readonly spec: AlertingRuleSpec, private readonly ctx: TemplateContext, private readonly warn: (msg: string) => void = () => {}) {
    this.labelTemplates = Object.entries(spec.labels).map(([k, v]) => [k, new Template(v)]);
    this.annotationTemplates = Object.entries(spec.annotations).map(([k, v]) => [k, new Template(v)]);
  }

  get name(): string {
    return this.spec.name;
  }

  private expand(t: Template, what: string, labels: Labels, value: number): string {
    const data = { Labels: labelsMap(labels), ExternalLabels: this.ctx.externalLabels, ExternalURL: this.ctx.externalUrl, Value: value };
    try {
      return t.execute(data, { labels: data.Labels, externalLabels: data.ExternalLabels, externalURL: data.ExternalURL, value });
    } catch (err) {
      // As Prometheus: the error goes into the text (and the log), the alert still fires.
      const msg = `error expanding template: ${(err as Error).message}`;
      this.warn(`alert ${this.name}: ${what}: ${msg}`);
      return `<${msg}>`;
    }
  }

  /** The pending alerts the result vector describes, by label-set key. */
  private alertsOf(result: readonly RuleSample[], ts: number): Map<string, Alert> {
    const out = new Map<string, Alert>();
    for (const s of result) {
      const byName = new Map<string, string>();
      for (const l of s.labels) if (l.name !== '__name__') byName.set(l.name, l.value);
      for (const [k, t] of this.labelTemplates) byName.set(k, this.expand(t, `label ${k}`, s.labels, s.value));
      byName.set('alertname', this.name);
      const labels = sortLabels([...byName].filter(([, v]) => v !== '').map(([name, value]): Label => ({ name, value })));
      const key = labelsKey(labels);
      if (out.has(key)) throw new RuleEvalError('vector contains metrics with the same labelset after applying alert labels');
      const annotations: Record<string, string> = {};
      for (const [k, t] of this.annotationTemplates) annotations[k] = this.expand(t, `annotation ${k}`, s.labels, s.value);
      out.set(key, { labels, annotations, state: 'pending', value: s.value, activeAt: ts, firedAt: 0, resolvedAt: 0, lastSentAt: 0, validUntil: 0, keepFiringSince: 0 });
    }
    return out;
  }

  /**
   * One evaluation at `ts` over the expression's result; returns the ALERTS / ALERTS_FOR_STATE samples.
   * Throws (RuleEvalError) when the labels collide or `limit` is exceeded, as Prometheus does.
   */
  eval(result: readonly RuleSample[], ts: number, limit = 0): RuleSample[] {
    const fresh = this.alertsOf(result, ts);
    for (const [key, a] of fresh) {
      const old = this.active.get(key);
      if (old !== undefined && old.state !== 'inactive') {
        old.value = a.value;
        old.annotations = a.annotations;
      } else this.active.set(key, a);
    }
    const out: RuleSample[] = [];
    let activeCount = 0;
    for (const [key, a] of this.active) {
      if (!fresh.has(key)) {
        if (!this.absent(key, a, ts)) continue;
      } else a.keepFiringSince = 0;
      activeCount++;
      if (a.state === 'pending' && ts - a.activeAt >= this.spec.forMs) {
        a.state = 'firing';
        a.firedAt = ts;
      }
      out.push({ labels: withName(a.labels, 'ALERTS', a.state), value: 1 });
      out.push({ labels: withName(a.labels, 'ALERTS_FOR_STATE'), value: a.activeAt / 1000 });
    }
    if (limit > 0 && activeCount > limit) {
      this.active.clear();
      throw new RuleEvalError(`exceeded limit of ${limit} with ${activeCount} alerts`);
    }
    return out;
  }

  /** An alert whose series is gone: true while keep_firing_for keeps it firing; otherwise resolves or drops it. */
  private absent(key: string, a: Alert, ts: number): boolean {
    let keepFiring = false;
    if (a.state === 'firing' && this.spec.keepFiringForMs > 0) {
      if (a.keepFiringSince === 0) a.keepFiringSince = ts;
      keepFiring = ts - a.keepFiringSince < this.spec.keepFiringForMs;
    }
    if (a.state === 'pending' || (a.resolvedAt !== 0 && ts - a.resolvedAt > RESOLVED_RETENTION_MS)) this.active.delete(key);
    if (a.state !== 'inactive' && !keepFiring) {
      a.state = 'inactive';
      a.resolvedAt = ts;
    }
    return keepFiring;
  }

  /**
   * Prometheus's for-state restoration after a restart (group.RestoreForState): each active alert takes its
   * activeAt back from the last ALERTS_FOR_STATE sample written before the outage (`last`, by label-set key
   * without __name__), shifted by the downtime, so a restart neither resets a long `for` nor fires at once.
   * Rules whose `for` is shorter than the grace period are left alone, as Prometheus does.
   */
  restoreForState(ts: number, last: ReadonlyMap<string, { t: number; v: number }>, forGracePeriodMs: number): void {
    const hold = this.spec.forMs;
    if (hold < forGracePeriodMs) return;
    for (const [key, a] of this.active) {
      const s = last.get(key);
      if (s === undefined || Number.isNaN(s.v)) continue; // no state, or a stale marker: it was not active
      const downAt = Math.floor(s.t / 1000) * 1000;
      let activeAt = Math.trunc(s.v) * 1000;
      const remaining = hold - (downAt - activeAt);
      if (remaining > 0 && remaining < forGracePeriodMs) activeAt = ts + forGracePeriodMs - hold;
      else if (remaining > 0) activeAt += ts - downAt;
      a.activeAt = activeAt;
    }
  }

  /** Pending and firing alerts (not the resolved ones kept for re-sending). */
  activeAlerts(): Alert[] {
    return [...this.active.values()].filter((a) => a.state !== 'inactive');
  }

  /** The rule's state: the highest state of its alerts. */
  state(): AlertState {
    let s: AlertState = 'inactive';
    for (const a of this.active.values()) {
      if (a.state === 'firing') return 'firing';
      if (a.state === 'pending') s = 'pending';
    }
    return s;
  }

  /**
   * The alerts due to be sent at `ts` (firing ones every resendDelay, resolved ones once more after resolving
   * and then every resendDelay while kept), marked as sent, with validUntil = ts + 4 x max(resendDelay, interval).
   */
  alertsToSend(ts: number, resendDelayMs: number, intervalMs: number): Alert[] {
    const out: Alert[] = [];
    for (const a of this.active.values()) {
      if (a.state === 'pending') continue;
      const due = a.resolvedAt > a.lastSentAt || a.lastSentAt + resendDelayMs < ts;
      if (!due) continue;
      a.lastSentAt = ts;
      a.validUntil = ts + 4 * Math.max(resendDelayMs, intervalMs);
      out.push({ ...a, labels: [...a.labels], annotations: { ...a.annotations } });
    }
    return out;
  }
}

function withName(labels: Labels, name: string, alertstate?: string): Labels {
  const out: Label[] = [{ name: '__name__', value: name }, ...labels];
  if (alertstate !== undefined) out.push({ name: 'alertstate', value: alertstate });
  return sortLabels(out);
}

/** Prometheus's API spelling of a sample value: strconv.FormatFloat(v, 'e', -1, 64). */
export function formatAlertValue(v: number): string {
  if (!Number.isFinite(v)) return formatG(v);
  const s = v.toExponential();
  const [m, e] = s.split('e') as [string, string];
  const n = Number(e);
  return `${m}e${n < 0 ? '-' : '+'}${Math.abs(n) < 10 ? '0' : ''}${Math.abs(n)}`;
}
