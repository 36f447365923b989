// Runs promqltest scripts against our engine with Prometheus's test semantics (test.go): instant evals are also
// re-run with `@` pinned on every selector at other times, and in range mode; results compared with 1e-6 tolerance.

import { walk, type Expr } from '../ast.js';
import { Engine, type QueryResult } from '../engine.js';
import { PromQLError } from '../errors.js';
import { formatExpr } from '../format.js';
import { AT_MODIFIER_UNSAFE_FUNCTIONS } from '../functions/signatures.js';
import { UNIMPLEMENTED_FUNCTIONS } from '../functions/index.js';
import { parseExpr } from '../parser.js';
import type { FloatHistogram } from '../../histogram/index.js';
import { labelsKey } from '../value.js';
import { compareResult, type ResultForCompare } from './compare.js';
import { MemoryQuerier } from './memory-querier.js';
import { NhcbCollector } from './nhcb.js';
import { parseScript, type EvalCommand, type LoadCommand } from './script.js';

export type CaseStatus = 'passed' | 'failed' | 'unsupported';

export interface CaseResult {
  line: number;
  expr: string;
  status: CaseStatus;
  /** Why a case failed (with expected/got details) or is unsupported. */
  detail?: string;
}

export interface FileResult {
  file: string;
  passed: number;
  failed: number;
  unsupported: number;
  cases: CaseResult[];
  /** Set when the script itself could not be parsed. */
  error?: string;
}

const QUERY_CONTEXT_FUNCS = /(start|end|range|step)\(\)/;

export interface RunOptions {
  engine?: Engine;
}

export function runScript(text: string, file: string, opts: RunOptions = {}): FileResult {
  const result: FileResult = { file, passed: 0, failed: 0, unsupported: 0, cases: [] };
  let cmds;
  try {
    cmds = parseScript(text);
  } catch (err) {
    result.error = (err as Error).message;
    return result;
  }
  const engine = opts.engine ?? new Engine({ lookbackDelta: 5 * 60_000, timeoutMs: 100_000, noStepSubqueryIntervalMs: 60_000 });
  let querier = new MemoryQuerier();
  for (const cmd of cmds) {
    if (cmd.kind === 'clear') {
      querier = new MemoryQuerier();
    } else if (cmd.kind === 'load') {
      load(querier, cmd);
    } else {
      const c = runEval(engine, querier, cmd);
      result.cases.push(c);
      result[c.status]++;
    }
  }
  return result;
}

/** Loads float and native histogram series (and, for load_with_nhcb, classic histograms as custom-bucket
 *  native histograms). */
function load(q: MemoryQuerier, cmd: LoadCommand): void {
  const nhcb = cmd.withNHCB ? new NhcbCollector() : null;
  for (const s of cmd.series) {
    const ts: number[] = [];
    const vs = new Float64Array(s.values.length);
    const hts: number[] = [];
    const hvs: FloatHistogram[] = [];
    s.values.forEach((v, i) => {
      if (v.omitted) return;
      if (v.histogram) {
        hts.push(i * cmd.interval);
        hvs.push(v.histogram);
        return;
      }
      vs[ts.length] = v.value;
      ts.push(i * cmd.interval);
    });
    q.append(s.labels, ts, vs.subarray(0, ts.length));
    if (hts.length > 0) q.appendHistograms(s.labels, hts, hvs);
    nhcb?.add(s.labels, ts, vs);
  }
  if (nhcb) for (const h of nhcb.result()) q.appendHistograms(h.labels, h.timestamps, h.histograms);
}

function unsupportedReason(expr: Expr | null): string | null {
  if (!expr) return null;
  let reason: string | null = null;
  walk(expr, (node) => {
    if (reason) return false;
    if (node.type === 'Call' && UNIMPLEMENTED_FUNCTIONS.includes(node.func)) reason = `function ${node.func}() is not implemented`;
    return true;
  });
  return reason;
}

