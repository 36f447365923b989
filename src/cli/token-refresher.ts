import { Command } from 'commander';
import { resolveConfig } from '../config/load.js';
import { onShutdownSignal } from '../http/lifecycle.js';
import { refresherConfigSchema, refresherFields, startRefresher } from '../refresher/index.js';
import { createLogger } from '../telemetry/logger.js';
import { addFieldOptions, explicitFlags } from './options.js';
import { runCommand } from './run.js';

export function tokenRefresherCommand(): Command {
  const cmd = new Command('token-refresher')
    .description('OAuth2 client-credentials token refresher: keeps a token fresh and proxies requests to Observatorium with it')
    .option('--config <file>', 'YAML file with the same settings (field names as in the docs); flags and env win over it');
  addFieldOptions(cmd, refresherFields);
  cmd.addHelpText('after', `
Failures are answered with JSON naming this hop: 503 token_unavailable (no valid token, with the issuer's
reason), 502 upstream_unreachable (refused, dns, tls, reset), 504 upstream_timeout. /ready on the internal
listener is 200 only while a valid token is held.`);
  cmd.action(() =>
    runCommand(async () => {
      const config = resolveConfig(refresherConfigSchema, {
        fields: refresherFields,
        flags: explicitFlags(cmd, refresherFields),
        file: cmd.opts().config as string | undefined,
        context: 'token-refresher configuration',
      });
      const logger = createLogger({ component: 'token-refresher', level: config.logLevel, secrets: [config.clientSecret] });
      if (config.logFormat === 'logfmt') logger.warn('--log.format=logfmt is accepted for compatibility; logs are JSON lines');
      const running = await startRefresher(config, logger);
      onShutdownSignal(logger, () => running.close());
    }),
  );
  return cmd;
}
