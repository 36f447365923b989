// In-process checks of the API's pure parts: PromQL enforcement (cases and a randomized invariant check),
// remote-write relabelling, config file errors, RBAC decisions and the rate limiter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import snappy from 'snappyjs';
import { parser } from '@prometheus-io/lezer-promql';
import { enforceQuery, enforceSeriesSelector, EnforceError } from '../../src/api/enforcement/promql.js';
import { rewriteRemoteWrite, setTenantLabel, setTenantLabelSliced } from '../../src/api/enforcement/remote-write.js';
import { snappyCompressSliced } from '../../src/remotewrite/wire.js';
import { unquote } from '../../src/api/enforcement/strings.js';
import { loadTenantsFile } from '../../src/api/config/tenants.js';
import { loadRbacFile } from '../../src/api/config/rbac.js';
import { ConfigFileError } from '../../src/api/config/files.js';
import { RbacAuthorizer } from '../../src/api/authorization/rbac.js';
import { RateLimiter } from '../../src/api/ratelimit/limiter.js';
import { filterRulesBody } from '../../src/api/enforcement/rules.js';
import { decodeWriteRequest } from '../../src/remotewrite/decode.js';
import { encodeTestWriteRequest } from '../../tools/testing/remote-write.js';
import { tempDir } from '../../tools/testing/net.js';
import { RBAC_YAML } from '../../tools/testing/api.js';

const L = 'tenant_id';
const ID = 'aaaa-1111';

test('enforcement puts the tenant matcher on every selector and overwrites the caller\'s', () => {
  const cases: Array<[string, string]> = [
    ['up', 'up{tenant_id="aaaa-1111"}'],
    ['up{job="x"}', 'up{job="x", tenant_id="aaaa-1111"}'],
    ['up{tenant_id="bbbb-2222"}', 'up{tenant_id="aaaa-1111"}'],
    ['up{tenant_id=~".+", job!="a"}', 'up{job!="a", tenant_id="aaaa-1111"}'],
    ['{"tenant_id"!="x", __name__=~"a.*"}', '{__name__=~"a.*", tenant_id="aaaa-1111"}'],
    ['{"tenant\\u005fid"="x", job="y"}', '{job="y", tenant_id="aaaa-1111"}'],
    ['rate(up[5m] offset 1m)', 'rate(up{tenant_id="aaaa-1111"}[5m] offset 1m)'],
    ['max_over_time(rate(up[1m])[5m:30s])', 'max_over_time(rate(up{tenant_id="aaaa-1111"}[1m])[5m:30s])'],
    ['sum by (job) (a) / on(job) group_left b', 'sum by (job) (a{tenant_id="aaaa-1111"}) / on(job) group_left b{tenant_id="aaaa-1111"}'],
    ['absent(nope) or vector(1)', 'absent(nope{tenant_id="aaaa-1111"}) or vector(1)'],
    ['label_replace(up, "tenant_id", "bbbb-2222", "", "")', 'label_replace(up{tenant_id="aaaa-1111"}, "tenant_id", "bbbb-2222", "", "")'],
    ['up @ start()', 'up{tenant_id="aaaa-1111"} @ start()'],
    ['1 + 2', '1 + 2'],
    ['up{job="a" # comment\n}', 'up{job="a", tenant_id="aaaa-1111"}'],
  ];
  for (const [q, want] of cases) assert.equal(enforceQuery(q, L, ID), want, q);
  assert.equal(enforceSeriesSelector('{job="x",tenant_id="b"}', L, ID), '{job="x", tenant_id="aaaa-1111"}');
  assert.throws(() => enforceSeriesSelector('rate(up[5m])', L, ID), EnforceError);
  for (const bad of ['sum(', 'up{', 'up{job="x}', '', '   ', 'foo bar', 'up{"a\\q"="b"}']) {
    assert.throws(() => enforceQuery(bad, L, ID), EnforceError, JSON.stringify(bad));
  }
});

test('string literals decode as Go does', () => {
  assert.equal(unquote('"a\\"b"'), 'a"b');
  assert.equal(unquote("'a\\'b'"), "a'b");
  assert.equal(unquote('`a\\b`'), 'a\\b');
  assert.equal(unquote('"\\x41\\u00e9\\101"'), 'AéA');
  assert.throws(() => unquote('"\\q"'));
});

