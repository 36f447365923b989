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

/**
 * The issuer's keys: the first signs, the rest stay in the JWKS so tokens signed before a rotation
 * still verify until they expire.
 */
export class KeyRing {
  #keys: SigningJwk[];

  constructor(initial: SigningJwk, private readonly keep = 2) {
    this.#keys = [initial];
  }

  get keys(): readonly SigningJwk[] {
    return this.#keys;
  }

  get currentKid(): string {
    return this.#keys[0]!.kid;
  }

  /** A new signing key; the previous ones are kept for verification (up to `keep` in all). */
  rotate(next: SigningJwk = generateSigningKey()): SigningJwk {
    this.#keys = [next, ...this.#keys].slice(0, this.keep);
    return next;
  }
}
