import { Command, Option } from 'commander';
import { ConfigError } from '../config/load.js';
import { LiveClusterFacts } from '../doctor/k8s/live-source.js';
import { openSnapshot, type CollectManifest } from '../doctor/collect/index.js';
import type { ClusterFacts } from '../doctor/facts.js';
import { renderReport, type OutputFormat } from '../doctor/render.js';
import { runDoctor } from '../doctor/run.js';
import { clusterDoctorOptions, localConfigFromFlags } from '../doctor/cluster-options.js';
import { DEFAULT_NAMESPACE, type Environment } from '../doctor/targets.js';
import { localDoctorOptions } from '../doctor/local/options.js';
import type { LiveTargets } from '../doctor/live/index.js';
import type { DoctorOptions } from '../doctor/run.js';
import type { DoctorReport } from '../doctor/report.js';
import { watch } from '../doctor/watch.js';
import { doctorCollectCommand } from './doctor-collect.js';
import { helpWithExamples } from './help.js';
import { runCommand } from './run.js';

interface DoctorFlags {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  snapshot?: string;
  cluster: boolean;
  env?: Environment | 'local';
  data: string;
  live: boolean;
  refresherUrl?: string;
  refresherInternalUrl?: string;
  fleetRefresherUrl?: string;
  prometheusUrl?: string;
  alertmanagerUrl?: string;
  escalationUrl?: string;
  watch: boolean;
  interval: string;
  output: OutputFormat;
  fleetManagerNamespace?: string;
  prometheusNamespace?: string;
  observatoriumUrl?: string;
  clientId?: string;
  issuerUrl?: string;
  audience?: string;
  logTail: string;
  since?: string;
}

/**
 * `obspath doctor`: the runbook "Observatorium sending status codes other than 2xx", executed against a
 * cluster (kubeconfig), an incident snapshot directory, or (--no-cluster) the local flags and environment.
 * Exit code: 0 when nothing failed (warnings included), 1 when a check failed, 2 on bad usage.
 */
export function doctorCommand(): Command {
  const cmd = new Command('doctor')
    .description('run the Observatorium non-2xx runbook: logs, Observatorium URL, credentials, NetworkPolicy, refresher health; names the root cause')
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, then ~/.kube/config, then in-cluster)')
    .option('--context <name>', 'kubeconfig context (default: current-context)')
    .option('-n, --namespace <ns>', `namespace of the token refresher (default: the context's, else ${DEFAULT_NAMESPACE})`)
    .option('--snapshot <dir|archive>', 'read `kubectl get -o yaml` files and *.log files from this directory (or what `doctor collect` wrote, .tar.gz too) instead of a cluster')
    .option('--no-cluster', 'check only flags and environment (OBSERVATORIUM_URL, CLIENT_ID, CLIENT_SECRET, ISSUER_URL, OIDC_AUDIENCE, DOCTOR_TOKEN)')
    .addOption(new Option('--env <env>', 'stage|production: the runbook\'s URLs are expected (default: from the namespace name); local: diagnose what `obspath up` runs (reads <data>/stack.json)').choices(['stage', 'production', 'local']))
    .option('--data <dir>', 'with --env local: the data directory of `obspath up`', '.obspath')
    .option('--live', 'also probe the endpoints (URL, token grant, refresher, queries); always on with --env local', false)
    .option('--refresher-url <url>', 'the token refresher\'s proxy address, for the live checks')
    .option('--refresher-internal-url <url>', 'the token refresher\'s internal address (/ready), for the live checks')
    .option('--fleet-refresher-url <url>', 'the address the fleet manager sends requests to (default: --refresher-url)')
    .addOption(new Option('--prometheus-url <url>', 'Prometheus to read firing alerts from (TokenRefresherDown)').env('OBSPATH_DOCTOR_PROMETHEUS_URL'))
    .addOption(new Option('--alertmanager-url <url>', 'Alertmanager to read firing alerts from').env('OBSPATH_DOCTOR_ALERTMANAGER_URL'))
    .addOption(new Option('--escalation-url <url>', 'the Control Plane escalation policy link, printed when the cause is on Observatorium\'s side').env('OBSPATH_DOCTOR_ESCALATION_URL'))
    .option('--watch', 're-run every --interval and print what changed (Ctrl-C stops)', false)
    .option('--interval <seconds>', 'with --watch: seconds between runs', '5')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['human', 'json', 'markdown']).default('human'))
    .option('--fleet-manager-namespace <ns>', 'namespace of the fleet manager pods (default: the refresher\'s)')
    .option('--prometheus-namespace <ns>', 'namespace of the app-sre Prometheus pods (default: the refresher\'s)')
    .option('--observatorium-url <url>', 'check this URL instead of the refresher deployment\'s')
    .option('--client-id <id>', 'check this client id instead of the deployment\'s (the secret only via CLIENT_SECRET with --no-cluster)')
    .option('--issuer-url <url>', 'check this issuer URL instead of the deployment\'s')
    .option('--audience <aud>', 'check this audience instead of the deployment\'s')
    .option('--log-tail <lines>', 'recent lines of each log to scan', '2000')
    .option('--since <seconds>', 'only log lines newer than this many seconds');
  helpWithExamples(cmd, {
    notes: 'Exit 0: nothing failed (warnings included); 1: a check failed, the verdict names the cause; 2: could not run (bad usage, no cluster, or every step skipped: nothing could be checked).',
    examples: [
      ['npx obspath doctor --env local', 'what `obspath up` runs (reads .obspath/stack.json, probes every hop)'],
      ['npx obspath doctor --snapshot test/fixtures/doctor/incident -o markdown', 'an incident snapshot (kubectl get -o yaml files, *.log), for the incident channel'],
      ['npx obspath doctor -n managed-services-stage --prometheus-url http://127.0.0.1:9090', 'the current kubeconfig context, with firing alerts from Prometheus'],
    ],
  });
  cmd.action((flags: DoctorFlags) => runCommand(() => runDoctorFlags(flags)));
  cmd.addCommand(doctorCollectCommand());
  return cmd;
}

