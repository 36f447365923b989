// The properties of the data-safety fuzz suite: each turns a generated case into requests against the
// running stack and returns the invariants it broke, the shared ones (harness.ts) and its own.
import { createPrivateKey } from 'node:crypto';
import { answerViolations, exchange, gist, type Answer, type PropertySpec, type Violation } from './harness.js';
import { anyQuery, validQuery } from './gen-promql.js';
import { bodyOf, maxTimestamp, remoteWriteCase, trueLength, type RwCase, type RwLabel } from './gen-remote-write.js';
import { jwtSpec, materialize, type JwtKeys, type JwtSpec } from './gen-jwt.js';
import { paramsCase, type ParamsCase } from './gen-params.js';
import type { FuzzStack } from './stack.js';
import fc from 'fast-check';

export const TENANT = 'alpha';
export const OTHER_TENANT_ID = 'bbbb-2222';
/** A series only tenant beta has: its name in an answer to tenant alpha is a leak. */
export const BETA_ONLY_METRIC = 'fuzz_canary_beta';

export interface Ctx {
  stack: FuzzStack;
  /** Anchor of generated timestamps and of the canary. */
  now: number;
  canary: RwLabel[];
  token: string;
}

const base = (c: Ctx) => `${c.stack.api.url}/api/metrics/v1/${TENANT}/api/v1`;

/** Shared invariants plus liveness and tenant isolation. */
function judged(c: Ctx, a: Answer): Violation[] {
  const out = answerViolations(a);
  const dead = c.stack.deadProcesses();
  if (dead.length > 0) out.push({ kind: 'process exits', key: dead.map((d) => d.split(' ')[0]).join(', '), detail: dead.join('; ') });
  if (a.status >= 200 && a.status < 300 && (a.text.includes(`"${OTHER_TENANT_ID}"`) || a.text.includes(BETA_ONLY_METRIC))) {
    out.push({ kind: 'cross-tenant leaks', key: String(a.status), detail: `${a.status} ${a.text.slice(0, 240)}` });
  }
  return out;
}

