import { createWriteStream, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Command, Option } from 'commander';
import { ListenError, listenFailure } from '../http/server.js';
import { onShutdownSignal } from '../http/lifecycle.js';
import { startStack, type RunningStack } from '../stack/index.js';
import type { StackEvent } from '../stack/events.js';
import { describeFault, faultByName, formatFaultCatalog, formatFaultDetails } from '../stack/faults.js';
import { PORT_COUNT, portsFrom, type Ports } from '../stack/plan.js';
import { createLogger, type Logger } from '../telemetry/logger.js';
import { helpWithExamples } from './help.js';
import { runCommand } from './run.js';

export function upCommand(): Command {
  const cmd = new Command('up')
    .description('run the whole metrics path on 127.0.0.1 (issuer, store, API, token refresher, fleet manager, probe, data plane), optionally with a runbook failure injected')
    .option('--ports <base>', 'first of thirteen consecutive ports (issuer, store, api, api internal, refresher, refresher internal, fleet manager, its metrics, probe, console, doctor serve, alertmanager, fault stand-in)', '18000')
    .option('--data <dir>', 'data directory (store data, generated configuration, client secrets); kept between runs', '.obspath')
    .addOption(new Option('--fault <name>', 'inject a failure from the runbook (repeatable); see --list-faults').argParser((v: string, prev: string[] | undefined) => [...(prev ?? []), v]))
    .option('--list-faults', 'print the fault catalog (hop, code at the fleet manager, doctor verdict) and exit')
    .option('--verbose', "stream every component's logs to this terminal, prefixed by component (as --log.level info); with --list-faults: every fault in full")
    .option('--describe-fault <name>', 'print one fault in full and exit')
    .option('--alertmanager', "route the store's alerts through Debian's Alertmanager (prometheus-alertmanager) to doctor serve; default: straight to doctor serve")
    .option('--tls', 'serve every component over HTTPS with a throwaway CA made at start in <data>/tls/ (needs the openssl CLI); every client of the stack trusts it')
    .option('--console.listen <host:port>', 'where the web console listens (default 127.0.0.1:<base port + 9>)')
    .option('--log.level <level>', "log level of every component; given, their logs stream to this terminal at that level (default: info, into <data>/logs/ only)");
  helpWithExamples(cmd, {
    notes: 'Every component runs as a supervised child process, restarted with backoff when it exits. Ctrl-C stops everything; if up itself is killed, its components stop on their own.\n\n'
      + 'The terminal stays calm by default: start-up progress, the banner, then one timestamped line per change (a hop changes state, an alert fires or resolves, '
      + "the doctor's verdict changes, a component restarts, a fault is injected or cleared). Every component logs at info into <data>/logs/<component>.log "
      + '(read them with `obspath logs [component] [-f]`). --verbose, or an explicit --log.level LEVEL, streams every component\'s logs to the terminal instead, '
      + 'prefixed by component, at info (--verbose) or LEVEL; the files get the same lines.\n\n'
      + 'The store scrapes every component every 5 s and evaluates deploy/prometheus/alerts.yaml; firing alerts go to `obspath doctor serve` (directly, or through Alertmanager with --alertmanager), '
      + 'which runs the runbook and publishes the verdict (its URL is printed when the stack is ready). The Alertmanager port is kept free without --alertmanager.',
    examples: [
      ['npx obspath up', 'the whole path on ports 18000-18012: the banner, then one line per change'],
      ['npx obspath up --fault wrong-client-secret --ports 19000 --data .obspath-fault --log.level warn', "a runbook failure for real, beside a healthy stack, streaming every component's warnings"],
      ['npx obspath up --list-faults', 'the faults --fault knows (--describe-fault NAME for one in full)'],
    ],
  });
  cmd.action(() =>
    runCommand(async () => {
      const o = cmd.opts<{ ports: string; data: string; fault?: string[]; listFaults?: boolean; verbose?: boolean; describeFault?: string; alertmanager?: boolean; tls?: boolean; 'log.level'?: string; 'console.listen'?: string }>();
      if (o.describeFault !== undefined) {
        process.stdout.write(`${describeFault(faultByName(o.describeFault))}\n`);
        return;
      }
      if (o.listFaults) {
        process.stdout.write(`${o.verbose ? formatFaultDetails() : formatFaultCatalog()}\n`);
        return;
      }
      const base = Number(o.ports);
      if (!Number.isInteger(base) || base < 1024 || base > 65536 - PORT_COUNT) throw new Error(`--ports ${o.ports}: expected a port between 1024 and ${65536 - PORT_COUNT}`);
      for (const f of o.fault ?? []) faultByName(f);
      const level = o['log.level'] ?? 'info';
      // Ctrl-C and its outcome are told on the terminal in both modes.
      const lifecycle = createLogger({ component: 'up', level });
      await assertPortsFree(base);
      const term = terminalMode(o.data, level, o.verbose === true || o['log.level'] !== undefined);
      const progress = (line: string) => process.stdout.write(`  ${line}\n`);
      const stack = await startStack({ dataDir: o.data, basePort: base, faults: o.fault ?? [], logLevel: level, out: term.out, logger: term.logger, alertmanager: o.alertmanager, tls: o.tls, consoleListen: o['console.listen'], onProgress: progress });
      process.stdout.write(bannerLines(stack).join('\n'));
      if (!term.streaming) {
        process.stdout.write('Changes (component logs: obspath logs [component] [-f]):\n');
        const print = (e: StackEvent) => process.stdout.write(`${e.ts.replace(/\.\d+Z$/, 'Z')}  ${e.text}\n`);
        stack.events.since(0).forEach(print);
        stack.events.subscribe(print);
      }
      // SIGHUP too: the children are in their own process groups and would outlive a closed terminal.
      onShutdownSignal(lifecycle, () => stack.stop(), 15_000, ['SIGINT', 'SIGTERM', 'SIGHUP']);
    }, 'up'),
  );
  return cmd;
}