function runEval(engine: Engine, querier: MemoryQuerier, cmd: EvalCommand): CaseResult {
  const base = { line: cmd.line, expr: cmd.expr };
  let expr: Expr | null = null;
  try {
    expr = parseExpr(cmd.expr);
  } catch {
    /* reported by the run below */
  }
  const why = unsupportedReason(expr);
  if (why) return { ...base, status: 'unsupported', detail: why };
  try {
    const err = cmd.isRange ? runRange(engine, querier, cmd) : runInstant(engine, querier, cmd);
    return err === null ? { ...base, status: 'passed' } : { ...base, status: 'failed', detail: err };
  } catch (err) {
    return { ...base, status: 'failed', detail: `runner error: ${(err as Error).stack ?? String(err)}` };
  }
}

function isFail(cmd: EvalCommand): boolean {
  return cmd.fail || cmd.expects.some((e) => e.type === 'fail');
}

function checkExpectedFailure(cmd: EvalCommand, err: Error): string | null {
  const msg = err.message;
  if (cmd.expectedFailMessage !== null && cmd.expectedFailMessage !== msg) {
    return `expected error ${JSON.stringify(cmd.expectedFailMessage)}, but got: ${msg}`;
  }
  if (cmd.expectedFailRegexp && !cmd.expectedFailRegexp.test(msg)) return `expected error matching ${cmd.expectedFailRegexp}, but got: ${msg}`;
  const f = cmd.expects.find((e) => e.type === 'fail');
  if (f && !matchesExpect(f, msg)) return `expected error matching ${JSON.stringify(f.message ?? String(f.regex))}, but got: ${msg}`;
  return null;
}

function matchesExpect(e: { message: string | null; regex: RegExp | null }, s: string): boolean {
  if (e.message !== null) return e.message === s;
  if (e.regex) return e.regex.test(s);
  return true;
}

function checkAnnotations(cmd: EvalCommand, res: QueryResult): string | null {
  const { warnings, infos } = res;
  if (cmd.warn && warnings.length === 0) return 'expected warnings but got none';
  if (cmd.info && infos.length === 0) return 'expected info annotations but got none';
  for (const [type, actual] of [['warn', warnings], ['info', infos]] as const) {
    const exp = cmd.expects.filter((e) => e.type === type);
    if (exp.length === 0) continue;
    if (actual.length === 0) return `expected ${type} annotations but none were found`;
    for (const e of exp) {
      if (!actual.some((a) => matchesExpect(e, a))) return `expected ${type} annotation matching ${JSON.stringify(e.message ?? String(e.regex))} but found: ${JSON.stringify(actual)}`;
    }
    for (const a of actual) {
      if (!exp.some((e) => matchesExpect(e, a))) return `unexpected ${type} annotation ${JSON.stringify(a)}`;
    }
  }
  if (cmd.expects.some((e) => e.type === 'no_warn') && warnings.length > 0) return `unexpected warning annotations: ${JSON.stringify(warnings)}`;
  if (cmd.expects.some((e) => e.type === 'no_info') && infos.length > 0) return `unexpected info annotations: ${JSON.stringify(infos)}`;
  return null;
}

/** Runs a query; returns [result, null], or [null, failure] / [null, null] when an expected failure happened. */
function execute(cmd: EvalCommand, run: () => QueryResult): [QueryResult | null, string | null] {
  let res: QueryResult;
  try {
    res = run();
  } catch (err) {
    if (!(err instanceof PromQLError)) throw err;
    if (isFail(cmd)) return [null, checkExpectedFailure(cmd, err)];
    return [null, `error evaluating query: ${err.message}`];
  }
  if (isFail(cmd)) return [null, 'expected error evaluating query but got none'];
  return [res, checkAnnotations(cmd, res)];
}

