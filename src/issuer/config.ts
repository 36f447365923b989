// `obspath issuer` settings: flags, env vars, defaults.
import { z } from 'zod';
import { durationMs } from '../config/duration.js';
import type { FieldSpec } from '../config/fields.js';
import { listenerTls, tlsSingleListenerFields, tlsSingleListenerSchema } from '../http/tls-flags.js';
import { loadClientsFile, parseClients, type IssuerClient } from './clients.js';
import { loadSigningKey } from './keys.js';
import type { IssuerOptions } from './server.js';

export const issuerConfigSchema = z.object({
  listen: z.string().default('127.0.0.1:8085'),
  realm: z.string().regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, dot, dash, underscore').default('redhat-external'),
  clients: z.string().optional(),
  client: z.array(z.string().regex(/^[^:]+:.+$/, 'expected <id>:<secret>')).default([]),
  tokenTtl: durationMs.default(300_000),
  signingKey: z.string().optional(),
  keysRetain: durationMs.optional(),
  tokenDelay: durationMs.default(0),
  publicUrl: z.string().url().optional(),
  logLevel: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
  ...tlsSingleListenerSchema,
});

export const issuerFields: Record<keyof z.input<typeof issuerConfigSchema>, FieldSpec> = {
  listen: { flags: '--web.listen <addr>', flag: '--web.listen', env: ['ISSUER_LISTEN'], description: 'listen address (default 127.0.0.1:8085)' },
  realm: { flags: '--realm <name>', flag: '--realm', env: ['ISSUER_REALM'], description: 'realm: the issuer is http://<listen>/auth/realms/<realm>, shaped like Keycloak (default redhat-external)' },
  clients: { flags: '--clients <file>', flag: '--clients', env: ['ISSUER_CLIENTS_FILE'], description: 'YAML file of clients with their secrets, scopes, audiences and extra claims' },
  client: { flags: '--client <id:secret>', flag: '--client', repeatable: true, description: 'a client with no extra claims (repeatable); its audience is its id' },
  tokenTtl: { flags: '--token-ttl <duration>', flag: '--token-ttl', env: ['ISSUER_TOKEN_TTL'], description: 'access-token lifetime unless a client sets its own (default 5m)' },
  signingKey: { flags: '--signing-key <file>', flag: '--signing-key', env: ['ISSUER_SIGNING_KEY'], description: 'RSA private key (PEM or JWK); default: a new key at every start' },
  keysRetain: { flags: '--keys.retain <duration>', flag: '--keys.retain', env: ['ISSUER_KEYS_RETAIN'], description: 'how long a rotated-out signing key stays in the JWKS, verify only (default: the longest token TTL of any client, so every token it signed expires first)' },
  tokenDelay: { flags: '--token-delay <duration>', flag: '--token-delay', description: 'answer token requests this late (reproduces a slow issuer)' },
  publicUrl: { flags: '--public-url <url>', flag: '--public-url', env: ['ISSUER_PUBLIC_URL'], description: 'base URL clients use, when not the listen address' },
  logLevel: { flags: '--log.level <level>', flag: '--log.level', env: ['LOG_LEVEL'], description: 'error, warn, info or debug (default info)' },
  ...tlsSingleListenerFields,
};

export type IssuerConfig = z.output<typeof issuerConfigSchema>;

/**
 * The issuer's options from its settings: the clients of --clients and of every --client, and the clients
 * file's realm and token TTL over the flags'. Throws when there is no client at all.
 */
export function issuerOptions(config: IssuerConfig): Omit<IssuerOptions, 'logger'> {
  const file = config.clients ? loadClientsFile(config.clients) : undefined;
  const clients: IssuerClient[] = [
    ...(file?.clients ?? []),
    ...parseClients({ clients: config.client.map((c) => { const i = c.indexOf(':'); return { clientID: c.slice(0, i), clientSecret: c.slice(i + 1) }; }) }, '--client').clients,
  ];
  if (clients.length === 0) throw new Error('the issuer needs at least one client: give --clients <file> or --client <id:secret>');
  return {
    listen: config.listen,
    realm: file?.realm ?? config.realm,
    clients,
    tokenTtlMs: file?.tokenTTL ?? config.tokenTtl,
    signingKey: config.signingKey ? loadSigningKey(config.signingKey) : undefined,
    keyRetainMs: config.keysRetain,
    tokenDelayMs: config.tokenDelay,
    publicUrl: config.publicUrl,
    tls: listenerTls(config, 'web'),
  };
}