/** Every vector selector of `q` (per lezer), as its set of tenant matchers. */
function tenantMatchers(q: string): string[][] {
  const out: string[][] = [];
  parser.parse(q).iterate({
    enter(n) {
      if (n.name !== 'VectorSelector') return;
      const ms: string[] = [];
      const lm = n.node.getChild('LabelMatchers');
      for (let c = lm?.firstChild; c; c = c.nextSibling) {
        const name = c.name === 'UnquotedLabelMatcher' ? q.slice(c.getChild('LabelName')!.from, c.getChild('LabelName')!.to) : c.name === 'QuotedLabelMatcher' ? unquote(q.slice(c.firstChild!.from, c.firstChild!.to)) : null;
        if (name === L) ms.push(q.slice(c.from, c.to));
      }
      out.push(ms);
    },
  });
  return out;
}

test('randomized: enforced queries always have exactly one tenant matcher per selector', () => {
  let seed = 12345;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
  const pick = <T>(a: readonly T[]) => a[rnd(a.length)]!;
  const matchers = ['job="a"', 'tenant_id="bbbb-2222"', 'tenant_id=~".*"', '"tenant_id"!="x"', '__name__=~"m.*"', 'x!~"y"'];
  const sel = (): string => {
    const ms = Array.from({ length: rnd(3) }, () => pick(matchers));
    const name = rnd(3) === 0 ? '' : pick(['m1', 'm2', 'up']);
    if (!name && ms.length === 0) ms.push('__name__=~".+"');
    return ms.length ? `${name}{${ms.join(',')}}` : name;
  };
  const expr = (d: number): string => {
    if (d === 0) return sel();
    switch (rnd(9)) {
      case 0: return `sum by (job) (${expr(d - 1)})`;
      case 1: return `rate(${sel()}[5m])`;
      case 2: return `${expr(d - 1)} ${pick(['or', 'and', 'unless', '+', '/'])} ${pick(['on()', 'ignoring(job)', ''])} ${expr(d - 1)}`;
      case 3: return `max_over_time(${expr(d - 1)}[5m:1m])`;
      case 4: return `absent(${sel()})`;
      case 5: return `label_replace(${expr(d - 1)}, "tenant_id", "bbbb-2222", "", "")`;
      case 6: return `(${expr(d - 1)})`;
      case 7: return `${sel()} offset 1m`;
      default: return `topk(2, ${expr(d - 1)})`;
    }
  };
  for (let i = 0; i < 500; i++) {
    const q = expr(rnd(4));
    const out = enforceQuery(q, L, ID);
    const before = tenantMatchers(q).length;
    const after = tenantMatchers(out);
    assert.equal(after.length, before, `${q} -> ${out}`);
    for (const ms of after) assert.deepEqual(ms, [`tenant_id="${ID}"`], `${q} -> ${out}`);
  }
});

test('remote write: the tenant label is set on every series, sorted, and a caller\'s value replaced', async () => {
  const now = Date.now();
  const body = encodeTestWriteRequest([
    { labels: { __name__: 'a', tenant_id: 'bbbb-2222', z: '1' }, samples: [[now, 1], [now + 1, NaN]] },
    { labels: { __name__: 'b', aa: 'x', tenant_idz: 'y' }, samples: [[now, 2]] },
  ]);
  const stats = { series: 0, overwritten: 0 };
  const out = await rewriteRemoteWrite(body, L, ID, 1 << 20, stats);
  const wr = decodeWriteRequest(Buffer.from(snappy.uncompress(out)));
  assert.deepEqual(stats, { series: 2, overwritten: 1 });
  assert.deepEqual(wr.timeseries[0]!.labels.map((l) => `${l.name}=${l.value}`), ['__name__=a', `tenant_id=${ID}`, 'z=1']);
  assert.deepEqual(wr.timeseries[1]!.labels.map((l) => `${l.name}=${l.value}`), ['__name__=b', 'aa=x', `tenant_id=${ID}`, 'tenant_idz=y']);
  assert.equal(wr.timeseries[0]!.samples.length, 2);
  assert.ok(Number.isNaN(wr.timeseries[0]!.samples[1]!.value));
  await assert.rejects(rewriteRemoteWrite(Buffer.from('not snappy at all'), L, ID, 1 << 20), /snappy|proto/);
  await assert.rejects(rewriteRemoteWrite(body, L, ID, 10), (e: Error & { status?: number }) => e.status === 413);
  await assert.rejects(rewriteRemoteWrite(Buffer.from(snappy.compress(Buffer.from([0x0a, 0x05, 0x0a]))), L, ID, 1 << 20), /proto/);
});

// Hand-built protobuf, with unknown fields (legal in proto3) of every wire type at every depth.
const vint = (v: number): number[] => (v < 0x80 ? [v] : [(v % 128) | 0x80, ...vint(Math.floor(v / 128))]);
const field = (f: number, body: number[]): number[] => [(f << 3) | 2, ...vint(body.length), ...body];
const utf8 = (x: string): number[] => [...Buffer.from(x)];
const UNKNOWN = [0x28, 0x00, 0x31, 1, 2, 3, 4, 5, 6, 7, 8, 0x3a, 0x02, 0xaa, 0xbb, 0x45, 1, 2, 3, 4];
const pbLabel = (name: string, value: string, junk: number[] = []) => field(1, [...field(1, utf8(name)), ...junk, ...field(2, utf8(value))]);
const pbSample = field(2, [0x09, 0, 0, 0, 0, 0, 0, 0xf8, 0x3f, ...UNKNOWN, 0x10, 0x01]);