function runRange(engine: Engine, q: MemoryQuerier, cmd: EvalCommand): string | null {
  const [res, err] = execute(cmd, () => engine.rangeQuery(q, cmd.expr, cmd.start, cmd.end, cmd.step));
  if (err !== null || res === null) return err;
  return compareResult(cmd, res as ResultForCompare, { start: cmd.start, end: cmd.end, step: cmd.step });
}

/** Prometheus's atModifierTestCases: `@ <eval time>` on all top-level selectors, evaluated at other times. */
function atModifierVariants(exprStr: string, evalTime: number): { expr: string; t: number }[] {
  const expr = parseExpr(exprStr);
  let unsafe = false;
  walk(expr, (node, path) => {
    if (path.some((p) => p.type === 'SubqueryExpr' && (p.at !== null || p.atPreprocessor !== null))) return true;
    if (node.type === 'VectorSelector' || node.type === 'SubqueryExpr') {
      if (node.at === null && node.atPreprocessor === null) node.at = evalTime;
    } else if (node.type === 'Call' && AT_MODIFIER_UNSAFE_FUNCTIONS.has(node.func)) unsafe = true;
    return true;
  });
  if (unsafe) return [];
  const s = formatExpr(expr);
  const times = evalTime === 0 ? [-1000, 0, 1000] : [-10 * evalTime, 0, Math.trunc(evalTime / 5), evalTime, 10 * evalTime];
  return times.map((t) => ({ expr: s, t }));
}

function runInstant(engine: Engine, q: MemoryQuerier, cmd: EvalCommand): string | null {
  let variants: { expr: string; t: number }[] = [];
  try {
    variants = atModifierVariants(cmd.expr, cmd.start);
  } catch {
    /* parse errors are checked by the main run */
  }
  for (const v of [{ expr: cmd.expr, t: cmd.start }, ...variants]) {
    const where = v.expr === cmd.expr && v.t === cmd.start ? '' : ` [variant ${v.expr} at ${v.t}ms]`;
    const [res, err] = execute(cmd, () => engine.instantQuery(q, v.expr, v.t));
    if (err !== null) return err + where;
    if (res === null) continue;
    const cmpErr = compareResult(cmd, res as ResultForCompare, { start: v.t, end: v.t, step: 0 });
    if (cmpErr) return cmpErr + where;
    if (cmd.expectedString !== null || QUERY_CONTEXT_FUNCS.test(v.expr)) continue;
    // The same query in range mode must give the same value at the middle step.
    let rangeRes: QueryResult;
    try {
      rangeRes = engine.rangeQuery(q, v.expr, v.t - 60_000, v.t + 60_000, 60_000);
    } catch (e) {
      return `error evaluating query in range mode: ${(e as Error).message}${where}`;
    }
    if (cmd.ordered || cmd.expects.some((e) => e.type === 'ordered')) continue;
    if (rangeRes.resultType !== 'matrix') return `range mode returned ${rangeRes.resultType}${where}`;
    const vec = rangeRes.result.flatMap((s) => {
      const i = s.timestamps.indexOf(v.t);
      if (i < 0) return [];
      const h = s.histograms?.[i];
      return [h ? { metric: s.metric, t: v.t, value: s.values[i]!, histogram: h } : { metric: s.metric, t: v.t, value: s.values[i]! }];
    });
    const asInstant: ResultForCompare =
      res.resultType === 'scalar'
        ? { resultType: 'scalar', result: { t: v.t, value: vec[0]?.value ?? NaN } }
        : { resultType: 'vector', result: vec };
    const rangeErr = compareResult(cmd, asInstant, { start: v.t, end: v.t, step: 0 });
    if (rangeErr) return `${rangeErr} (range mode)${where}`;
  }
  return null;
}

export function summarize(results: FileResult[]): { passed: number; failed: number; unsupported: number } {
  return results.reduce((a, r) => ({ passed: a.passed + r.passed, failed: a.failed + r.failed, unsupported: a.unsupported + r.unsupported }), {
    passed: 0, failed: 0, unsupported: 0,
  });
}

export { labelsKey };
