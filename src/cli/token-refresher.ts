import { Command } from 'commander';
import { refresherConfigSchema, refresherFields, startRefresher } from '../refresher/index.js';
import { createLogger } from '../telemetry/logger.js';
import { parseWorkers, workersOption } from '../workers/options.js';
import { runClustered } from '../workers/run.js';
import { configuredAction } from './options.js';
import { helpWithExamples } from './help.js';

export function tokenRefresherCommand(): Command {
  const cmd = new Command('token-refresher')
    .description('OAuth2 client-credentials token refresher: keeps a token fresh and proxies requests to Observatorium with it');
  helpWithExamples(cmd, {
    notes: `Failures are answered with JSON naming this hop: 503 token_unavailable (no valid token, with the issuer's reason), 502 upstream_unreachable (refused, dns, tls, reset), 504 upstream_timeout. /ready on the internal listener is 200 only while a valid token is held.`,
    examples: [
      ['CLIENT_ID=kas-fleet-manager CLIENT_SECRET=fleet-manager-example-secret \\\nISSUER_URL=http://127.0.0.1:8085/auth/realms/redhat-external \\\nOBSERVATORIUM_URL=http://127.0.0.1:8090/api/metrics/v1/managedkafka \\\nnpx obspath token-refresher --oidc.audience observatorium-telemeter', 'the fleet manager\'s template: settings from the environment; proxy on 127.0.0.1:8080'],
      ['npx obspath token-refresher --workers 2 --oidc.audience observatorium-telemeter', 'with the environment above: two proxy processes sharing :8080, one token (only the primary asks the issuer), one /metrics on :8081'],
      ['npx obspath token-refresher --oidc.issuer-url http://127.0.0.1:8085/auth/realms/redhat-external \\\n--oidc.client-id kas-fleet-manager --oidc.client-secret fleet-manager-example-secret \\\n--file token --web.listen 127.0.0.1:9080 --web.internal.listen 127.0.0.1:9081', 'only keep a fresh token in ./token (mode 0600)'],
    ],
  });
  cmd.addOption(workersOption());
  return configuredAction(cmd, { schema: refresherConfigSchema, fields: refresherFields, context: 'token-refresher configuration', configFile: true }, async (config) => {
    const logger = createLogger({ component: 'token-refresher', level: config.logLevel, secrets: [config.clientSecret] });
    if (config.logFormat === 'logfmt') logger.warn('--log.format=logfmt is accepted for compatibility; logs are JSON lines');
    const workers = parseWorkers(cmd.opts().workers as string);
    await runClustered({ workers, logger, start: (role) => startRefresher(config, logger, role) });
  });
}
