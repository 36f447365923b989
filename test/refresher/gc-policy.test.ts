// The proxy's V8 policy (src/refresher/gc-policy.ts): allocation-site pretenuring off unless the operator
// keeps it, decided from the environment and node's own arguments, and applied by a running refresher.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { freePort, tempDir, waitUntil } from '../../tools/testing/net.js';
import { startIssuerProc, startRefresherProc, type IssuerProc } from '../../tools/testing/stack.js';
import { PRETENURING_ENV, pretenuringFlag } from '../../src/refresher/gc-policy.js';

const SECRET = 'gc-policy-secret-51c2';
let dir: { path: string; cleanup: () => Promise<void> };
let issuer: IssuerProc;

before(async () => {
  dir = await tempDir();
  issuer = await startIssuerProc({ dir: dir.path, clients: [{ clientID: 'gc', clientSecret: SECRET }] });
});

after(async () => {
  await issuer.stop();
  await dir.cleanup();
});

test('pretenuring is turned off by default and when asked for, kept when the operator says so', () => {
  assert.equal(pretenuringFlag({}, []), '--no-allocation-site-pretenuring');
  assert.equal(pretenuringFlag({ [PRETENURING_ENV]: 'off' }, []), '--no-allocation-site-pretenuring');
  assert.equal(pretenuringFlag({ [PRETENURING_ENV]: 'on' }, []), undefined);
  assert.equal(pretenuringFlag({}, ['--allocation-site-pretenuring']), undefined);
  assert.equal(pretenuringFlag({}, ['--no-allocation_site_pretenuring']), undefined);
  assert.equal(pretenuringFlag({}, ['--max-old-space-size=64']), '--no-allocation-site-pretenuring');
  assert.equal(pretenuringFlag({ NODE_OPTIONS: '--max-old-space-size=64 --allocation-site-pretenuring' }, []), undefined, 'NODE_OPTIONS is the operator\'s too');
  assert.throws(() => pretenuringFlag({ [PRETENURING_ENV]: 'yes' }, []), /OBSPATH_REFRESHER_PRETENURING must be "on" or "off", got "yes"/);
});

/** The `pretenuring` field of the refresher's startup line. */
async function startedWith(nodeArgs: string[]): Promise<unknown> {
  // Nothing is proxied: the upstream is never called, so any loopback URL does.
  const r = await startRefresherProc({ issuerUrl: issuer.issuerUrl, clientId: 'gc', clientSecret: SECRET, upstreamUrl: `http://127.0.0.1:${await freePort()}`, nodeArgs });
  try {
    await waitUntil(() => r.proc.output().includes('token refresher started'), 10_000, r.proc.output());
    const line = r.proc.output().split('\n').find((l) => l.includes('token refresher started'))!;
    return (JSON.parse(line) as { pretenuring?: unknown }).pretenuring;
  } finally {
    await r.stop();
  }
}

test('a running refresher proxies with pretenuring off, or on when node was started with the flag', async () => {
  assert.equal(await startedWith([]), false);
  assert.equal(await startedWith(['--allocation-site-pretenuring']), true);
});
