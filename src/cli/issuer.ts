import { Command } from 'commander';
import { onShutdownSignal } from '../http/lifecycle.js';
import { routeOidcProviderNotices } from '../issuer/quiet.js';
import { createLogger } from '../telemetry/logger.js';
import { configuredAction } from './options.js';
import { issuerConfigSchema, issuerFields, issuerOptions } from '../issuer/config.js';
import { helpWithExamples } from './help.js';

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
  return configuredAction(cmd, { schema: issuerConfigSchema, fields: issuerFields, context: 'issuer configuration' }, async (config) => {
    const options = issuerOptions(config);
    const logger = createLogger({ component: 'issuer', level: config.logLevel, secrets: options.clients.map((c) => c.clientSecret) });
    // Loaded here, not at the top: oidc-provider prints notices on import, which no other command needs.
    routeOidcProviderNotices(logger);
    const { startIssuer } = await import('../issuer/server.js');
    const issuer = await startIssuer({ ...options, logger });
    logger.info({ issuer: issuer.issuerUrl, clients: options.clients.map((c) => c.clientID) }, 'issuer started');
    for (const sig of ['SIGUSR2', 'SIGHUP'] as const) process.on(sig, () => issuer.rotateKeys());
    onShutdownSignal(logger, () => issuer.close());
  });
}
