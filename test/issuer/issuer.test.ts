import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLocalJWKSet, createRemoteJWKSet, decodeProtectedHeader, decodeJwt, jwtVerify, type JSONWebKeySet } from 'jose';
import { startIssuer } from '../../src/issuer/server.js';
import { parseClients } from '../../src/issuer/clients.js';
import { loadSigningKey } from '../../src/issuer/keys.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { tempDir } from '../../tools/testing/net.js';
import { startIssuerProc } from '../../tools/testing/stack.js';

const logger = createLogger({ component: 'issuer', level: 'silent' });
const clients = parseClients({
  clients: [
    { clientID: 'kas-fleet-manager', clientSecret: 'fm-secret-1', scopes: ['metrics:read'], audience: ['observatorium-telemeter', 'other-aud'], claims: { tenant: 'managedkafka', groups: ['readers'], org_id: '1234' } },
    { clientID: 'short', clientSecret: 'short-secret', tokenTTL: '2s' },
  ],
}).clients;

const issuer = await startIssuer({ listen: '127.0.0.1:0', realm: 'redhat-external', clients, tokenTtlMs: 300_000, logger });
after(() => issuer.close());

async function token(form: Record<string, string>, basic?: [string, string]) {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (basic) headers.authorization = `Basic ${Buffer.from(basic.join(':')).toString('base64')}`;
  const res = await fetch(`${issuer.issuerUrl}/token`, { method: 'POST', headers, body: new URLSearchParams({ grant_type: 'client_credentials', ...form }) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

test('discovery has the Keycloak-shaped issuer, token endpoint, JWKS and both client auth methods', async () => {
  assert.match(issuer.issuerUrl, /^http:\/\/127\.0\.0\.1:\d+\/auth\/realms\/redhat-external$/);
  const doc = (await (await fetch(`${issuer.issuerUrl}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
  assert.equal(doc.issuer, issuer.issuerUrl);
  assert.equal(doc.token_endpoint, `${issuer.issuerUrl}/token`);
  assert.equal(doc.jwks_uri, `${issuer.issuerUrl}/jwks`);
  assert.ok((doc.grant_types_supported as string[]).includes('client_credentials'));
  assert.deepEqual(new Set(doc.token_endpoint_auth_methods_supported as string[]), new Set(['client_secret_basic', 'client_secret_post']));
});

test('client_credentials with basic and post auth yields a verifiable JWT with the client claims', async () => {
  const jwks = createRemoteJWKSet(new URL(`${issuer.issuerUrl}/jwks`));
  const basic = await token({ scope: 'metrics:read', audience: 'observatorium-telemeter' }, ['kas-fleet-manager', 'fm-secret-1']);
  assert.equal(basic.status, 200);
  const post = await token({ client_id: 'kas-fleet-manager', client_secret: 'fm-secret-1' });
  assert.equal(post.status, 200);
  for (const t of [basic, post]) {
    const { payload } = await jwtVerify(t.body.access_token as string, jwks, { issuer: issuer.issuerUrl, audience: 'observatorium-telemeter', algorithms: ['RS256'] });
    assert.equal(payload.tenant, 'managedkafka');
    assert.deepEqual(payload.groups, ['readers']);
    assert.equal(payload.org_id, '1234');
    assert.equal(payload.client_id, 'kas-fleet-manager');
    assert.equal((payload.exp ?? 0) - (payload.iat ?? 0), 300);
  }
  assert.equal(basic.body.scope, 'metrics:read');
  const other = await token({ audience: 'other-aud' }, ['kas-fleet-manager', 'fm-secret-1']);
  await jwtVerify(other.body.access_token as string, jwks, { audience: 'other-aud' });
});

test('wrong secret is 401 invalid_client; unknown scope is invalid_scope; foreign audience is refused', async () => {
  const wrong = await token({}, ['kas-fleet-manager', 'nope']);
  assert.equal(wrong.status, 401);
  assert.equal(wrong.body.error, 'invalid_client');
  const unknownClient = await token({}, ['ghost', 'x']);
  assert.equal(unknownClient.status, 401);
  assert.equal(unknownClient.body.error, 'invalid_client');
  const scope = await token({ scope: 'metrics:read metrics:admin' }, ['kas-fleet-manager', 'fm-secret-1']);
  assert.equal(scope.status, 400);
  assert.equal(scope.body.error, 'invalid_scope');
  assert.match(String(scope.body.error_description), /metrics:admin/);
  const aud = await token({ audience: 'someone-else' }, ['kas-fleet-manager', 'fm-secret-1']);
  assert.equal(aud.status, 400);
  assert.equal(aud.body.error, 'invalid_target');
});

test('per-client short TTLs work', async () => {
  const t = await token({}, ['short', 'short-secret']);
  assert.equal(t.status, 200);
  assert.equal(t.body.expires_in, 2);
});

test('key rotation: new kid signs, old tokens still verify', async () => {
  // The 5-minute client: a loaded machine must not let the token expire before it is verified.
  const before = await token({}, ['kas-fleet-manager', 'fm-secret-1']);
  const oldKid = decodeProtectedHeader(before.body.access_token as string).kid;
  const res = await fetch(`http://127.0.0.1:${issuer.port}/admin/rotate-keys`, { method: 'POST' });
  const { kid } = (await res.json()) as { kid: string };
  assert.notEqual(kid, oldKid);
  const after = await token({}, ['kas-fleet-manager', 'fm-secret-1']);
  assert.equal(decodeProtectedHeader(after.body.access_token as string).kid, kid);
  const jwks = createRemoteJWKSet(new URL(`${issuer.issuerUrl}/jwks`));
  await jwtVerify(before.body.access_token as string, jwks);
  await jwtVerify(after.body.access_token as string, jwks);
});

test('two rotations within a token\'s lifetime: its retired key stays verify-only in the JWKS until the retention ends, then leaves', async () => {
  // Default retention = the longest token lifetime (3 s here).
  const own = await startIssuer({ listen: '127.0.0.1:0', realm: 'redhat-external', clients: parseClients({ clients: [{ clientID: 'r', clientSecret: 'r-secret', tokenTTL: '3s' }] }).clients, tokenTtlMs: 1000, logger });
  try {
    const get = async (): Promise<string> => {
      const res = await fetch(`${own.issuerUrl}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('r:r-secret').toString('base64')}` }, body: 'grant_type=client_credentials' });
      return ((await res.json()) as { access_token: string }).access_token;
    };
    const jwks = async () => (await (await fetch(`${own.issuerUrl}/jwks`)).json()) as JSONWebKeySet;
    const first = await get();
    const firstKid = decodeProtectedHeader(first).kid!;
    const exp = decodeJwt(first).exp! * 1000;
    own.rotateKeys();
    const third = own.rotateKeys();
    const rotatedAt = Date.now();
    const keys = (await jwks()).keys;
    assert.deepEqual(keys.map((k) => k.kid), [third, keys[1]!.kid, firstKid]);
    assert.deepEqual(keys.slice(1).map((k) => k.key_ops), [['verify'], ['verify']], 'retired keys are verify-only');
    assert.equal(keys[0]!.key_ops, undefined);
    // Retired keys never sign: every token after the rotations carries the current kid.
    for (let i = 0; i < 3; i++) assert.equal(decodeProtectedHeader(await get()).kid, third);
    // Until its expiry, the first token verifies against the JWKS as served then.
    await new Promise((r) => setTimeout(r, Math.max(0, exp - 400 - Date.now())));
    const late = await jwks();
    assert.ok(Date.now() < exp, 'the JWKS was read before the token expired');
    await jwtVerify(first, createLocalJWKSet(late), { issuer: own.issuerUrl });
    // After the retention, both retired keys have left the JWKS and the first token no longer verifies.
    await new Promise((r) => setTimeout(r, Math.max(0, rotatedAt + 3000 - Date.now())));
    let gone = await jwks();
    for (let i = 0; i < 40 && gone.keys.length > 1; i++) {
      await new Promise((r) => setTimeout(r, 50));
      gone = await jwks();
    }
    assert.deepEqual(gone.keys.map((k) => k.kid), [third]);
    await assert.rejects(jwtVerify(first, createLocalJWKSet(gone), { currentDate: new Date(exp - 1000) }), { code: 'ERR_JWKS_NO_MATCHING_KEY' });
  } finally {
    await own.close();
  }
});

test('invalid clients files are refused with the path and the reason', () => {
  assert.throws(() => parseClients({ clients: [{ clientID: 'a' }] }, 'f.yaml'), /f\.yaml: invalid clients configuration:\n\s+- clients\.0\.clientSecret/);
  assert.throws(() => parseClients({ clients: [{ clientID: 'a', clientSecret: 'b', colour: 'red' }] }, 'f.yaml'), /clients\.0: Unrecognized key/);
  assert.throws(() => parseClients({ clients: [{ clientID: 'a', clientSecret: 'b' }, { clientID: 'a', clientSecret: 'c' }] }, 'f.yaml'), /duplicate client "a"/);
});

test('obspath issuer runs as a command with a clients file, a PEM signing key and SIGHUP rotation', async () => {
  const dir = await tempDir();
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyFile = join(dir.path, 'key.pem');
  writeFileSync(keyFile, privateKey.export({ format: 'pem', type: 'pkcs8' }));
  assert.equal(loadSigningKey(keyFile).kty, 'RSA');
  const proc = await startIssuerProc({ dir: dir.path, clients: [{ clientID: 'c', clientSecret: 'c-secret-99' }], extraArgs: ['--signing-key', keyFile, '--keys.retain', '1500ms'] });
  try {
    const jwks1 = (await (await fetch(`${proc.issuerUrl}/jwks`)).json()) as { keys: { kid: string }[] };
    assert.deepEqual(jwks1.keys.map((k) => k.kid), ['file-key']);
    proc.proc.child.kill('SIGHUP');
    let keys: string[] = [];
    for (let i = 0; i < 50 && keys.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 100));
      keys = ((await (await fetch(`${proc.issuerUrl}/jwks`)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
    }
    assert.equal(keys.length, 2);
    assert.equal(keys[1], 'file-key');
    // --keys.retain 1500ms: the file key leaves the JWKS once its retention ends.
    let left: string[] = keys;
    for (let i = 0; i < 60 && left.length > 1; i++) {
      await new Promise((r) => setTimeout(r, 100));
      left = ((await (await fetch(`${proc.issuerUrl}/jwks`)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
    }
    assert.deepEqual(left, [keys[0]]);
    assert.ok(!proc.proc.output().includes('c-secret-99'));
  } finally {
    await proc.stop();
    await dir.cleanup();
  }
});
