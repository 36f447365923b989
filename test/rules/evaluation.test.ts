// Rule evaluation semantics, on a fake clock (explicit evaluation timestamps) over an in-memory querier:
// pending -> firing after `for`, `keep_firing_for`, resolve, the 15 m retention of resolved alerts, the
// resend schedule and endsAt, ALERTS/ALERTS_FOR_STATE and recording rules written back, stale markers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from '../../src/promql/engine.js';
import { MemoryQuerier } from '../../src/promql/testing/memory-querier.js';
import { parseSeriesDesc } from '../../src/promql/testing/series-desc.js';
import { isStaleNaN } from '../../src/storage/value.js';
import { RuleGroup, parseRuleFile, sampleValue, toPostable, type Alert, type AlertingRule } from '../../src/rules/index.js';

const M = 60_000;

function setup(rulesYaml: string, series: string[], resendDelayMs = M) {
  const q = new MemoryQuerier();
  for (const line of series) {
    const d = parseSeriesDesc(line);
    // Values go straight into a Float64Array: a JS array may canonicalize the stale marker's NaN.
    const ts: number[] = [];
    const vs = new Float64Array(d.values.length);
    d.values.forEach((v, i) => { if (!v.omitted) vs[ts.push(i * M) - 1] = v.value; });
    q.append(d.labels, ts, vs.subarray(0, ts.length));
  }
  const sent: Array<{ at: number; alerts: Alert[] }> = [];
  const written: Array<{ ts: number; name: string; stale: boolean }> = [];
  let now = 0;
  const [spec] = parseRuleFile('rules.yaml', rulesYaml);
  const group = new RuleGroup(spec!, M, {
    engine: new Engine(),
    querier: q,
    templates: { externalLabels: { cluster: 'c1' }, externalUrl: 'http://store' },
    resendDelayMs,
    write: (samples, ts) => {
      for (const s of samples) {
        const v = sampleValue(s);
        q.append(s.labels, [ts], v);
        written.push({ ts, name: s.labels.find((l) => l.name === '__name__')!.value, stale: isStaleNaN(v[0]!) });
      }
    },
    notify: (alerts) => sent.push({ at: now, alerts }),
  });
  const rule = group.rules[0] as AlertingRule;
  const evalAt = async (ts: number) => {
    now = ts;
    await group.eval(ts);
  };
  return { q, group, rule, sent, written, evalAt };
}

const RULES = (extra: string) => `groups:
  - name: g
    rules:
      - alert: High
        expr: x > 0
        for: 2m
${extra}        labels: { severity: page, where: "{{ $labels.job }}" }
        annotations: { summary: "{{ $labels.job }} at {{ $value }} in {{ $externalLabels.cluster }}" }
`;

test('pending, firing after `for`, resolved when the series goes stale; resent every resend delay; endsAt', async () => {
  const { rule, sent, evalAt, q } = setup(RULES(''), ['x{job="a"} 1x5 stale']);
  await evalAt(0);
  assert.equal(rule.state(), 'pending');
  assert.equal(sent.length, 0, 'pending alerts are not sent');
  await evalAt(1 * M);
  assert.equal(rule.state(), 'pending');
  await evalAt(2 * M);
  assert.equal(rule.state(), 'firing');
  const [a] = rule.activeAlerts();
  assert.deepEqual(a!.labels.map((l) => `${l.name}=${l.value}`), ['alertname=High', 'job=a', 'severity=page', 'where=a']);
  assert.equal(a!.annotations.summary, 'a at 1 in c1');
  assert.equal(a!.activeAt, 0);
  assert.equal(sent.length, 1);
  const first = toPostable(sent[0]!.alerts[0]!, 'http://store/graph');
  assert.equal(first.startsAt, new Date(2 * M).toISOString());
  assert.equal(first.endsAt, new Date(2 * M + 4 * M).toISOString(), 'endsAt = now + 4 x max(resend delay, interval)');
  await evalAt(3 * M);
  assert.equal(sent.length, 1, 'not resent before the resend delay has passed');
  await evalAt(4 * M);
  assert.equal(sent.length, 2);
  const firing = new Engine().instantQuery(q, 'ALERTS', 4 * M);
  assert.deepEqual(firing.resultType === 'vector' && firing.result.map((s) => s.metric.find((l) => l.name === 'alertstate')!.value), ['firing']);
  const forState = new Engine().instantQuery(q, 'ALERTS_FOR_STATE', 4 * M);
  assert.deepEqual(forState.resultType === 'vector' && forState.result.map((s) => s.value), [0]);
  await evalAt(5 * M);
  await evalAt(6 * M); // the series is stale now
  assert.equal(rule.state(), 'inactive');
  assert.equal(rule.activeAlerts().length, 0);
  const resolved = sent.at(-1)!;
  assert.equal(resolved.at, 6 * M, 'a resolved alert is sent at once');
  assert.equal(toPostable(resolved.alerts[0]!, '').endsAt, new Date(6 * M).toISOString(), 'endsAt of a resolved alert is its resolve time');
  const gone = new Engine().instantQuery(q, 'ALERTS', 6 * M + 1000);
  assert.equal(gone.resultType === 'vector' && gone.result.length, 0, 'ALERTS got a stale marker when the alert resolved');
  // Resolved alerts are kept, and re-sent every resend delay, for 15 minutes.
  for (let t = 7; t <= 21; t++) await evalAt(t * M);
  assert.equal(rule.active.size, 1);
  const resends = sent.filter((s) => s.at > 6 * M).length;
  assert.ok(resends >= 6 && resends <= 8, `resolved alert re-sent every resend delay (got ${resends} sends)`);
  await evalAt(22 * M);
  assert.equal(rule.active.size, 0, 'dropped once resolved for more than 15 m');
});

