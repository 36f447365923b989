import { Command } from 'commander';
import { resolveConfig } from '../config/load.js';
import { fleetConfigSchema, fleetFields, startFleetManager } from '../fleet/index.js';
import { onShutdownSignal } from '../http/lifecycle.js';
import { createLogger } from '../telemetry/logger.js';
import { addFieldOptions, explicitFlags } from './options.js';
import { runCommand } from './run.js';

export function fleetManagerCommand(): Command {
  const cmd = new Command('fleet-manager')
    .description("kas-fleet-manager's metrics API (query_range, query, federate per Kafka instance), reading Observatorium through the token refresher")
    .option('--config <file>', 'YAML file with the same settings (field names as in the docs); flags and env win over it');
  addFieldOptions(cmd, fleetFields);
  cmd.addHelpText('after', `
Routes: GET /api/kafkas_mgmt/v1/kafkas/{id}/metrics/query_range?duration=<1..4320 min>&interval=<1..10800 s>[&filters=<metric>...],
.../metrics/query[?filters=...], .../metrics/federate. Bearer JWT from --token-issuer-url with an org_id claim.
Observatorium failures answer 500 KAFKAS-MGMT-9 with a reason naming the hop and the cause, logged once with
the request id. Client metrics: kas_fleet_manager_observatorium_request_{count,duration}{code,method,path}
(code "0": no response) and kas_fleet_manager_observatorium_request_failures_total{path,reason}.`);
  cmd.action(() =>
    runCommand(async () => {
      const config = resolveConfig(fleetConfigSchema, {
        fields: fleetFields,
        flags: explicitFlags(cmd, fleetFields),
        file: cmd.opts().config as string | undefined,
        context: 'fleet-manager configuration',
      });
      const logger = createLogger({ component: 'fleet-manager', level: config.logLevel, secrets: config.observatoriumToken ? [config.observatoriumToken] : [] });
      const running = await startFleetManager(config, logger);
      onShutdownSignal(logger, () => running.close());
    }),
  );
  return cmd;
}
