// The TLS flags every component's listeners take, named as observatorium/api names them: one schema fragment
// and one table of flags that each component spreads into its own, and the settings they give per listener.
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { durationMs } from '../config/duration.js';
import type { FieldSpec } from '../config/fields.js';
import type { HttpAppTls } from './server.js';
import { CLIENT_AUTH_TYPES, GO_TLS_VERSIONS, type ClientAuthType, type GoTlsVersion } from './tls.js';

const suites = z.union([z.string(), z.array(z.string())]).transform((v) => (Array.isArray(v) ? v : v.split(/[\s,]+/)).filter(Boolean));

export const tlsServerSchema = {
  tlsServerCertFile: z.string().optional(),
  tlsServerKeyFile: z.string().optional(),
  tlsServerClientCaFile: z.string().optional(),
  tlsInternalServerCertFile: z.string().optional(),
  tlsInternalServerKeyFile: z.string().optional(),
  tlsMinVersion: z.enum(GO_TLS_VERSIONS as [GoTlsVersion, ...GoTlsVersion[]]).default('VersionTLS13'),
  tlsMaxVersion: z.enum(GO_TLS_VERSIONS as [GoTlsVersion, ...GoTlsVersion[]]).default('VersionTLS13'),
  tlsCipherSuites: suites.default([]),
  tlsClientAuthType: z.enum(CLIENT_AUTH_TYPES as [ClientAuthType, ...ClientAuthType[]]).default('RequestClientCert'),
  tlsReloadInterval: durationMs.default(60_000),
};

export type TlsServerField = keyof typeof tlsServerSchema;
const tlsServerObject = z.object(tlsServerSchema);
export type TlsServerConfig = z.output<typeof tlsServerObject>;

const f = (flags: string, env: string, description: string): FieldSpec => ({ flags, flag: flags.split(' ')[0], env: [env], description });

export const tlsServerFields: Record<TlsServerField, FieldSpec> = {
  tlsServerCertFile: f('--tls.server.cert-file <file>', 'TLS_SERVER_CERT_FILE', 'serve HTTPS with this certificate (PEM, chain after the leaf); with --tls.server.key-file'),
  tlsServerKeyFile: f('--tls.server.key-file <file>', 'TLS_SERVER_KEY_FILE', 'private key of --tls.server.cert-file (PEM)'),
  tlsServerClientCaFile: f('--tls.server.client-ca-file <file>', 'TLS_SERVER_CLIENT_CA_FILE', 'CAs that client certificates are verified against (obspath\'s own flag; needed by VerifyClientCertIfGiven and RequireAndVerifyClientCert)'),
  tlsInternalServerCertFile: f('--tls.internal.server.cert-file <file>', 'TLS_INTERNAL_SERVER_CERT_FILE', 'serve the internal listener (/metrics, /live, /ready) over HTTPS with this certificate'),
  tlsInternalServerKeyFile: f('--tls.internal.server.key-file <file>', 'TLS_INTERNAL_SERVER_KEY_FILE', 'private key of --tls.internal.server.cert-file'),
  tlsMinVersion: f('--tls.min-version <version>', 'TLS_MIN_VERSION', `lowest TLS version served: ${GO_TLS_VERSIONS.join(', ')} (default VersionTLS13)`),
  tlsMaxVersion: f('--tls.max-version <version>', 'TLS_MAX_VERSION', 'highest TLS version served (default VersionTLS13)'),
  tlsCipherSuites: f('--tls.cipher-suites <list>', 'TLS_CIPHER_SUITES', 'TLS 1.2 cipher suites, Go names, comma separated (default: Node\'s; TLS 1.3 suites are always on, as in Go)'),
  tlsClientAuthType: f('--tls.client-auth-type <type>', 'TLS_CLIENT_AUTH_TYPE', `client certificate policy: ${CLIENT_AUTH_TYPES.join(', ')} (default RequestClientCert)`),
  tlsReloadInterval: f('--tls.reload-interval <duration>', 'TLS_RELOAD_INTERVAL', 'how often certificates are re-read from disk; open connections keep theirs; 0 never (default 1m)'),
};

/** For components with one listener (issuer, store, probe): no --tls.internal.server.* flags. */
const { tlsInternalServerCertFile: _cert, tlsInternalServerKeyFile: _key, ...singleSchema } = tlsServerSchema;
const { tlsInternalServerCertFile: _certFlag, tlsInternalServerKeyFile: _keyFlag, ...singleFields } = tlsServerFields;
export const tlsSingleListenerSchema = singleSchema;
export const tlsSingleListenerFields = singleFields;

/**
 * The TLS of one listener from a component's settings: `web` (the main one) or `internal`; undefined when
 * its certificate is not set. A certificate without its key (or the other way round) is a configuration error.
 */
export function listenerTls(config: TlsServerConfig, listener: 'web' | 'internal', registry?: Registry): HttpAppTls | undefined {
  const [cert, key, certFlag, keyFlag] = listener === 'web'
    ? [config.tlsServerCertFile, config.tlsServerKeyFile, '--tls.server.cert-file', '--tls.server.key-file']
    : [config.tlsInternalServerCertFile, config.tlsInternalServerKeyFile, '--tls.internal.server.cert-file', '--tls.internal.server.key-file'];
  if (!cert && !key) return undefined;
  if (!cert || !key) throw new Error(`${cert ? keyFlag : certFlag} is required with ${cert ? certFlag : keyFlag}`);
  return {
    listener,
    registry,
    settings: {
      certFile: cert,
      keyFile: key,
      clientCaFile: config.tlsServerClientCaFile,
      minVersion: config.tlsMinVersion,
      maxVersion: config.tlsMaxVersion,
      cipherSuites: config.tlsCipherSuites,
      // As observatorium/api: the internal listener takes the same policy as the main one.
      clientAuthType: config.tlsClientAuthType,
      reloadIntervalMs: config.tlsReloadInterval,
    },
  };
}
