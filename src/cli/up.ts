import { Command, Option } from 'commander';
import { onShutdownSignal } from '../http/lifecycle.js';
import { formatFaultCatalog, startStack } from '../stack/index.js';
import { createLogger } from '../telemetry/logger.js';
import { runCommand } from './run.js';

export function upCommand(): Command {
  const cmd = new Command('up')
    .description('run the whole metrics path on 127.0.0.1 (issuer, store, API, token refresher, fleet manager, data plane), optionally with a runbook failure injected')
    .option('--ports <base>', 'first of ten consecutive ports (issuer, store, api, api internal, refresher, refresher internal, fleet manager, its metrics, probe, fault stand-in)', '18000')
    .option('--data <dir>', 'data directory (store data, generated configuration, client secrets); kept between runs', '.obspath')
    .addOption(new Option('--fault <name>', 'inject a failure from the runbook (repeatable); see --list-faults').argParser((v: string, prev: string[] | undefined) => [...(prev ?? []), v]))
    .option('--list-faults', 'print the fault catalog with each fault\'s expected symptom and exit')
    .option('--log.level <level>', 'log level of every component', 'info');
  cmd.action(() =>
    runCommand(async () => {
      const o = cmd.opts<{ ports: string; data: string; fault?: string[]; listFaults?: boolean; 'log.level': string }>();
      if (o.listFaults) {
        process.stdout.write(`${formatFaultCatalog()}\n`);
        return;
      }
      const base = Number(o.ports);
      if (!Number.isInteger(base) || base < 1024 || base > 65525) throw new Error(`--ports ${o.ports}: expected a port between 1024 and 65525`);
      const logger = createLogger({ component: 'up', level: o['log.level'] });
      const stack = await startStack({ dataDir: o.data, basePort: base, faults: o.fault ?? [], logLevel: o['log.level'], out: process.stdout, logger });
      const width = Math.max(...stack.endpoints.map((e) => e.component.length));
      const lines = [
        '',
        `obspath up: ready in ${(stack.readyMs / 1000).toFixed(1)} s${stack.notReady.length ? ` (not ready: ${stack.notReady.join(', ')})` : ''}${stack.plan.faults.length ? `; faults: ${stack.plan.faults.join(', ')}` : ''}`,
        ...stack.endpoints.map((e) => `  ${e.component.padEnd(width)}  ${e.url}\n  ${''.padEnd(width)}  ${e.what}`),
        '',
        'A Kafka instance\'s metrics through the whole path:',
        stack.curlExample,
        '',
        `Data and configuration: ${stack.plan.dataDir}. Ctrl-C stops everything.`,
        '',
      ];
      process.stdout.write(lines.join('\n'));
      // SIGHUP too: the children are in their own process groups and would outlive a closed terminal.
      onShutdownSignal(logger, () => stack.stop(), 15_000, ['SIGINT', 'SIGTERM', 'SIGHUP']);
    }),
  );
  return cmd;
}
