import { Command } from 'commander';
import { fleetConfigSchema, fleetFields, startFleetManager } from '../fleet/index.js';
import { createLogger } from '../telemetry/logger.js';
import { parseWorkers, workersOption } from '../workers/options.js';
import { runClustered } from '../workers/run.js';
import { configuredAction } from './options.js';
import { helpWithExamples } from './help.js';

export function fleetManagerCommand(): Command {
  const cmd = new Command('fleet-manager')
    .description("kas-fleet-manager's metrics API (query_range, query, federate per Kafka instance), reading Observatorium through the token refresher");
  helpWithExamples(cmd, {
    notes: `Routes: GET /api/kafkas_mgmt/v1/kafkas/{id}/metrics/query_range?duration=<1..4320 min>&interval=<1..10800 s>[&filters=<metric>...], .../metrics/query[?filters=...], .../metrics/federate. Bearer JWT from --token-issuer-url with an org_id claim.

Observatorium failures answer 500 KAFKAS-MGMT-9 with a reason naming the hop and the cause, logged once with the request id. Client metrics: kas_fleet_manager_observatorium_request_{count,duration}{code,method,path} (code "0": no response) and kas_fleet_manager_observatorium_request_failures_total{path,reason}.`,
    examples: [
      ['npx obspath fleet-manager --instances-file docs/examples/kafkas.yaml \\\n--observability-red-hat-sso-token-refresher-url http://127.0.0.1:8080 \\\n--token-issuer-url http://127.0.0.1:8085/auth/realms/redhat-external', 'through the token refresher, users\' tokens from `obspath issuer`; API on localhost:8000'],
      ['OBSERVATORIUM_TOKEN_FILE=token npx obspath fleet-manager \\\n--instances-file docs/examples/kafkas.yaml --observatorium-gateway http://127.0.0.1:8090', 'straight to the Observatorium API with a token from a file (no refresher)'],
      ['npx obspath fleet-manager --workers 2 --instances-file docs/examples/kafkas.yaml \\\n--observability-red-hat-sso-token-refresher-url http://127.0.0.1:8080 \\\n--token-issuer-url http://127.0.0.1:8085/auth/realms/redhat-external', 'the first, served by two processes sharing :8000; /metrics on the internal listener sums both'],
    ],
  });
  cmd.addOption(workersOption());
  return configuredAction(cmd, { schema: fleetConfigSchema, fields: fleetFields, context: 'fleet-manager configuration', configFile: true }, async (config) => {
    const logger = createLogger({ component: 'fleet-manager', level: config.logLevel, secrets: config.observatoriumToken ? [config.observatoriumToken] : [] });
    const workers = parseWorkers(cmd.opts().workers as string);
    await runClustered({ workers, logger, start: (role) => startFleetManager(config, logger, {}, role) });
  });
}