test('remote write: unknown fields at every depth are copied as they are, and a rewrite stopped at any byte gives what one pass gives', async () => {
  const exemplar = field(3, [1, 2, 3]);
  const raw = Buffer.from([
    ...UNKNOWN,
    ...field(1, [...UNKNOWN, ...pbLabel('__name__', 'up', UNKNOWN), ...pbSample, ...UNKNOWN, ...pbLabel(L, 'evil'), ...pbLabel('zz', '1'), ...exemplar, ...pbSample]),
    ...field(3, [0x08, 0x01]),
    ...UNKNOWN,
    ...field(1, [...pbLabel('__name__', 'down')]),
  ]);
  // Labels first (the caller's tenant label dropped, ours in its sorted place), then every other field in order.
  const want = Buffer.from([
    ...UNKNOWN,
    ...field(1, [...pbLabel('__name__', 'up', UNKNOWN), ...pbLabel(L, ID), ...pbLabel('zz', '1'), ...UNKNOWN, ...pbSample, ...UNKNOWN, ...exemplar, ...pbSample]),
    ...field(3, [0x08, 0x01]),
    ...UNKNOWN,
    ...field(1, [...pbLabel('__name__', 'down'), ...pbLabel(L, ID)]),
  ]);
  const stats = { series: 0, overwritten: 0 };
  assert.deepEqual(setTenantLabel(raw, L, ID, stats).toString('hex'), want.toString('hex'));
  assert.deepEqual(stats, { series: 2, overwritten: 1 });
  const outcome = async (run: () => Buffer | Promise<Buffer>) => {
    try {
      return (await run()).toString('hex');
    } catch (err) {
      return `error: ${(err as Error).message}`;
    }
  };
  let errors = 0;
  for (let cut = 0; cut <= raw.length; cut++) {
    const buf = raw.subarray(0, cut);
    const whole = await outcome(() => setTenantLabel(buf, L, ID));
    if (whole.startsWith('error')) errors++;
    for (const step of [1, 3]) {
      assert.equal(await outcome(() => setTenantLabelSliced(buf, L, ID, undefined, undefined, step)), whole, `cut at ${cut}, steps of ${step}`);
    }
  }
  assert.ok(errors > raw.length / 2, `${errors} of ${raw.length + 1} cuts are corrupt`);
});

test('remote write: snappy compression in slices gives the bytes snappy.compress gives', async () => {
  let x = 7;
  const data = Buffer.alloc((5 << 18) + 12345);
  for (let i = 0; i < data.length; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    data[i] = i % 4096 < 2048 ? 'compressible '.charCodeAt(i % 13) : x >>> 16; // runs of text and of noise
  }
  for (const n of [0, 1, 100, 1 << 16, (1 << 18) + 1, data.length]) {
    const part = data.subarray(0, n);
    assert.equal(Buffer.compare(await snappyCompressSliced(part), Buffer.from(snappy.compress(part))), 0, `${n} bytes`);
  }
});

