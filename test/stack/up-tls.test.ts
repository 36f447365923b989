// `obspath up --tls`: the whole stack over HTTPS with a CA made at start. Healthy, the doctor (which reads the CA
// from stack.json) finds nothing and a dashboard query crosses fleet manager -> refresher -> API -> store over
// TLS; catalog faults keep their verdicts over TLS; a refresher given another CA names the new tls-untrusted cause.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Agent, request } from 'undici';
import { localDoctorOptions } from '../../src/doctor/local/options.js';
import type { DoctorReport } from '../../src/doctor/report.js';
import { runDoctor } from '../../src/doctor/run.js';
import { classifyNetworkError } from '../../src/http/net-errors.js';
import { DEMO_INSTANCES, startStack, type RunningStack } from '../../src/stack/index.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { freePortRange, tempDir, waitUntil } from '../../tools/testing/net.js';
import { startObspath } from '../../tools/testing/procs.js';
import { makeCa } from '../../tools/testing/tls.js';

async function withTlsStack(faults: string[], fn: (s: RunningStack, dataDir: string) => Promise<void>, wrap?: Record<string, string[]>): Promise<void> {
  const dir = await tempDir();
  const out = new PassThrough();
  out.resume();
  const stack = await startStack({ dataDir: dir.path, basePort: await freePortRange(13), faults, out, logger: createLogger({ component: 'up', level: 'warn', destination: out }), logLevel: 'warn', readyTimeoutMs: 30_000, tls: true, wrap });
  try {
    if (stack.notReady.length > 0) {
      const logs = await Promise.all(stack.notReady.map(async (c) => `${c}: ${(await readFile(join(dir.path, 'logs', `${c}.log`), 'utf8').catch(() => '(no log)')).slice(-1500)}`));
      assert.fail(`not ready: ${stack.notReady.join(', ')}\n${logs.join('\n')}`);
    }
    // Traffic first, as the fault matrix does: two dashboard requests answered (or failed) at the fleet manager.
    await waitUntil(() => Object.values(stack.userTraffic.stats()).reduce((a, b) => a + b, 0) >= 2, 30_000, 'two dashboard requests');
    await fn(stack, dir.path);
  } finally {
    await stack.stop();
    await dir.cleanup();
  }
}

const diagnose = async (dataDir: string): Promise<DoctorReport> => runDoctor(await localDoctorOptions({ dataDir }));
const summary = (r: DoctorReport): string =>
  [...r.checks.map((c) => `${c.step} ${c.status}: ${c.summary}`), ...r.verdicts.map((v) => `verdict ${v.cause} (${v.confidence}): ${v.because.join(' | ')}`)].join('\n');

async function json(url: string, init: Parameters<typeof request>[1] = {}): Promise<{ status: number; body: any }> {
  const res = await request(url, { headersTimeout: 15_000, bodyTimeout: 15_000, ...init });
  return { status: res.statusCode, body: await res.body.json().catch(() => undefined) };
}

describe('obspath up --tls', () => {
  it('healthy: every URL is https, queries cross the path over TLS, the store scrapes over TLS, the doctor finds nothing', async () => {
    await withTlsStack([], async (stack, dataDir) => {
      const { plan } = stack;
      assert.ok(plan.tls, 'the plan has the stack CA');
      // doctor serve and the console (local operator pages, as the fault stand-ins) stay http.
      assert.ok(stack.endpoints.filter((e) => e.component !== 'doctor' && e.component !== 'console').every((e) => e.url.startsWith('https://')), JSON.stringify(stack.endpoints));
      const stackFile = JSON.parse(await readFile(join(dataDir, 'stack.json'), 'utf8'));
      assert.equal(stackFile.tls.caFile, plan.tls.caFile);
      // A client without the stack's CA is refused: unknown authority.
      const untrusted = await request(`${plan.url(plan.ports.refresher)}/api/v1/query?query=up`, { dispatcher: new Agent() }).then(() => undefined, (err: unknown) => err);
      assert.equal(classifyNetworkError(untrusted).tls, 'unknown_authority');
      // The dashboard user's query: issuer -> fleet manager -> refresher -> API -> store, every hop https.
      const tok = await json(`${plan.issuerUrl}/token`, {
        method: 'POST', body: 'grant_type=client_credentials', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`demo-user:${plan.secrets.demoUser}`).toString('base64')}` },
      });
      assert.equal(tok.status, 200);
      const q = await json(`${plan.url(plan.ports.fleetManager)}/api/kafkas_mgmt/v1/kafkas/${DEMO_INSTANCES[0]!.id}/metrics/query?filters=kafka_server_brokertopicmetrics_bytes_in_total`, { headers: { authorization: `Bearer ${tok.body.access_token}` } });
      assert.equal(q.status, 200, JSON.stringify(q.body));
      // Through the refresher (it adds the token): the store scrapes all five components' https listeners.
      let up: any;
      await waitUntil(async () => {
        up = await json(`${plan.url(plan.ports.refresher)}/api/v1/query?query=${encodeURIComponent('count(up == 1)')}`);
        return up.status === 200 && up.body?.data?.result?.[0]?.value?.[1] === '5';
      }, 20_000, 'count(up == 1) == 5 through the refresher');
      const r = await diagnose(dataDir);
      assert.equal(r.status, 'ok', summary(r));
      assert.deepEqual(r.verdicts, []);
    });
  });

  for (const [fault, verdict] of [['wrong-client-secret', 'invalid-client-credentials'], ['api-down', 'observatorium-down']] as const) {
    it(`fault ${fault} over TLS: top verdict ${verdict}, confirmed`, async () => {
      await withTlsStack([fault], async (_stack, dataDir) => {
        const r = await diagnose(dataDir);
        assert.equal(r.verdicts[0]?.cause, verdict, summary(r));
        assert.equal(r.verdicts[0]?.confidence, 'confirmed', summary(r));
      });
    });
  }

  it('the refresher trusting another CA: top verdict tls-untrusted, with the TLS reason as evidence', async () => {
    const other = await tempDir();
    try {
      const ca = makeCa(other.path, 'another-ca');
      // A later --upstream.ca-file wins over the plan's: the refresher verifies the API against the wrong CA.
      const wrap = { 'token-refresher': ['sh', '-c', `exec "$@" --upstream.ca-file ${ca.certFile}`, 'sh'] };
      await withTlsStack([], async (_stack, dataDir) => {
        const r = await diagnose(dataDir);
        const top = r.verdicts[0];
        assert.equal(top?.cause, 'tls-untrusted', summary(r));
        assert.equal(top?.confidence, 'confirmed', summary(r));
        assert.match(top!.because.join('\n'), /unknown_authority|unknown authority|self-signed/i, summary(r));
      }, wrap);
    } finally {
      await other.cleanup();
    }
  });

  it('without the openssl CLI on PATH: a clear error naming the package, nothing started', async () => {
    const dir = await tempDir();
    const empty = await tempDir();
    const up = startObspath(['up', '--tls', '--ports', String(await freePortRange(13)), '--data', dir.path], { PATH: empty.path });
    try {
      await waitUntil(() => up.child.exitCode !== null, 15_000, `up exits\n${up.output()}`);
      assert.equal(up.child.exitCode, 1);
      assert.match(up.output(), /--tls: the openssl CLI, which makes the certificates, is not on PATH; install it \(Debian\/Ubuntu: apt-get install openssl\)/);
      assert.doesNotMatch(up.output(), /ready in/);
    } finally {
      await up.kill();
      await dir.cleanup();
      await empty.cleanup();
    }
  });
});
