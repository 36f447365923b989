import { Command } from 'commander';
import { onShutdownSignal } from '../http/lifecycle.js';
import { refresherConfigSchema, refresherFields, startRefresher } from '../refresher/index.js';
import { createLogger } from '../telemetry/logger.js';
import { configuredAction } from './options.js';

export function tokenRefresherCommand(): Command {
  const cmd = new Command('token-refresher')
    .description('OAuth2 client-credentials token refresher: keeps a token fresh and proxies requests to Observatorium with it');
  cmd.addHelpText('after', `
Failures are answered with JSON naming this hop: 503 token_unavailable (no valid token, with the issuer's
reason), 502 upstream_unreachable (refused, dns, tls, reset), 504 upstream_timeout. /ready on the internal
listener is 200 only while a valid token is held.`);
  return configuredAction(cmd, { schema: refresherConfigSchema, fields: refresherFields, context: 'token-refresher configuration', configFile: true }, async (config) => {
    const logger = createLogger({ component: 'token-refresher', level: config.logLevel, secrets: [config.clientSecret] });
    if (config.logFormat === 'logfmt') logger.warn('--log.format=logfmt is accepted for compatibility; logs are JSON lines');
    const running = await startRefresher(config, logger);
    onShutdownSignal(logger, () => running.close());
  });
}
