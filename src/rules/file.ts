// Prometheus rule files (rulefmt): `groups` of alerting and recording rules, read and validated the way
// `promtool check rules` does, with errors that name the file, the group and the rule.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { Expr } from '../promql/ast.js';
import { exprType } from '../promql/ast.js';
import { parseExpr } from '../promql/parser.js';
import { parsePrometheusDuration } from '../duration/duration.js';
import { Template, TemplateError } from './template.js';

export interface AlertingRuleSpec {
  kind: 'alerting';
  name: string;
  exprText: string;
  expr: Expr;
  forMs: number;
  keepFiringForMs: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface RecordingRuleSpec {
  kind: 'recording';
  name: string;
  exprText: string;
  expr: Expr;
  labels: Record<string, string>;
}

export type RuleSpec = AlertingRuleSpec | RecordingRuleSpec;

export interface RuleGroupSpec {
  file: string;
  name: string;
  /** ms; undefined: the manager's evaluation interval. */
  intervalMs?: number;
  /** Most alerts (or recorded series) one evaluation may produce; 0 = no limit. */
  limit: number;
  rules: RuleSpec[];
}

export class RuleFileError extends Error {}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const GROUP_KEYS = new Set(['name', 'interval', 'limit', 'rules', 'query_offset', 'labels']);
const RULE_KEYS = new Set(['record', 'alert', 'expr', 'for', 'keep_firing_for', 'labels', 'annotations']);

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function duration(v: unknown, field: string): number {
  const ms = typeof v === 'string' ? parsePrometheusDuration(v) : null;
  if (ms === null || ms < 0) throw new Error(`field '${field}': not a valid duration: ${JSON.stringify(v)} (e.g. 30s, 5m, 1h30m)`);
  return ms;
}

function stringMap(v: unknown, field: string, templates: boolean): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (!isMap(v)) throw new Error(`field '${field}' must be a mapping of names to strings`);
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) {
    if (field === 'labels' && !LABEL_NAME.test(k)) throw new Error(`invalid label name: ${JSON.stringify(k)}`);
    if (field === 'labels' && k === '__name__') throw new Error('label __name__ is not allowed in rule labels');
    if (typeof val !== 'string' && typeof val !== 'number' && typeof val !== 'boolean') throw new Error(`${field} ${JSON.stringify(k)}: expected a string`);
    out[k] = String(val);
    if (templates) {
      try {
        new Template(out[k]);
      } catch (err) {
        throw new Error(`${field} ${JSON.stringify(k)}: template: ${(err as TemplateError).message}`);
      }
    }
  }
  return out;
}

function parseRule(node: unknown): RuleSpec {
  if (!isMap(node)) throw new Error('a rule must be a mapping');
  for (const k of Object.keys(node)) if (!RULE_KEYS.has(k)) throw new Error(`field ${k} not found in type rulefmt.Rule`);
  const { record, alert } = node;
  if (record !== undefined && alert !== undefined) throw new Error("only one of 'record' and 'alert' must be set");
  if (record === undefined && alert === undefined) throw new Error("one of 'record' or 'alert' must be set");
  const exprText = typeof node.expr === 'number' ? String(node.expr) : node.expr;
  if (typeof exprText !== 'string' || exprText.trim() === '') throw new Error("field 'expr' must be set in rule");
  let expr: Expr;
  try {
    expr = parseExpr(exprText);
  } catch (err) {
    throw new Error(`could not parse expression: ${(err as Error).message}`);
  }
  const type = exprType(expr);
  if (type !== 'vector' && type !== 'scalar') throw new Error(`invalid expression type "${type === 'matrix' ? 'range vector' : type}": a rule's expression must be an instant vector or a scalar`);
  if (record !== undefined) {
    if (typeof record !== 'string' || !METRIC_NAME.test(record)) throw new Error(`invalid recording rule name: ${JSON.stringify(record)}`);
    for (const f of ['annotations', 'for', 'keep_firing_for'] as const) if (node[f] !== undefined) throw new Error(`invalid field '${f}' in recording rule`);
    return { kind: 'recording', name: record, exprText, expr, labels: stringMap(node.labels, 'labels', false) };
  }
  if (typeof alert !== 'string' || alert === '') throw new Error('invalid alert name: must be a non-empty string');
  return {
    kind: 'alerting',
    name: alert,
    exprText,
    expr,
    forMs: node.for === undefined ? 0 : duration(node.for, 'for'),
    keepFiringForMs: node.keep_firing_for === undefined ? 0 : duration(node.keep_firing_for, 'keep_firing_for'),
    labels: stringMap(node.labels, 'labels', true),
    annotations: stringMap(node.annotations, 'annotations', true),
  };
}

