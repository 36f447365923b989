// The doctor's TLS cause at unit level: real HTTPS servers whose certificates the doctor refuses (expired, for
// another host name, from an unknown CA) give `tls-untrusted`, confirmed, with the TLS reason as evidence, in the
// reachability check (4.1) and the Observatorium URL check (2); a certificate from the trusted CA does not.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { runLiveObservatoriumUrlCheck } from '../../src/doctor/live/observatorium-url.js';
import { runLiveReachabilityCheck } from '../../src/doctor/live/refresher.js';
import { DEFAULT_TIMEOUTS } from '../../src/doctor/live/targets.js';
import { causeOfTokenFailure } from '../../src/doctor/live/token-failure.js';
import { trustExtraCa } from '../../src/http/extra-ca.js';
import { tempDir } from '../../tools/testing/net.js';
import { issueCert, loopbackServerCert, makeCa, type CertFiles } from '../../tools/testing/tls.js';

const timeouts = { ...DEFAULT_TIMEOUTS, httpMs: 2000, connectMs: 2000 };
const servers: Server[] = [];
const urls: Record<'good' | 'expired' | 'wrongHost' | 'unknownCa', string> = { good: '', expired: '', wrongHost: '', unknownCa: '' };
let dir: Awaited<ReturnType<typeof tempDir>>;

async function serve(cert: CertFiles): Promise<string> {
  const server = createServer({ cert: cert.cert, key: cert.key }, (_req, res) => {
    res.writeHead(401, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'error', errorType: 'unauthorized', error: 'no token' }));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

before(async () => {
  dir = await tempDir();
  const trusted = makeCa(dir.path, 'trusted-ca');
  const other = makeCa(dir.path, 'other-ca');
  trustExtraCa(trusted.cert);
  urls.good = await serve(loopbackServerCert(trusted, 'good'));
  urls.expired = await serve(loopbackServerCert(trusted, 'expired', { notBefore: new Date(Date.now() - 3 * 86400_000), notAfter: new Date(Date.now() - 86400_000) }));
  urls.wrongHost = await serve(issueCert(trusted, 'wrong-host', { cn: 'other.example', dns: ['other.example'], usage: 'server' }));
  urls.unknownCa = await serve(loopbackServerCert(other, 'unknown-ca'));
});

after(async () => {
  for (const s of servers) { s.closeAllConnections(); s.close(); }
  await dir.cleanup();
});

describe('tls-untrusted', () => {
  for (const [name, reason] of [['expired', 'expired'], ['wrongHost', 'hostname_mismatch'], ['unknownCa', 'unknown_authority']] as const) {
    it(`${name}: the reachability and URL checks name tls-untrusted with "${reason}"`, async () => {
      const reach = await runLiveReachabilityCheck({ origin: 't', fleetRefresherUrl: urls[name], timeouts });
      assert.equal(reach.suspects[0]?.cause, 'tls-untrusted', JSON.stringify(reach));
      assert.equal(reach.suspects[0]?.confidence, 'confirmed');
      assert.match(reach.suspects[0]!.because, new RegExp(reason));
      const url = await runLiveObservatoriumUrlCheck({ origin: 't', observatoriumUrl: `${urls[name]}/api/metrics/v1/managedkafka`, tenant: 'managedkafka', timeouts });
      assert.equal(url.suspects[0]?.cause, 'tls-untrusted', JSON.stringify(url));
      assert.match(url.suspects[0]!.because, new RegExp(reason));
    });
  }

  it('a certificate from the trusted CA: no TLS suspect', async () => {
    const reach = await runLiveReachabilityCheck({ origin: 't', fleetRefresherUrl: urls.good, timeouts });
    assert.equal(reach.status, 'ok', JSON.stringify(reach));
    const url = await runLiveObservatoriumUrlCheck({ origin: 't', observatoriumUrl: `${urls.good}/api/metrics/v1/managedkafka`, tenant: 'managedkafka', timeouts });
    assert.ok(!url.suspects.some((s) => s.cause === 'tls-untrusted'), JSON.stringify(url));
    assert.ok(url.evidence.some((e) => /certificate of .* verifies/.test(e.text)), JSON.stringify(url.evidence));
  });

  it("the refresher's issuer_tls token failure is tls-untrusted", () => {
    assert.equal(causeOfTokenFailure('issuer_tls')?.cause, 'tls-untrusted');
  });
});
