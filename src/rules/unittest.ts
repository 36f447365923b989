// promtool's rule unit tests (`promtool test rules`) run through our evaluator: the same YAML (rule_files,
// evaluation_interval, tests with input_series in the expanding notation, alert_rule_test, promql_expr_test)
// and the same semantics (series loaded at 0, interval, 2 x interval, ...; every group evaluated at each step
// of evaluation_interval up to the last eval_time; firing alerts compared by labels and annotations), so the
// bundle's tests hold both engines to one spec.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { Engine } from '../promql/engine.js';
import { MemoryQuerier } from '../promql/testing/memory-querier.js';
import { parseMetric, parseSequence } from '../promql/testing/series-desc.js';
import { compareLabels, formatLabels, labelsKey } from '../promql/value.js';
import { parsePrometheusDuration } from '../duration/duration.js';
import type { Labels } from '../storage/interface.js';
import { sampleValue } from './alerting.js';
import { loadRuleFiles } from './file.js';
import { RuleManager } from './manager.js';

interface ExpAlert { exp_labels?: Record<string, string>; exp_annotations?: Record<string, string> }
interface AlertTest { eval_time: string; alertname: string; exp_alerts?: ExpAlert[] }
interface ExprTest { expr: string; eval_time: string; exp_samples?: Array<{ labels: string; value: number | string }> }
interface TestGroup {
  name?: string;
  interval?: string;
  input_series?: Array<{ series: string; values: string }>;
  external_labels?: Record<string, string>;
  external_url?: string;
  alert_rule_test?: AlertTest[];
  promql_expr_test?: ExprTest[];
}
interface TestFile { rule_files?: string[]; evaluation_interval?: string; tests?: TestGroup[] }

export interface UnitTestResult {
  name: string;
  /** Empty when the test group passed. */
  failures: string[];
}

function dur(text: string | undefined, dflt: number, what: string): number {
  if (text === undefined) return dflt;
  const ms = parsePrometheusDuration(String(text));
  if (ms === null) throw new Error(`${what}: not a valid duration: ${JSON.stringify(text)}`);
  return ms;
}

function loadSeries(q: MemoryQuerier, input: TestGroup['input_series'], intervalMs: number): void {
  for (const s of input ?? []) {
    const labels = parseMetric(s.series);
    const seq = parseSequence(String(s.values)).values;
    // Straight into a Float64Array: a JS array may canonicalize the stale marker's NaN.
    const ts: number[] = [];
    const vs = new Float64Array(seq.length);
    seq.forEach((v, i) => {
      if (!v.omitted) vs[ts.push(i * intervalMs) - 1] = v.value;
    });
    q.append(labels, ts, vs.subarray(0, ts.length));
  }
}

const alertKey = (labels: Record<string, string>, ann: Record<string, string>) =>
  JSON.stringify([Object.entries(labels).sort(), Object.entries(ann).filter(([, v]) => v !== '').sort()]);

function describeAlerts(list: Array<{ labels: Record<string, string>; annotations: Record<string, string> }>): string {
  return list.length === 0 ? '[]' : list.map((a) => `\n    labels ${JSON.stringify(a.labels)} annotations ${JSON.stringify(a.annotations)}`).join('');
}

/** Firing alerts of the rules named `alertname`, compared with the expected ones (order-insensitive). */
function checkAlerts(mgr: RuleManager, t: AlertTest): string | null {
  const got: Array<{ labels: Record<string, string>; annotations: Record<string, string> }> = [];
  for (const g of mgr.groups) {
    for (const r of g.rules) {
      if (r.kind !== 'alerting' || r.name !== t.alertname) continue;
      for (const a of r.activeAlerts()) {
        if (a.state === 'firing') got.push({ labels: Object.fromEntries(a.labels.map((l) => [l.name, l.value])), annotations: a.annotations });
      }
    }
  }
  const exp = (t.exp_alerts ?? []).map((e) => ({ labels: { ...stringify(e.exp_labels), alertname: t.alertname }, annotations: stringify(e.exp_annotations) }));
  const a = got.map((x) => alertKey(x.labels, x.annotations)).sort();
  const b = exp.map((x) => alertKey(x.labels, x.annotations)).sort();
  if (JSON.stringify(a) === JSON.stringify(b)) return null;
  return `alertname: ${t.alertname}, time: ${t.eval_time},\n  exp: ${describeAlerts(exp)}\n  got: ${describeAlerts(got)}`;
}