function parseGroup(file: string, node: unknown, index: number): RuleGroupSpec {
  if (!isMap(node)) throw new RuleFileError(`${file}: group ${index + 1}: a group must be a mapping`);
  const where = `${file}: group ${JSON.stringify(node.name ?? index + 1)}`;
  for (const k of Object.keys(node)) if (!GROUP_KEYS.has(k)) throw new RuleFileError(`${where}: field ${k} not found in type rulefmt.RuleGroup`);
  if (typeof node.name !== 'string' || node.name === '') throw new RuleFileError(`${file}: group ${index + 1}: Groupname must not be empty`);
  let intervalMs: number | undefined;
  try {
    if (node.interval !== undefined) intervalMs = duration(node.interval, 'interval');
    if (intervalMs === 0) throw new Error("field 'interval' must be greater than 0");
  } catch (err) {
    throw new RuleFileError(`${where}: ${(err as Error).message}`);
  }
  const limit = node.limit ?? 0;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0) throw new RuleFileError(`${where}: field 'limit' must be a non-negative integer`);
  if (node.query_offset !== undefined) throw new RuleFileError(`${where}: field 'query_offset' is not supported by obspath's rule evaluation`);
  if (!Array.isArray(node.rules)) throw new RuleFileError(`${where}: field 'rules' must be a list`);
  let groupLabels: Record<string, string>;
  try {
    groupLabels = stringMap(node.labels, 'labels', false);
  } catch (err) {
    throw new RuleFileError(`${where}: ${(err as Error).message}`);
  }
  const rules = node.rules.map((r: unknown, i: number) => {
    try {
      const rule = parseRule(r);
      // Prometheus 3's group labels: on every rule of the group, a rule's own label of the same name wins.
      rule.labels = { ...groupLabels, ...rule.labels };
      return rule;
    } catch (err) {
      const n = isMap(r) ? (r.alert ?? r.record) : undefined;
      throw new RuleFileError(`${where}, rule ${i + 1}${typeof n === 'string' ? ` (${n})` : ''}: ${(err as Error).message}`);
    }
  });
  return { file, name: node.name, intervalMs, limit, rules };
}

/** Parses the text of one rule file; `file` names it in errors and in the API. */
export function parseRuleFile(file: string, text: string): RuleGroupSpec[] {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new RuleFileError(`${file}: not valid YAML: ${(err as Error).message}`);
  }
  if (doc === null || doc === undefined) return [];
  if (!isMap(doc)) throw new RuleFileError(`${file}: expected a mapping with 'groups'`);
  for (const k of Object.keys(doc)) if (k !== 'groups') throw new RuleFileError(`${file}: field ${k} not found in type rulefmt.RuleGroups`);
  if (doc.groups === undefined || doc.groups === null) return [];
  if (!Array.isArray(doc.groups)) throw new RuleFileError(`${file}: 'groups' must be a list`);
  const groups = doc.groups.map((g: unknown, i: number) => parseGroup(file, g, i));
  const seen = new Set<string>();
  for (const g of groups) {
    if (seen.has(g.name)) throw new RuleFileError(`${file}: groupname: ${JSON.stringify(g.name)} is repeated in the same file`);
    seen.add(g.name);
  }
  return groups;
}

/** Reads and validates rule files; the first bad one throws naming it. */
export function loadRuleFiles(files: readonly string[]): RuleGroupSpec[] {
  const out: RuleGroupSpec[] = [];
  for (const f of files) {
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch (err) {
      throw new RuleFileError(`cannot read rule file ${f}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    out.push(...parseRuleFile(f, text));
  }
  return out;
}