test('keep_firing_for keeps an alert firing after its series went away, then resolves it', async () => {
  const { rule, evalAt } = setup(RULES('        keep_firing_for: 3m\n'), ['x{job="a"} 1x5 stale']);
  for (let t = 0; t <= 5; t++) await evalAt(t * M);
  assert.equal(rule.state(), 'firing');
  await evalAt(6 * M);
  assert.equal(rule.state(), 'firing');
  assert.equal(rule.activeAlerts()[0]!.keepFiringSince, 6 * M);
  await evalAt(8 * M);
  assert.equal(rule.state(), 'firing', 'still within keep_firing_for');
  await evalAt(9 * M);
  assert.equal(rule.state(), 'inactive', 'resolved once keep_firing_for has passed');
  assert.equal(rule.active.get([...rule.active.keys()][0]!)!.resolvedAt, 9 * M);
});

test('an alert that goes away while pending is dropped, never sent; one that comes back starts a new activeAt', async () => {
  const { rule, sent, evalAt } = setup(RULES(''), ['x{job="a"} 1 1 stale _ 1 1 1']);
  await evalAt(0);
  await evalAt(1 * M);
  await evalAt(2 * M);
  assert.equal(rule.active.size, 0);
  await evalAt(4 * M);
  assert.equal(rule.activeAlerts()[0]!.activeAt, 4 * M);
  await evalAt(5 * M);
  assert.equal(rule.state(), 'pending');
  await evalAt(6 * M);
  assert.equal(rule.state(), 'firing');
  assert.equal(sent.length, 1);
});

test('recording rules write their series (a later rule of the group reads them) and stale markers when a series goes', async () => {
  const yaml = `groups:
  - name: rec
    rules:
      - record: job:x:sum
        expr: sum by (job) (x)
        labels: { source: rule }
      - alert: SumHigh
        expr: job:x:sum > 2
`;
  const { q, group, written, evalAt } = setup(yaml, ['x{job="a",i="1"} 1 1 stale', 'x{job="a",i="2"} 2 2 stale', 'x{job="b"} 1 1 1']);
  await evalAt(0);
  const rec = new Engine().instantQuery(q, 'job:x:sum', 0);
  assert.deepEqual(rec.resultType === 'vector' && rec.result.map((s) => [s.metric.map((l) => l.value).join(','), s.value]), [['job:x:sum,a,rule', 3], ['job:x:sum,b,rule', 1]]);
  const alerting = group.rules[1] as AlertingRule;
  assert.equal(alerting.state(), 'firing', 'no `for`: fires at the first evaluation, on the recorded series of the same evaluation');
  await evalAt(2 * M);
  const stale = written.filter((w) => w.ts === 2 * M && w.name === 'job:x:sum' && w.stale);
  assert.equal(stale.length, 1, 'the series job="a" is no longer produced: one stale marker');
  assert.equal(group.status.every((s) => s.health === 'ok'), true);
});

test('a rule whose labels collide gets health "err" with Prometheus\'s message; the group goes on', async () => {
  const yaml = `groups:
  - name: g
    rules:
      - alert: Collide
        expr: x
        labels: { job: same }
      - record: ok
        expr: vector(1)
`;
  const { group, evalAt } = setup(yaml, ['x{job="a"} 1', 'x{job="b"} 1']);
  await evalAt(0);
  assert.equal(group.status[0]!.health, 'err');
  assert.equal(group.status[0]!.lastError, 'vector contains metrics with the same labelset after applying alert labels');
  assert.equal(group.status[1]!.health, 'ok');
});

test('after a restart, `for` state comes back from ALERTS_FOR_STATE, shifted by the downtime (Prometheus\'s restore)', async () => {
  const rules = (forD: string) => `groups:\n  - name: g\n    rules:\n      - alert: Long\n        expr: x > 0\n        for: ${forD}\n`;
  const run = async (forD: string, restartAt: number) => {
    const before = setup(rules(forD), ['x{job="a"} 1x60']);
    for (let t = 0; t <= 5; t++) await before.evalAt(t * M); // pending since 0, down after 5m
    const [spec] = parseRuleFile('rules.yaml', rules(forD));
    const after = new RuleGroup(spec!, M, {
      engine: new Engine(), querier: before.q, templates: { externalLabels: {}, externalUrl: '' }, resendDelayMs: M,
      restoreForState: { outageToleranceMs: 60 * M, forGracePeriodMs: 10 * M },
      write: (samples, ts) => { for (const s of samples) before.q.append(s.labels, [ts], sampleValue(s)); },
    });
    await after.eval(restartAt);
    return (after.rules[0] as AlertingRule).activeAlerts()[0]!.activeAt;
  };
  // for 20m: 5m spent pending, 15m remain (more than the 10m grace): activeAt moves by the 3m of downtime.
  assert.equal(await run('20m', 8 * M), 3 * M);
  // for 12m: 7m remain, less than the grace period: it fires 10m after the restart at the earliest.
  assert.equal(await run('12m', 8 * M), 8 * M + 10 * M - 12 * M);
  // for 5m, shorter than the grace period: not restored (waits its whole `for` again).
  assert.equal(await run('5m', 8 * M), 8 * M);
});