const stringify = (o: Record<string, unknown> | undefined): Record<string, string> => Object.fromEntries(Object.entries(o ?? {}).map(([k, v]) => [k, String(v)]));

function checkExpr(engine: Engine, q: MemoryQuerier, t: ExprTest): string | null {
  const at = dur(t.eval_time, 0, 'eval_time');
  let got: Array<{ labels: Labels; value: number }>;
  try {
    const r = engine.instantQuery(q, t.expr, at);
    got = r.resultType === 'vector' ? r.result.map((s) => ({ labels: s.metric, value: s.value }))
      : r.resultType === 'scalar' ? [{ labels: [], value: r.result.value }] : [];
  } catch (err) {
    return `expr: ${JSON.stringify(t.expr)}, time: ${t.eval_time}, err: ${(err as Error).message}`;
  }
  const exp = (t.exp_samples ?? []).map((s) => ({ labels: s.labels ? parseMetric(s.labels) : [], value: Number(s.value) }));
  const fmt = (xs: typeof got) => xs.sort((x, y) => compareLabels(x.labels, y.labels)).map((x) => `${formatLabels(x.labels)} ${x.value}`).join(', ');
  const same = got.length === exp.length && fmt([...got]) === fmt([...exp]);
  if (same) return null;
  // Values are compared with promtool's tolerance (relative 1e-9) before reporting a difference.
  const byKey = new Map(exp.map((e) => [labelsKey(e.labels), e.value]));
  const close = got.length === exp.length && got.every((g) => {
    const e = byKey.get(labelsKey(g.labels));
    return e !== undefined && (e === g.value || Math.abs(e - g.value) <= 1e-9 * Math.max(Math.abs(e), Math.abs(g.value)) || (Number.isNaN(e) && Number.isNaN(g.value)));
  });
  return close ? null : `expr: ${JSON.stringify(t.expr)}, time: ${t.eval_time},\n  exp: ${fmt(exp)}\n  got: ${fmt(got)}`;
}

async function runGroup(file: TestFile, dir: string, tg: TestGroup, index: number): Promise<UnitTestResult> {
  const name = tg.name ?? `test ${index + 1}`;
  const evalInterval = dur(file.evaluation_interval, 60_000, 'evaluation_interval');
  const q = new MemoryQuerier();
  loadSeries(q, tg.input_series, dur(tg.interval, evalInterval, 'interval'));
  const engine = new Engine();
  const specs = loadRuleFiles((file.rule_files ?? []).map((f) => resolve(dir, f)));
  const mgr = new RuleManager(specs, {
    engine,
    querier: q,
    evaluationIntervalMs: evalInterval,
    externalLabels: tg.external_labels,
    externalUrl: tg.external_url,
    write: (samples, ts) => {
      for (const s of samples) q.append(s.labels, [ts], sampleValue(s));
    },
  });
  const alertTests = tg.alert_rule_test ?? [];
  const exprTests = tg.promql_expr_test ?? [];
  const times = [...alertTests.map((t) => dur(t.eval_time, 0, 'eval_time')), ...exprTests.map((t) => dur(t.eval_time, 0, 'eval_time'))];
  const last = Math.max(0, ...times);
  const failures: string[] = [];
  for (let ts = 0; ts <= last; ts += evalInterval) {
    await mgr.evalAll(ts);
    for (const t of alertTests) {
      const at = dur(t.eval_time, 0, 'eval_time');
      if (at < ts || at >= ts + evalInterval) continue;
      const f = checkAlerts(mgr, t);
      if (f !== null) failures.push(f);
    }
  }
  for (const t of exprTests) {
    const f = checkExpr(engine, q, t);
    if (f !== null) failures.push(f);
  }
  return { name, failures };
}

/** Runs every test group of a promtool unit-test file; rule_files are relative to the file. */
export async function runRuleUnitTests(testFile: string): Promise<UnitTestResult[]> {
  const file = parseYaml(readFileSync(testFile, 'utf8')) as TestFile;
  const dir = dirname(testFile);
  const out: UnitTestResult[] = [];
  for (const [i, tg] of (file.tests ?? []).entries()) out.push(await runGroup(file, dir, tg, i));
  return out;
}