/**
 * Where logs go. Streaming (--verbose or an explicit --log.level): every component's lines on this terminal, as the
 * stack's own; calm (default): components only into <data>/logs/ (LogMux), the stack's own into <data>/logs/up.log.
 */
function terminalMode(dataDir: string, level: string, streaming: boolean): { streaming: boolean; out: Writable; logger: Logger } {
  if (streaming) return { streaming, out: process.stdout, logger: createLogger({ component: 'up', level }) };
  const logs = join(dataDir, 'logs');
  mkdirSync(logs, { recursive: true });
  const file = createWriteStream(join(logs, 'up.log'), { mode: 0o600 });
  const nowhere = new Writable({ write: (_chunk, _enc, cb) => cb() });
  return { streaming, out: nowhere, logger: createLogger({ component: 'up', level, destination: file }) };
}

function bannerLines(stack: RunningStack): string[] {
  const width = Math.max(...stack.endpoints.map((e) => e.component.length));
  return [
    '',
    `obspath up: ready in ${(stack.readyMs / 1000).toFixed(1)} s${stack.notReady.length ? ` (not ready: ${stack.notReady.join(', ')})` : ''}${stack.plan.faults.length ? `; faults: ${stack.plan.faults.join(', ')}` : ''}`,
    ...stack.endpoints.map((e) => `  ${e.component.padEnd(width)}  ${e.url}\n  ${''.padEnd(width)}  ${e.what}`),
    '',
    'A Kafka instance\'s metrics through the whole path:',
    stack.curlExample,
    '',
    ...(stack.plan.tls ? [`TLS: every listener but doctor serve's serves HTTPS; their CA is ${stack.plan.tls.caFile} (made at this start).`, ''] : []),
    `Alerts: the store evaluates deploy/prometheus/alerts.yaml every 5 s -> ${stack.plan.alertsTo.alertmanagerUrl ? `Alertmanager ${stack.plan.alertsTo.alertmanagerUrl} -> ` : ''}doctor serve.`,
    `The verdict appears at ${stack.plan.alertsTo.doctorUrl}/api/v1/verdict (JSON) and ${stack.plan.alertsTo.doctorUrl}/ (HTML report).`,
    '',
    `Data and configuration: ${stack.plan.dataDir}. Ctrl-C stops everything.`,
    '',
  ];
}

/**
 * Every port of the range must be free before anything starts: a taken one would otherwise show up as
 * one component's crash loop. The error names --ports and which component's port it is.
 */
async function assertPortsFree(base: number): Promise<void> {
  for (const [name, port] of Object.entries(portsFrom(base)) as [keyof Ports, number][]) {
    const server = createServer();
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => resolve());
      });
    } catch (err) {
      const failure = listenFailure(err, `127.0.0.1:${port}`, `--ports ${base}: the ${name} port`);
      throw failure instanceof ListenError ? failure : err;
    } finally {
      await new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
    }
  }
}
