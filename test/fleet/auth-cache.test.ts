// The fleet manager's verified-token cache (src/fleet/auth.ts): a hit skips verification, but never past the
// token's exp, never after the issuer's key set changed, and never holds more than its bound. A small loopback
// issuer serves discovery and a JWKS that the tests rotate.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { Authenticator } from '../../src/fleet/auth.js';
import { ServiceError } from '../../src/fleet/errors.js';

type Key = Awaited<ReturnType<typeof generateKeyPair>> & { kid: string; jwk: JWK };

let server: Server;
let issuerUrl: string;
let served: Key[] = [];
let jwksFetches = 0;

async function newKey(kid: string): Promise<Key> {
  const pair = await generateKeyPair('RS256', { extractable: true });
  return { ...pair, kid, jwk: { ...(await exportJWK(pair.publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

function sign(key: Key, expSec: number, claims: Record<string, unknown> = { org_id: '1', username: 'alice' }): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: key.kid }).setIssuer(issuerUrl).setExpirationTime(expSec).sign(key.privateKey);
}

const nowSec = () => Math.floor(Date.now() / 1000);

/** Counts the verifications the authenticator really does (the cache's misses). */
function countVerifications(auth: Authenticator): { count: number } {
  const counter = { count: 0 };
  const verifier = (auth as unknown as { verifier: { verify: (...a: unknown[]) => Promise<unknown> } }).verifier;
  const verify = verifier.verify.bind(verifier);
  verifier.verify = (...a: unknown[]) => {
    counter.count++;
    return verify(...a);
  };
  return counter;
}

async function refused(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => err instanceof ServiceError && err.statusCode === 401 && pattern.test(err.reason));
}

before(async () => {
  server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/.well-known/openid-configuration') return res.end(JSON.stringify({ issuer: issuerUrl, jwks_uri: `${issuerUrl}/jwks` }));
    if (req.url === '/jwks') {
      jwksFetches++;
      return res.end(JSON.stringify({ keys: served.map((k) => k.jwk) }));
    }
    res.statusCode = 404;
    res.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuerUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => new Promise<void>((resolve) => server.close(() => resolve())));

test('a verified token is answered from the cache: the same caller, no second verification', async () => {
  const key = await newKey('k1');
  served = [key];
  const auth = new Authenticator({ issuerUrl });
  try {
    const verifications = countVerifications(auth);
    const token = await sign(key, nowSec() + 300);
    const first = await auth.authenticate(`Bearer ${token}`);
    const second = await auth.authenticate(`Bearer ${token}`);
    assert.deepEqual(second, first);
    assert.equal(second.orgId, '1');
    assert.equal(verifications.count, 1);
    assert.equal(auth.cachedTokens, 1);
    // A refused token is not cached: every attempt is checked again.
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT({ org_id: '1' }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer(issuerUrl).setExpirationTime(nowSec() + 300).sign(privateKey);
    await refused(auth.authenticate(`Bearer ${forged}`), /not signed by the issuer's keys/);
    await refused(auth.authenticate(`Bearer ${forged}`), /not signed by the issuer's keys/);
    assert.equal(verifications.count, 3);
    assert.equal(auth.cachedTokens, 1);
  } finally {
    await auth.close();
  }
});

test('a cached token stops being accepted at its exp, as without the cache', async () => {
  const key = await newKey('k-exp');
  served = [key];
  const auth = new Authenticator({ issuerUrl, cacheTtlMs: 600_000 });
  try {
    const exp = nowSec() + 2;
    const token = await sign(key, exp);
    await auth.authenticate(`Bearer ${token}`);
    await new Promise((r) => setTimeout(r, exp * 1000 - Date.now() + 50));
    await refused(auth.authenticate(`Bearer ${token}`), /expired/);
  } finally {
    await auth.close();
  }
});

test('when the issuer drops a key, tokens it signed stop being accepted as soon as the new key set is fetched', async () => {
  const [old, rotated] = [await newKey('k-old'), await newKey('k-new')];
  served = [old];
  const auth = new Authenticator({ issuerUrl });
  try {
    const oldToken = await sign(old, nowSec() + 300);
    await auth.authenticate(`Bearer ${oldToken}`);
    assert.equal(auth.cachedTokens, 1);
    // The issuer rotates; a token of the new key (an unknown kid) makes the verifier refetch the JWKS, once its
    // 5 s cooldown since the last fetch has passed.
    served = [rotated];
    await new Promise((r) => setTimeout(r, 5100));
    const fetchesBefore = jwksFetches;
    await auth.authenticate(`Bearer ${await sign(rotated, nowSec() + 300)}`);
    assert.equal(jwksFetches, fetchesBefore + 1);
    await refused(auth.authenticate(`Bearer ${oldToken}`), /not signed by the issuer's keys/);
  } finally {
    await auth.close();
  }
});

test('once the keys are due for a refetch the cache is bypassed, so a key dropped meanwhile is noticed', async () => {
  const [old, rotated] = [await newKey('k-stale'), await newKey('k-stale-new')];
  served = [old];
  const auth = new Authenticator({ issuerUrl, keyMaxAgeMs: 1000, cacheTtlMs: 600_000 });
  try {
    const oldToken = await sign(old, nowSec() + 300);
    await auth.authenticate(`Bearer ${oldToken}`);
    served = [rotated];
    await auth.authenticate(`Bearer ${oldToken}`); // keys still fresh: from the cache
    await new Promise((r) => setTimeout(r, 1100));
    await refused(auth.authenticate(`Bearer ${oldToken}`), /not signed by the issuer's keys/);
  } finally {
    await auth.close();
  }
});

test('the cache holds at most cacheMax tokens, dropping the oldest; cacheMax 0 turns it off', async () => {
  const key = await newKey('k-bound');
  served = [key];
  const auth = new Authenticator({ issuerUrl, cacheMax: 2 });
  const off = new Authenticator({ issuerUrl, cacheMax: 0 });
  try {
    const verifications = countVerifications(auth);
    const tokens = await Promise.all([1, 2, 3].map((i) => sign(key, nowSec() + 300, { org_id: String(i), username: `u${i}` })));
    for (const t of tokens) await auth.authenticate(`Bearer ${t}`);
    assert.equal(auth.cachedTokens, 2);
    assert.equal(verifications.count, 3);
    await auth.authenticate(`Bearer ${tokens[2]}`); // newest: held
    assert.equal(verifications.count, 3);
    await auth.authenticate(`Bearer ${tokens[0]}`); // oldest: dropped, verified again
    assert.equal(verifications.count, 4);
    assert.equal(auth.cachedTokens, 2);
    const offVerifications = countVerifications(off);
    await off.authenticate(`Bearer ${tokens[0]}`);
    await off.authenticate(`Bearer ${tokens[0]}`);
    assert.equal(offVerifications.count, 2);
    assert.equal(off.cachedTokens, 0);
  } finally {
    await auth.close();
    await off.close();
  }
});