/** One doctor run (or a --watch loop) for parsed flags; sets the exit code. */
async function runDoctorFlags(flags: DoctorFlags): Promise<void> {
  const tail = Number(flags.logTail);
  const usage = (field: string, message: string) => new ConfigError([{ field, origin: `flag ${field}`, message }], 'doctor options');
  if (!Number.isInteger(tail) || tail <= 0) throw usage('--log-tail', `must be a positive integer, got "${flags.logTail}"`);
  const since = flags.since === undefined ? undefined : Number(flags.since);
  if (since !== undefined && (!Number.isInteger(since) || since <= 0)) throw usage('--since', `must be a positive number of seconds, got "${flags.since}"`);
  if (flags.snapshot && !flags.cluster) throw usage('--snapshot', 'cannot be combined with --no-cluster');
  const interval = Number(flags.interval);
  if (!(interval > 0)) throw usage('--interval', `must be a positive number of seconds, got "${flags.interval}"`);
  const isLocal = flags.env === 'local';
  let facts: ClusterFacts | undefined;
  let collected: CollectManifest | undefined;
  const env = process.env;
  // Everything that may fail before a report exists is "could not run": exit 2.
  let build: () => Promise<DoctorOptions>;
  try {
    if (isLocal) {
      if (flags.snapshot) throw usage('--snapshot', 'cannot be combined with --env local');
      build = () => localDoctorOptions({ dataDir: flags.data, tailLines: tail, sinceSeconds: since, escalationUrl: flags.escalationUrl, extra: extraTargets(flags) });
      await build(); // fail fast (exit 2) when there is no running stack
    } else {
      if (flags.snapshot) ({ facts, manifest: collected } = await openSnapshot(flags.snapshot, flags.namespace));
      else if (flags.cluster) facts = LiveClusterFacts.fromKubeconfig({ kubeconfig: flags.kubeconfig, context: flags.context, namespace: flags.namespace });
      const options = clusterDoctorOptions({
        facts, preset: flags.env as Environment | undefined, live: flags.live, extra: extraTargets(flags),
        local: localConfigFromFlags(flags, env, facts !== undefined),
        logTailLines: tail, logSinceSeconds: since, escalationUrl: flags.escalationUrl,
        targets: {
          namespace: flags.namespace,
          fleetManagerNamespace: flags.fleetManagerNamespace ?? collected?.targets.fleetManagerNamespace,
          prometheusNamespace: flags.prometheusNamespace ?? collected?.targets.prometheusNamespace,
        },
      });
      // A collected snapshot is judged as of when it was collected ("recent" restarts stay recent).
      build = async () => ({ ...options, ...(collected ? { now: new Date(collected.collectedAt) } : {}) });
    }
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    process.stderr.write(`obspath: ${(err as Error).message}\n`);
    process.exit(2);
  }
  const color = flags.output === 'human' && process.stdout.isTTY === true && !env.NO_COLOR;
  const render = (r: DoctorReport) => process.stdout.write(renderReport(r, flags.output, { color }));
  // A report whose every step was skipped found nothing because it looked at nothing: could not run.
  const exitCodeOf = (r: DoctorReport | undefined) => {
    if (r && r.checks.every((c) => c.status === 'skipped')) {
      process.stderr.write('obspath doctor: nothing could be checked: give a kubeconfig context, --snapshot DIR, --env local, '
        + 'or (with --no-cluster) OBSERVATORIUM_URL, CLIENT_ID, CLIENT_SECRET, ISSUER_URL or --observatorium-url\n');
      return 2;
    }
    return r?.status === 'fail' ? 1 : 0;
  };
  try {
    if (flags.watch) {
      const stop = new AbortController();
      process.once('SIGINT', () => stop.abort());
      process.once('SIGTERM', () => stop.abort());
      const last = await watch({ intervalMs: interval * 1000, run: async () => runDoctor(await build()), printFull: render, print: (l) => process.stdout.write(`${l}\n`), signal: stop.signal });
      process.exitCode = exitCodeOf(last);
    } else {
      const report = await runDoctor(await build());
      render(report);
      process.exitCode = exitCodeOf(report);
    }
  } finally {
    await facts?.close();
  }
}

/** Live-check addresses given as flags (they win over what --env local reads). */
function extraTargets(flags: DoctorFlags): Partial<LiveTargets> {
  const out: Partial<LiveTargets> = {};
  if (flags.refresherUrl) out.refresherUrl = flags.refresherUrl;
  if (flags.refresherInternalUrl) out.refresherInternalUrl = flags.refresherInternalUrl;
  if (flags.fleetRefresherUrl ?? flags.refresherUrl) out.fleetRefresherUrl = flags.fleetRefresherUrl ?? flags.refresherUrl;
  if (flags.prometheusUrl) out.prometheusUrl = flags.prometheusUrl;
  if (flags.alertmanagerUrl) out.alertmanagerUrl = flags.alertmanagerUrl;
  return out;
}
