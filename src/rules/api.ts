// /api/v1/rules and /api/v1/alerts in Prometheus's JSON shape (web/api/v1/api.go): groups with their rules,
// each alerting rule with its pending/firing alerts; filters type, rule_name[], rule_group[], file[],
// exclude_alerts. Times are Go's RFC 3339 (nanosecond precision, trailing zeros dropped).
import { formatExpr } from '../promql/format.js';
import { errorResponse, type ApiResponse } from '../promapi/index.js';
import { formatAlertValue, type Alert } from './alerting.js';
import type { Rule, RuleGroup, RuleStatus } from './group.js';

const ZERO_TIME = '0001-01-01T00:00:00Z';

/** Go's time.Time JSON: RFC 3339 with the fraction's trailing zeros dropped; the zero time when 0. */
export function goTime(ms: number): string {
  if (ms === 0) return ZERO_TIME;
  return new Date(ms).toISOString().replace(/\.?0+Z$/, 'Z');
}

const sortedObject = (o: Record<string, string>) => Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]!]));

function alertJson(a: Alert) {
  return {
    labels: Object.fromEntries(a.labels.map((l) => [l.name, l.value])),
    annotations: sortedObject(a.annotations),
    state: a.state,
    activeAt: goTime(a.activeAt),
    ...(a.keepFiringSince !== 0 ? { keepFiringSince: goTime(a.keepFiringSince) } : {}),
    value: formatAlertValue(a.value),
  };
}

function ruleJson(r: Rule, st: RuleStatus, excludeAlerts: boolean) {
  const common = { health: st.health, ...(st.lastError ? { lastError: st.lastError } : {}), evaluationTime: st.evaluationTime, lastEvaluation: goTime(st.lastEvaluation) };
  if (r.kind === 'recording') {
    const labels = Object.keys(r.spec.labels).length > 0 ? { labels: sortedObject(r.spec.labels) } : {};
    return { name: r.name, query: formatExpr(r.spec.expr), ...labels, ...common, type: 'recording' };
  }
  return {
    state: r.state(),
    name: r.name,
    query: formatExpr(r.spec.expr),
    duration: r.spec.forMs / 1000,
    keepFiringFor: r.spec.keepFiringForMs / 1000,
    labels: sortedObject(r.spec.labels),
    annotations: sortedObject(r.spec.annotations),
    ...(excludeAlerts ? {} : { alerts: r.activeAlerts().map(alertJson) }),
    ...common,
    type: 'alerting',
  };
}

function filterSet(params: URLSearchParams, name: string): Set<string> | null {
  const v = params.getAll(name);
  return v.length > 0 ? new Set(v) : null;
}

function rulesBody(groups: readonly RuleGroup[], params: URLSearchParams): ApiResponse {
  const type = params.get('type');
  if (type !== null && type !== '' && type !== 'alert' && type !== 'record') {
    return errorResponse('bad_data', `invalid parameter "type": not supported value ${JSON.stringify(type)}`);
  }
  const excl = params.get('exclude_alerts');
  if (excl !== null && excl !== '' && excl !== 'true' && excl !== 'false') {
    return errorResponse('bad_data', `invalid parameter "exclude_alerts": parsing ${JSON.stringify(excl)}: invalid syntax`);
  }
  const [names, groupNames, files] = [filterSet(params, 'rule_name[]'), filterSet(params, 'rule_group[]'), filterSet(params, 'file[]')];
  const out = [];
  for (const g of groups) {
    if ((groupNames && !groupNames.has(g.name)) || (files && !files.has(g.file))) continue;
    const rules = [];
    for (let i = 0; i < g.rules.length; i++) {
      const r = g.rules[i]!;
      if ((type === 'alert' && r.kind !== 'alerting') || (type === 'record' && r.kind !== 'recording')) continue;
      if (names && !names.has(r.name)) continue;
      rules.push(ruleJson(r, g.status[i]!, excl === 'true'));
    }
    // As Prometheus: a group whose rules were all filtered out is left out when filters were given.
    if (rules.length === 0 && (type || names)) continue;
    out.push({ name: g.name, file: g.file, rules, interval: g.intervalMs / 1000, limit: g.spec.limit, evaluationTime: g.evaluationTime, lastEvaluation: goTime(g.lastEvaluation) });
  }
  return { status: 200, body: JSON.stringify({ status: 'success', data: { groups: out } }) };
}

/** Every pending and firing alert of every alerting rule. */
export function activeAlerts(groups: readonly RuleGroup[]): Alert[] {
  const out: Alert[] = [];
  for (const g of groups) for (const r of g.rules) if (r.kind === 'alerting') out.push(...r.activeAlerts());
  return out;
}

/** Serves /api/v1/rules or /api/v1/alerts; never throws. */
export function handleRulesApi(groups: readonly RuleGroup[], endpoint: 'rules' | 'alerts', params: URLSearchParams): ApiResponse {
  if (endpoint === 'rules') return rulesBody(groups, params);
  return { status: 200, body: JSON.stringify({ status: 'success', data: { alerts: activeAlerts(groups).map(alertJson) } }) };
}
