// Query-parameter generators for query, query_range, series, labels and label values (and the Prometheus
// API endpoints a client may call through the API): times in year 9999, NaN, Inf, non-numeric; steps of
// 0, negative, tiny; start after end; huge ranges; match[] selectors valid and not; odd label names.
import fc from 'fast-check';
import { VALID_RE2, WEIRD_REGEXES, quote } from './gen-promql.js';

export interface ParamsCase {
  endpoint: string;
  method: 'GET' | 'POST';
  params: Array<[string, string]>;
}

const time = (now: number) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.integer({ min: -86_400 * 30, max: 3600 }).map((d) => String(Math.floor(now / 1000) + d)) },
    { weight: 1, arbitrary: fc.constantFrom('9999-12-31T23:59:59Z', '9999-01-01T00:00:00Z', '0000-01-01T00:00:00Z', '1970-01-01T00:00:00Z', '2024-02-30T00:00:00Z', '2024-01-01T00:00:00.123456789+02:00') },
    { weight: 1, arbitrary: fc.constantFrom('NaN', 'Inf', '-Inf', '+Inf', 'nan', '1e308', '-1e308', '9223372036854775807', '-9223372036854775808', '1e18', '253402300799', '-62135596800') },
    { weight: 1, arbitrary: fc.constantFrom('', 'abc', 'now', '1h', '0x10', ' 1', '1 ', '1.5.5', '-0', '+1', '1e3', '%00', '\u0000', 'é') },
    { weight: 1, arbitrary: fc.double().map(String) },
  );

const step = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom('15', '60', '1m', '5m', '1h') },
  { weight: 2, arbitrary: fc.constantFrom('0', '-1', '-1m', '0.0001', '0.001', '1e-9', 'NaN', 'Inf', '-Inf', '1e308', '9223372036854775807', '', 'abc', '1y', '0s', '1d2h', '5m30s', '1.5h') },
  { weight: 1, arbitrary: fc.double().map(String) },
);

const selector = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('fuzz_canary', 'up', '{__name__=~"fuzz_.*"}', '{job="x"}', '{tenant_id="bbbb-2222"}', '{__name__!=""}', 'fuzz_rw_metric{job!="a"}') },
  { weight: 1, arbitrary: fc.constantFrom(...VALID_RE2).map((re) => `{__name__=~${quote(re)}}`) },
  { weight: 1, arbitrary: fc.constantFrom(...WEIRD_REGEXES).map((re) => `{job=~${quote(re)}}`) },
  { weight: 1, arbitrary: fc.constantFrom('', '{}', '{job=""}', 'sum(up)', 'up[5m]', '1', '{', 'up{', '{job=~".*"}', '{job!~".+"}', '"str"') },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
);

const labelName = fc.oneof(
  fc.constantFrom('__name__', 'job', 'tenant_id', 'fuzz', 'nonexistent'),
  fc.constantFrom('0abc', 'a-b', 'é', '..', '%2F', '%00', 'a%20b', '_'),
  fc.stringMatching(/^[A-Za-z0-9_%.-]{1,10}$/),
);

const ENDPOINTS = ['query', 'query_range', 'series', 'labels', 'label_values', 'query_exemplars', 'metadata', 'status/buildinfo'] as const;

function paramsFor(endpoint: (typeof ENDPOINTS)[number], now: number): fc.Arbitrary<Array<[string, string]>> {
  const t = time(now);
  const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined, freq: 3 });
  const common = fc.record({
    start: opt(t), end: opt(t), limit: opt(fc.constantFrom('0', '1', '-1', 'abc', '1e9', '2.5')),
    // No tiny positive timeout: a query that outlives the client's own deadline is a 503 by contract.
    timeout: opt(fc.constantFrom('30s', '0', '0s', '-1', '-1s', 'abc', '1e9', '')),
    matches: fc.array(selector, { maxLength: 3 }),
  });
  const query = fc.oneof({ weight: 4, arbitrary: fc.constantFrom('fuzz_canary', 'up', 'vector(1)', 'sum(rate(fuzz_canary[5m]))', 'fuzz_canary[1h]', '1', 'time()') }, { weight: 1, arbitrary: fc.constantFrom('', 'up{', '{}') });
  return fc.record({ c: common, q: opt(query), time: opt(t), step: opt(step), extra: fc.array(fc.tuple(fc.constantFrom('query', 'start', 'end', 'step', 'foo', 'match[]', ''), fc.string({ maxLength: 6 })), { maxLength: 2 }) })
    .map(({ c, q, time: at, step: st, extra }) => {
      const out: Array<[string, string]> = [];
      const push = (k: string, v: string | undefined) => v !== undefined && out.push([k, v]);
      if (endpoint === 'query' || endpoint === 'query_range' || endpoint === 'query_exemplars') push('query', q);
      if (endpoint === 'query') push('time', at);
      if (endpoint === 'query_range') push('step', st);
      if (endpoint !== 'query' && endpoint !== 'status/buildinfo') {
        push('start', c.start);
        push('end', c.end);
      }
      if (endpoint === 'series' || endpoint === 'labels' || endpoint === 'label_values') for (const m of c.matches) out.push(['match[]', m]);
      if (endpoint === 'metadata') push('metric', q);
      push('limit', c.limit);
      push('timeout', c.timeout);
      return [...out, ...extra];
    });
}

export function paramsCase(now: number): fc.Arbitrary<ParamsCase> {
  return fc.constantFrom(...ENDPOINTS).chain((ep) =>
    fc.record({
      endpoint: ep === 'label_values' ? labelName.map((n) => `label/${n}/values`) : fc.constant(ep),
      method: fc.constantFrom('GET' as const, 'POST' as const),
      params: paramsFor(ep, now),
    }),
  );
}
