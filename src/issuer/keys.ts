import { generateKeyPairSync, createPrivateKey, randomBytes, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** A private RSA signing key as a JWK with its `kid`. */
export interface SigningJwk {
  kty: 'RSA';
  kid: string;
  alg: 'RS256';
  use: 'sig';
  [k: string]: unknown;
}

function toJwk(key: KeyObject, kid: string): SigningJwk {
  return { ...(key.export({ format: 'jwk' }) as Record<string, unknown>), kty: 'RSA', kid, alg: 'RS256', use: 'sig' };
}

export function generateSigningKey(): SigningJwk {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return toJwk(privateKey, randomBytes(8).toString('hex'));
}

/** Loads an RSA private key from a PEM file or a JWK JSON file. The kid is kept, or derived from the file. */
export function loadSigningKey(path: string): SigningJwk {
  const text = readFileSync(path, 'utf8');
  try {
    if (text.trimStart().startsWith('{')) {
      const jwk = JSON.parse(text) as Record<string, unknown>;
      const key = createPrivateKey({ key: jwk as never, format: 'jwk' });
      return toJwk(key, typeof jwk.kid === 'string' ? jwk.kid : 'file-key');
    }
    const key = createPrivateKey(text);
    if (key.asymmetricKeyType !== 'rsa') throw new Error(`expected an RSA key, got ${key.asymmetricKeyType}`);
    return toJwk(key, 'file-key');
  } catch (err) {
    throw new Error(`signing key ${path}: ${(err as Error).message}`);
  }
}

interface HeldKey {
  jwk: SigningJwk;
  /** When it stopped signing; undefined for the current key. */
  retiredAt?: number;
}

/** Rotations kept at most, whatever the retention: a rotation loop must not grow the JWKS without bound. */
const MAX_RETIRED = 100;

/**
 * The issuer's keys, as Keycloak's active and passive keys: the current key signs; a rotated-out key
 * stays in the JWKS for `retainMs` (at least one token lifetime) so tokens it signed keep verifying
 * until they expire, and is marked verify-only so it can never sign again.
 */
export class KeyRing {
  #keys: HeldKey[];

  constructor(initial: SigningJwk, readonly retainMs: number, private readonly now: () => number = Date.now) {
    this.#keys = [{ jwk: initial }];
  }

  /** The current key first, then the retired keys still within their retention. */
  get keys(): readonly SigningJwk[] {
    return this.#keys.map((k) => k.jwk);
  }

  get currentKid(): string {
    return this.#keys[0]!.jwk.kid;
  }

  /** A new signing key; the previous one is retired (verify only) and kept for `retainMs`. */
  rotate(next: SigningJwk = generateSigningKey()): SigningJwk {
    const [current, ...retired] = this.#keys;
    const demoted: HeldKey = { jwk: { ...current!.jwk, key_ops: ['verify'] }, retiredAt: this.now() };
    this.#keys = [{ jwk: next }, demoted, ...retired].slice(0, MAX_RETIRED + 1);
    this.prune();
    return next;
  }

  /** Drops retired keys past their retention; true when one was dropped. */
  prune(): boolean {
    const now = this.now();
    const before = this.#keys.length;
    this.#keys = this.#keys.filter((k) => k.retiredAt === undefined || now - k.retiredAt < this.retainMs);
    return this.#keys.length !== before;
  }

  /** When the next retired key leaves the JWKS (ms since epoch), if any is held. */
  nextExpiry(): number | undefined {
    const times = this.#keys.filter((k) => k.retiredAt !== undefined).map((k) => k.retiredAt! + this.retainMs);
    return times.length > 0 ? Math.min(...times) : undefined;
  }
}