function read(c: Ctx, endpoint: string, method: 'GET' | 'POST', params: Array<[string, string]>, token = c.token): Promise<Answer> {
  const qs = new URLSearchParams(params).toString();
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (method === 'GET') return exchange(`${base(c)}/${endpoint}${qs ? `?${qs}` : ''}`, { headers });
  return exchange(`${base(c)}/${endpoint}`, { method: 'POST', headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' }, body: qs });
}

interface QueryCase {
  query: string;
  range: boolean;
  method: 'GET' | 'POST';
}

const queryCase = (q: fc.Arbitrary<string>) => fc.record({ query: q, range: fc.boolean(), method: fc.constantFrom('GET' as const, 'POST' as const) });

function runQuery(c: Ctx, x: QueryCase): Promise<Answer> {
  const t = Math.floor(c.now / 1000);
  const params: Array<[string, string]> = x.range ? [['query', x.query], ['start', String(t - 3600)], ['end', String(t)], ['step', '60']] : [['query', x.query], ['time', String(t)]];
  return read(c, x.range ? 'query_range' : 'query', x.method, params);
}

/** Valid queries (typed grammar): besides the shared invariants, never refused as bad input. */
export function promqlValid(c: Ctx, runs: number): PropertySpec<QueryCase> {
  return {
    name: 'promql (valid, grammar)',
    arbitrary: queryCase(validQuery),
    runs,
    settle: () => c.stack.settle(),
    extraKinds: ['valid queries refused', 'cross-tenant leaks'],
    async check(x) {
      const a = await runQuery(c, x);
      const out = judged(c, a);
      if (a.status >= 400 && a.status < 500 && a.status !== 422) out.push({ kind: 'valid queries refused', key: `${a.status} ${gist(String(a.json?.error ?? a.text))}`, detail: `${a.status} ${a.text.slice(0, 240)}` });
      return out;
    },
  };
}

/** Mutated and random queries: any refusal is fine, as long as it is a well-formed 4xx. */
export function promqlMutated(c: Ctx, runs: number): PropertySpec<QueryCase> {
  return {
    name: 'promql (mutated, random)',
    arbitrary: queryCase(anyQuery),
    runs,
    settle: () => c.stack.settle(),
    extraKinds: ['cross-tenant leaks'],
    check: async (x) => judged(c, await runQuery(c, x)),
  };
}

const FUTURE_BOUND_MS = 3_600_000;
const isoOrRaw = (ms: bigint) => {
  const d = new Date(Number(ms));
  return Number.isNaN(d.getTime()) ? `${ms} ms` : d.toISOString();
};
const REMOTE_WRITE_HEADERS = { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' };

/**
 * Remote-write bodies: besides the shared invariants, a lying snappy length is never acknowledged, nor
 * a sample stamped more than an hour ahead (it would move the store's clock and retention past the data).
 */
export function remoteWrite(c: Ctx, runs: number): PropertySpec<RwCase> {
  return {
    name: 'remote write',
    arbitrary: remoteWriteCase(c.now, c.canary),
    runs,
    settle: () => c.stack.settle(),
    extraKinds: ['lying snappy lengths accepted', 'far-future samples accepted'],
    async check(x) {
      const sentAt = Date.now();
      const a = await exchange(`${base(c)}/receive`, { method: 'POST', headers: { ...REMOTE_WRITE_HEADERS, authorization: `Bearer ${c.token}` }, body: bodyOf(x) });
      const out = judged(c, a);
      const ok = a.status >= 200 && a.status < 300;
      if (ok && x.kind === 'lying snappy length') {
        const big = x.declared > trueLength(x.series) ? 'larger' : 'smaller';
        out.push({ kind: 'lying snappy lengths accepted', key: big, detail: `${a.status} for a declared length of ${x.declared}, ${big} than the true ${trueLength(x.series)}` });
      }
      const latest = x.kind === 'structured' ? maxTimestamp(x.series) : undefined;
      if (ok && latest !== undefined && latest > BigInt(sentAt + FUTURE_BOUND_MS)) {
        out.push({ kind: 'far-future samples accepted', key: '', detail: `${a.status} for a sample at ${isoOrRaw(latest)} (now ${new Date(sentAt).toISOString()})` });
      }
      return out;
    },
  };
}

/** Bearer tokens: besides the shared invariants, a defective token is never accepted and a sound one is. */
export function jwt(c: Ctx, runs: number): PropertySpec<JwtSpec> {
  const keys: JwtKeys = {
    issuerKey: createPrivateKey(c.stack.keys.privatePem), publicPem: c.stack.keys.publicPem, kid: c.stack.keys.kid,
    issuerUrl: c.stack.issuer.issuerUrl, audience: 'observatorium',
  };
  return {
    name: 'jwt',
    arbitrary: jwtSpec,
    runs,
    settle: () => c.stack.settle(),
    extraKinds: ['defective tokens accepted', 'sound tokens refused'],
    async check(spec) {
      const t = await materialize(keys, spec);
      const a = await read(c, 'query', 'GET', [['query', 'vector(1)']], t.token);
      const out = judged(c, a);
      const ok = a.status >= 200 && a.status < 300;
      if (ok && t.mustReject) out.push({ kind: 'defective tokens accepted', key: t.defects.join(' + '), detail: `${a.status} for ${t.defects.join(' + ')}` });
      if (!ok && t.defects.length === 0) out.push({ kind: 'sound tokens refused', key: String(a.status), detail: `${a.status} ${a.text.slice(0, 200)}` });
      return out;
    },
  };
}

const PROMETHEUS_ENDPOINTS = new Set(['query_exemplars', 'metadata', 'status/buildinfo']);

/**
 * Query parameters on every read endpoint: besides the shared invariants, Prometheus's contract that
 * /series needs match[] (400 otherwise) and that its read endpoints exist behind the API.
 */
export function params(c: Ctx, runs: number): PropertySpec<ParamsCase> {
  return {
    name: 'query parameters',
    arbitrary: paramsCase(c.now),
    runs,
    settle: () => c.stack.settle(),
    extraKinds: ['series without match[] answered', 'Prometheus endpoints missing', 'cross-tenant leaks'],
    async check(x) {
      const a = await read(c, x.endpoint, x.method, x.params);
      const out = judged(c, a);
      if (x.endpoint === 'series' && !x.params.some(([k]) => k === 'match[]') && a.status >= 200 && a.status < 300) {
        out.push({ kind: 'series without match[] answered', key: '', detail: `${a.status} ${a.text.slice(0, 200)}` });
      }
      if (PROMETHEUS_ENDPOINTS.has(x.endpoint) && a.status === 404) out.push({ kind: 'Prometheus endpoints missing', key: x.endpoint, detail: `${x.endpoint}: ${a.status} ${a.text.slice(0, 200)}` });
      return out;
    },
  };
}
