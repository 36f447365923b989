// Bearer-token generators: claims of a real alpha-writer token with one to three defects applied (alg
// none, a key that is not the issuer's, HS256 keyed with the issuer's public key, expired, not yet valid,
// wrong audience or issuer, no exp, no kid, tampered payload, odd claim types, oversized), plus garbage.
// Each case says whether the API must refuse it: a token with any real defect must never be accepted.
import { createHmac, generateKeyPairSync, type KeyObject } from 'node:crypto';
import fc from 'fast-check';
import { SignJWT, base64url } from 'jose';

export interface JwtKeys {
  issuerKey: KeyObject;
  publicPem: string;
  kid: string;
  issuerUrl: string;
  audience: string;
}

export interface JwtCase {
  defects: string[];
  token: string;
  /** True when a defect makes the token invalid (a 2xx answer would be an authentication bypass). */
  mustReject: boolean;
}

/** Defects that invalidate a token; `no kid` alone does not (the issuer's one key still verifies it). */
const DEFECTS = ['alg none', 'wrong key', 'hs256 with public key', 'expired', 'not yet valid', 'wrong audience', 'wrong issuer', 'no exp', 'no kid', 'unknown kid', 'tampered payload', 'odd claim types', 'oversized', 'empty signature', 'alg case'] as const;
type Defect = (typeof DEFECTS)[number];
const HARMLESS = new Set<Defect>(['no kid']);

const attackerKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;

const seg = (o: unknown) => base64url.encode(JSON.stringify(o));

async function sign(keys: JwtKeys, header: Record<string, unknown>, claims: Record<string, unknown>, key: KeyObject): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', ...header } as { alg: string }).sign(key);
}

/** Builds the token for a defect list; `noise` varies claim values between cases. */
export async function buildToken(keys: JwtKeys, defects: readonly Defect[], noise: number): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const has = (d: Defect) => defects.includes(d);
  const claims: Record<string, unknown> = { iss: keys.issuerUrl, aud: keys.audience, sub: 'alpha-writer', groups: ['alpha-rw'], iat: now, exp: now + 300, jti: `fuzz-${noise}` };
  const header: Record<string, unknown> = { alg: 'RS256', typ: 'JWT', kid: keys.kid };
  if (has('expired')) claims.exp = now - 60 - (noise % 1_000_000);
  if (has('not yet valid')) claims.nbf = now + 600 + (noise % 1_000_000);
  if (has('wrong audience')) claims.aud = ['someone-else', `aud-${noise}`];
  if (has('wrong issuer')) claims.iss = `http://127.0.0.1:1/auth/realms/evil-${noise}`;
  if (has('no exp')) delete claims.exp;
  if (has('no kid')) delete header.kid;
  if (has('unknown kid')) header.kid = `kid-${noise}`;
  if (has('odd claim types')) Object.assign(claims, [{ sub: 42 }, { groups: { 'alpha-rw': true } }, { exp: String(now + 300) }, { aud: 7 }, { iss: null }][noise % 5]);
  if (has('oversized')) claims.pad = 'x'.repeat(9000 + (noise % 5000));
  if (has('alg none')) return `${seg({ ...header, alg: 'none' })}.${seg(claims)}.`;
  if (has('hs256 with public key')) {
    const input = `${seg({ ...header, alg: 'HS256' })}.${seg(claims)}`;
    return `${input}.${base64url.encode(createHmac('sha256', keys.publicPem).update(input).digest())}`;
  }
  if (has('alg case')) header.alg = 'rs256';
  const key = has('wrong key') ? attackerKey : keys.issuerKey;
  let token: string;
  if (has('alg case')) {
    // jose refuses to sign with an unknown alg name: sign as RS256, then swap the header.
    const real = await sign(keys, { ...header, alg: 'RS256' }, claims, key);
    token = `${seg(header)}.${real.split('.').slice(1).join('.')}`;
  } else token = await sign(keys, header, claims, key);
  if (has('tampered payload')) {
    const [h, , s] = token.split('.');
    token = `${h}.${seg({ ...claims, sub: 'admin', groups: ['alpha-rw', 'beta-rw'] })}.${s}`;
  }
  if (has('empty signature')) token = `${token.split('.').slice(0, 2).join('.')}.`;
  return token;
}

/** Printable garbage (fetch refuses header values outside visible ASCII). */
const garbage = fc.oneof(
  fc.stringMatching(/^[!-~]{1,200}$/),
  fc.tuple(fc.base64String({ maxLength: 40 }), fc.base64String({ maxLength: 40 }), fc.base64String({ maxLength: 40 })).map(([a, b, c]) => `${a}.${b}.${c}`),
  fc.constantFrom('a.b.c', '..', '.', 'e30.e30.', 'eyJhbGciOiJub25lIn0.e30.', `${'A'.repeat(9000)}.e30.x`, 'null', '{}'),
);

/** What a case is made of (printable, so fast-check's counterexamples say which defects). */
export type JwtSpec = { defects: Defect[]; noise: number } | { garbage: string };

export const jwtSpec: fc.Arbitrary<JwtSpec> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ defects: fc.uniqueArray(fc.constantFrom(...DEFECTS), { minLength: 1, maxLength: 3 }), noise: fc.nat() }) },
  { weight: 2, arbitrary: garbage.map((g) => ({ garbage: g })) },
  // Controls: the same construction with no defect must be accepted, or the refusals prove nothing.
  { weight: 1, arbitrary: fc.nat().map((noise) => ({ defects: [] as Defect[], noise })) },
);

export async function materialize(keys: JwtKeys, spec: JwtSpec): Promise<JwtCase> {
  if ('garbage' in spec) return { defects: ['garbage'], token: spec.garbage, mustReject: true };
  return { defects: spec.defects, token: await buildToken(keys, spec.defects, spec.noise), mustReject: spec.defects.some((d) => !HARMLESS.has(d)) };
}
