import { Command } from 'commander';
import { z } from 'zod';
import { durationMs } from '../config/duration.js';
import { onShutdownSignal } from '../http/lifecycle.js';
import { loadClientsFile, parseClients, type IssuerClient } from '../issuer/clients.js';
import { loadSigningKey } from '../issuer/keys.js';
import { routeOidcProviderNotices } from '../issuer/quiet.js';
import { createLogger } from '../telemetry/logger.js';
import { configuredAction, type FieldSpec } from './options.js';
import { helpWithExamples } from './help.js';

const schema = z.object({
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
});

const fields: Record<keyof z.input<typeof schema>, FieldSpec> = {
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
};

export function issuerCommand(): Command {
  const cmd = new Command('issuer').description('a real OIDC issuer (client_credentials, JWT access tokens) for local use and tests');
  helpWithExamples(cmd, {
    notes: `Key rotation without restart: send SIGUSR2 or SIGHUP, or POST /admin/rotate-keys. Rotated-out keys never sign again and stay in the JWKS for --keys.retain, so tokens already issued keep verifying until they expire.`,
    examples: [
      ['npx obspath issuer --clients docs/examples/clients.yaml', 'http://127.0.0.1:8085/auth/realms/redhat-external, with the clients of a file'],
      ['npx obspath issuer --client my-client:change-me --token-ttl 30s --web.listen 127.0.0.1:9085', 'one client, short-lived tokens, another port'],
      ['npx obspath issuer --clients docs/examples/clients.yaml --token-delay 3s', 'a slow issuer (each token answer 3 s late)'],
    ],
  });
  return configuredAction(cmd, { schema, fields, context: 'issuer configuration' }, async (config) => {
    const file = config.clients ? loadClientsFile(config.clients) : undefined;
    const clients: IssuerClient[] = [
      ...(file?.clients ?? []),
      ...parseClients({ clients: config.client.map((c) => { const i = c.indexOf(':'); return { clientID: c.slice(0, i), clientSecret: c.slice(i + 1) }; }) }, '--client').clients,
    ];
    if (clients.length === 0) throw new Error('the issuer needs at least one client: give --clients <file> or --client <id:secret>');
    const logger = createLogger({ component: 'issuer', level: config.logLevel, secrets: clients.map((c) => c.clientSecret) });
    // Loaded here, not at the top: oidc-provider prints notices on import, which no other command needs.
    routeOidcProviderNotices(logger);
    const { startIssuer } = await import('../issuer/server.js');
    const issuer = await startIssuer({
      listen: config.listen,
      realm: file?.realm ?? config.realm,
      clients,
      tokenTtlMs: file?.tokenTTL ?? config.tokenTtl,
      signingKey: config.signingKey ? loadSigningKey(config.signingKey) : undefined,
      keyRetainMs: config.keysRetain,
      tokenDelayMs: config.tokenDelay,
      publicUrl: config.publicUrl,
      logger,
    });
    logger.info({ issuer: issuer.issuerUrl, clients: clients.map((c) => c.clientID) }, 'issuer started');
    for (const sig of ['SIGUSR2', 'SIGHUP'] as const) process.on(sig, () => issuer.rotateKeys());
    onShutdownSignal(logger, () => issuer.close());
  });
}
