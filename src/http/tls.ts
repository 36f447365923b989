// Server-side TLS shared by every listener: observatorium/api's settings (Go names for versions, cipher
// suites and client-auth types) turned into Node's secure-context options, checked at start (a bad, expired
// or mismatched certificate is a start-up error, not a handshake failure later).
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { SecureContextOptions, TlsOptions } from 'node:tls';

export type ClientAuthType = 'NoClientCert' | 'RequestClientCert' | 'RequireAnyClientCert' | 'VerifyClientCertIfGiven' | 'RequireAndVerifyClientCert';
export const CLIENT_AUTH_TYPES: readonly ClientAuthType[] = ['NoClientCert', 'RequestClientCert', 'RequireAnyClientCert', 'VerifyClientCertIfGiven', 'RequireAndVerifyClientCert'];

const TLS_VERSIONS = { VersionTLS10: 'TLSv1', VersionTLS11: 'TLSv1.1', VersionTLS12: 'TLSv1.2', VersionTLS13: 'TLSv1.3' } as const;
export type GoTlsVersion = keyof typeof TLS_VERSIONS;
export const GO_TLS_VERSIONS = Object.keys(TLS_VERSIONS) as GoTlsVersion[];

// Go's cipher-suite names (crypto/tls) to OpenSSL's. TLS 1.3 suites are not configurable in Go either, so
// they are always kept; only the TLS 1.2 list is shaped by --tls.cipher-suites.
const GO_CIPHERS: Record<string, string> = {
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: 'ECDHE-ECDSA-AES128-SHA',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: 'ECDHE-RSA-AES128-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: 'ECDHE-ECDSA-AES256-SHA',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: 'ECDHE-RSA-AES256-SHA',
  TLS_RSA_WITH_AES_128_GCM_SHA256: 'AES128-GCM-SHA256',
  TLS_RSA_WITH_AES_256_GCM_SHA384: 'AES256-GCM-SHA384',
  TLS_RSA_WITH_AES_128_CBC_SHA: 'AES128-SHA',
  TLS_RSA_WITH_AES_256_CBC_SHA: 'AES256-SHA',
};
const TLS13_SUITES = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'];

/** The settings of one TLS listener (main or internal), as the flags give them. */
export interface ServerTlsSettings {
  certFile: string;
  keyFile: string;
  /** Client CAs for VerifyClientCertIfGiven / RequireAndVerifyClientCert (Go falls back to system roots). */
  clientCaFile?: string;
  minVersion: GoTlsVersion;
  maxVersion: GoTlsVersion;
  cipherSuites: string[];
  clientAuthType: ClientAuthType;
  /** How often the certificate and key are re-read from disk (ms); 0 never. */
  reloadIntervalMs: number;
}

/** A TLS setting or file that cannot be used; the CLI prints it and exits 2 (a bad setting). */
export class TlsConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TlsConfigError';
  }
}