test('config files: unknown fields and invalid entries name the file, the path and the reason', async () => {
  const dir = await tempDir();
  try {
    const f = join(dir.path, 't.yaml');
    writeFileSync(f, 'tenants:\n  - name: a\n    id: x\n    oidc: { issuerURL: "http://i", clientID: c, bogus: 1 }\n  - name: a\n    id: y\n    oidc: { issuerURL: "not a url", clientID: c }\n    rateLimits: [{ endpoint: "(", limit: 1, window: 1s }]\n  - name: c\n    id: z\n    mTLS: { caPath: x, bogus: 1 }\n');
    assert.throws(() => loadTenantsFile(f), (e: Error) => {
      assert.ok(e instanceof ConfigFileError);
      assert.match(e.message, new RegExp(f.replace(/[/.]/g, '\\$&')));
      assert.match(e.message, /tenants\[0\]\.oidc: unknown field "bogus"/);
      assert.match(e.message, /tenants\[1\]\.oidc\.issuerURL: must be an absolute/);
      assert.match(e.message, /tenants\[1\]\.rateLimits\[0\]\.endpoint: invalid regular expression/);
      assert.match(e.message, /tenants\[2\]\.mTLS: unknown field "bogus"/);
      return true;
    });
    writeFileSync(f, 'tenants:\n  - name: a\n    id: x\n    oidc: { issuerURL: "http://i", clientID: c }\n  - name: a\n    id: y\n    oidc: { issuerURL: "http://i", clientID: c }\n  - name: b\n    id: z\n');
    assert.throws(() => loadTenantsFile(f), /tenants\[1\]\.name: duplicate tenant name "a"[\s\S]*tenants\[2\]: tenant "b" has no authenticator/);
    writeFileSync(f, 'tenants:\n  - name: a\n    id: x\n    oidc: { issuerURL: "http://i/", clientID: c }\n    rateLimits: [{ endpoint: "/receive", limit: 5, window: 1000000000 }]\n');
    const [t] = loadTenantsFile(f);
    assert.equal(t!.rateLimits[0]!.windowMs, 1000);
    assert.equal(t!.oidc!.audience, 'c');
    const r = join(dir.path, 'r.yaml');
    writeFileSync(r, 'roles:\n  - { name: x, resources: [metrics], tenants: [a], permissions: [read, admin] }\nroleBindings:\n  - { name: b, roles: [nope], subjects: [{ name: u, kind: robot }] }\n');
    assert.throws(() => loadRbacFile(r), /roles\[0\]\.permissions\[1\]: must be "read" or "write"[\s\S]*roleBindings\[0\]\.subjects\[0\]\.kind/);
    writeFileSync(r, 'roles: []\nroleBindings:\n  - { name: b, roles: [nope], subjects: [] }\n');
    assert.throws(() => loadRbacFile(r), /roleBindings\[0\]\.roles\[0\]: unknown role "nope"/);
    writeFileSync(r, RBAC_YAML);
    const rbac = new RbacAuthorizer(loadRbacFile(r));
    assert.equal(rbac.allowed({ name: 'x', groups: ['alpha-rw'] }, 'alpha', 'metrics', 'write'), true);
    assert.equal(rbac.allowed({ name: 'x', groups: ['alpha-rw'] }, 'beta', 'metrics', 'read'), false);
    assert.equal(rbac.allowed({ name: 'alpha-reader', groups: [] }, 'alpha', 'metrics', 'read'), true);
    assert.equal(rbac.allowed({ name: 'alpha-reader', groups: [] }, 'alpha', 'metrics', 'write'), false);
    assert.equal(rbac.allowed({ name: 'alpha-reader', groups: [] }, 'alpha', 'logs', 'read'), false);
  } finally {
    await dir.cleanup();
  }
});

test('rate limiter: sliding window per tenant and endpoint, first matching regex wins', () => {
  const rl = new RateLimiter();
  const limits = [{ endpoint: /receive/, limit: 3, windowMs: 1000 }, { endpoint: /.*/, limit: 100, windowMs: 1000 }];
  const t0 = 1_000_000;
  for (let i = 0; i < 3; i++) assert.equal(rl.take('a', limits, '/x/receive', t0 + i)!.allowed, true);
  const d = rl.take('a', limits, '/x/receive', t0 + 10)!;
  assert.equal(d.allowed, false);
  assert.ok(d.retryAfterSec >= 1);
  assert.equal(rl.take('b', limits, '/x/receive', t0 + 10)!.allowed, true, 'other tenant has its own budget');
  assert.equal(rl.take('a', limits, '/x/query', t0 + 10)!.allowed, true, 'other endpoint has its own budget');
  assert.equal(rl.take('a', limits, '/x/receive', t0 + 1100)!.allowed, false, '90% of the previous window still counts');
  assert.equal(rl.take('a', limits, '/x/receive', t0 + 2100)!.allowed, true);
  assert.equal(rl.take('a', [], '/x', t0), null);
});

test('rules and alerts responses keep only the tenant\'s own', () => {
  const body = JSON.stringify({ status: 'success', data: { groups: [{ name: 'g', rules: [
    { name: 'r1', labels: { tenant_id: ID }, alerts: [{ labels: { tenant_id: ID } }, { labels: { tenant_id: 'other' } }] },
    { name: 'r2', labels: { tenant_id: 'other' } },
    { name: 'r3' },
  ] }, { name: 'h', rules: [{ name: 'x' }] }] } });
  const out = JSON.parse(filterRulesBody('rules', body, L, ID)!);
  assert.equal(out.data.groups.length, 1);
  assert.deepEqual(out.data.groups[0].rules.map((r: { name: string }) => r.name), ['r1']);
  assert.equal(out.data.groups[0].rules[0].alerts.length, 1);
  const alerts = JSON.parse(filterRulesBody('alerts', JSON.stringify({ status: 'success', data: { alerts: [{ labels: { tenant_id: ID } }, { labels: {} }] } }), L, ID)!);
  assert.equal(alerts.data.alerts.length, 1);
});