function readFile(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new TlsConfigError(`cannot read ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** Parses every certificate of a PEM bundle; fails naming the file when there is none or one is broken. */
export function parsePemCertificates(pem: Buffer | string, file: string): X509Certificate[] {
  const blocks = String(pem).match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new TlsConfigError(`${file}: no PEM certificate found`);
  return blocks.map((b, i) => {
    try {
      return new X509Certificate(b);
    } catch (err) {
      throw new TlsConfigError(`${file}: certificate ${i + 1} cannot be parsed: ${(err as Error).message}`);
    }
  });
}

/** The certificate and key of a listener, checked: parseable, the key matches, and valid now. */
export function loadKeyPair(certFile: string, keyFile: string, now = Date.now()): { cert: Buffer; key: Buffer; leaf: X509Certificate } {
  const cert = readFile(certFile, 'certificate');
  const key = readFile(keyFile, 'key');
  const leaf = parsePemCertificates(cert, certFile)[0]!;
  let keyObject: KeyObject;
  try {
    keyObject = createPrivateKey(key);
  } catch (err) {
    throw new TlsConfigError(`${keyFile}: not a PEM private key: ${(err as Error).message}`);
  }
  if (!leaf.checkPrivateKey(keyObject)) throw new TlsConfigError(`${keyFile} is not the key of the certificate in ${certFile}`);
  const notBefore = Date.parse(leaf.validFrom);
  const notAfter = Date.parse(leaf.validTo);
  if (now > notAfter) throw new TlsConfigError(`certificate ${certFile} expired at ${new Date(notAfter).toISOString()} (subject ${leaf.subject.replace(/\n/g, ', ')})`);
  if (now < notBefore) throw new TlsConfigError(`certificate ${certFile} is not valid before ${new Date(notBefore).toISOString()}`);
  return { cert, key, leaf };
}

function version(v: string, flag: string): TlsOptions['minVersion'] {
  const node = TLS_VERSIONS[v as GoTlsVersion];
  if (!node) throw new TlsConfigError(`${flag}: unknown TLS version "${v}" (one of ${GO_TLS_VERSIONS.join(', ')})`);
  return node;
}

/** Go cipher-suite names to an OpenSSL cipher string (TLS 1.3 suites always on, as in Go). */
export function cipherString(suites: string[]): string | undefined {
  if (suites.length === 0) return undefined;
  const tls12 = suites.filter((s) => !TLS13_SUITES.includes(s)).map((s) => {
    const openssl = GO_CIPHERS[s];
    if (!openssl) throw new TlsConfigError(`--tls.cipher-suites: unknown or unsupported cipher suite "${s}" (known: ${Object.keys(GO_CIPHERS).join(', ')})`);
    return openssl;
  });
  return [...TLS13_SUITES, ...tls12].join(':');
}

/** The parts of the options that the certificate files give (swapped in by setSecureContext on reload). */
export function secureContextOptions(s: ServerTlsSettings, pair: { cert: Buffer; key: Buffer }): SecureContextOptions {
  const opts: SecureContextOptions = { cert: pair.cert, key: pair.key, minVersion: version(s.minVersion, '--tls.min-version'), maxVersion: version(s.maxVersion, '--tls.max-version') };
  const ciphers = cipherString(s.cipherSuites);
  if (ciphers) opts.ciphers = ciphers;
  if (s.clientCaFile) opts.ca = readFile(s.clientCaFile, 'client CA file');
  return opts;
}

/**
 * Node's https server options for `s`. The client-auth types are Go's: Node asks for a certificate
 * (requestCert) and only RequireAndVerifyClientCert lets OpenSSL refuse the handshake; the two in
 * between are enforced per connection (enforceClientAuth) because OpenSSL has no "any certificate".
 */
export function serverTlsOptions(s: ServerTlsSettings): TlsOptions {
  const pair = loadKeyPair(s.certFile, s.keyFile);
  const ctx = secureContextOptions(s, pair);
  if (TLS_VERSIONS[s.minVersion] && TLS_VERSIONS[s.maxVersion] && GO_TLS_VERSIONS.indexOf(s.minVersion) > GO_TLS_VERSIONS.indexOf(s.maxVersion)) {
    throw new TlsConfigError(`--tls.min-version ${s.minVersion} is above --tls.max-version ${s.maxVersion}`);
  }
  if (!CLIENT_AUTH_TYPES.includes(s.clientAuthType)) throw new TlsConfigError(`--tls.client-auth-type: unknown "${s.clientAuthType}" (one of ${CLIENT_AUTH_TYPES.join(', ')})`);
  const verifies = s.clientAuthType === 'VerifyClientCertIfGiven' || s.clientAuthType === 'RequireAndVerifyClientCert';
  if (verifies && !s.clientCaFile) throw new TlsConfigError(`--tls.client-auth-type ${s.clientAuthType} needs --tls.server.client-ca-file (the CAs client certificates are verified against)`);
  return {
    ...ctx,
    requestCert: s.clientAuthType !== 'NoClientCert',
    rejectUnauthorized: s.clientAuthType === 'RequireAndVerifyClientCert',
    ALPNProtocols: ['http/1.1'],
  };
}

/** Whether a TLS connection may go on under `type` (for the types OpenSSL cannot enforce itself). */
export function clientAuthAllows(type: ClientAuthType, peer: { hasCert: boolean; authorized: boolean }): boolean {
  if (type === 'RequireAnyClientCert') return peer.hasCert;
  if (type === 'VerifyClientCertIfGiven') return !peer.hasCert || peer.authorized;
  return true;
}
