import { Command, Option } from 'commander';
import { ConfigError } from '../config/load.js';
import { LiveClusterFacts } from '../doctor/k8s/live-source.js';
import { SnapshotClusterFacts } from '../doctor/k8s/snapshot-source.js';
import type { ClusterFacts } from '../doctor/facts.js';
import { renderReport, type OutputFormat } from '../doctor/render.js';
import { runDoctor } from '../doctor/run.js';
import { DEFAULT_NAMESPACE, type Environment } from '../doctor/targets.js';
import { runCommand } from './run.js';

interface DoctorFlags {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  snapshot?: string;
  cluster: boolean;
  env?: Environment;
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
    .option('--snapshot <dir>', 'read `kubectl get -o yaml` files and *.log files from this directory instead of a cluster')
    .option('--no-cluster', 'check only flags and environment (OBSERVATORIUM_URL, CLIENT_ID, CLIENT_SECRET, ISSUER_URL, OIDC_AUDIENCE, DOCTOR_TOKEN)')
    .addOption(new Option('--env <env>', 'environment whose Observatorium URL is expected (default: from the namespace name)').choices(['stage', 'production']))
    .addOption(new Option('-o, --output <format>', 'output format').choices(['human', 'json', 'markdown']).default('human'))
    .option('--fleet-manager-namespace <ns>', 'namespace of the fleet manager pods (default: the refresher\'s)')
    .option('--prometheus-namespace <ns>', 'namespace of the app-sre Prometheus pods (default: the refresher\'s)')
    .option('--observatorium-url <url>', 'check this URL instead of the refresher deployment\'s')
    .option('--client-id <id>', 'check this client id instead of the deployment\'s (the secret only via CLIENT_SECRET with --no-cluster)')
    .option('--issuer-url <url>', 'check this issuer URL instead of the deployment\'s')
    .option('--audience <aud>', 'check this audience instead of the deployment\'s')
    .option('--log-tail <lines>', 'recent lines of each log to scan', '2000')
    .option('--since <seconds>', 'only log lines newer than this many seconds');
  cmd.action((flags: DoctorFlags) =>
    runCommand(async () => {
      const tail = Number(flags.logTail);
      const usage = (field: string, message: string) => new ConfigError([{ field, origin: `flag ${field}`, message }], 'doctor options');
      if (!Number.isInteger(tail) || tail <= 0) throw usage('--log-tail', `must be a positive integer, got "${flags.logTail}"`);
      const since = flags.since === undefined ? undefined : Number(flags.since);
      if (since !== undefined && (!Number.isInteger(since) || since <= 0)) throw usage('--since', `must be a positive number of seconds, got "${flags.since}"`);
      if (flags.snapshot && !flags.cluster) throw usage('--snapshot', 'cannot be combined with --no-cluster');
      let facts: ClusterFacts | undefined;
      if (flags.snapshot) facts = new SnapshotClusterFacts(flags.snapshot, flags.namespace ?? DEFAULT_NAMESPACE);
      else if (flags.cluster) facts = LiveClusterFacts.fromKubeconfig({ kubeconfig: flags.kubeconfig, context: flags.context, namespace: flags.namespace });
      const env = process.env;
      // The shell's refresher variables are the configuration under test only when no cluster is.
      const fromEnv = facts ? {} : {
        observatoriumUrl: env.OBSERVATORIUM_URL ?? env.UPSTREAM_URL, clientId: env.OIDC_CLIENT_ID ?? env.CLIENT_ID,
        clientSecret: env.OIDC_CLIENT_SECRET ?? env.CLIENT_SECRET, issuerUrl: env.OIDC_ISSUER_URL ?? env.ISSUER_URL,
        audience: env.OIDC_AUDIENCE, token: env.DOCTOR_TOKEN,
      };
      const pick = <T>(flag: T | undefined, fallback: T | undefined) => (flag !== undefined ? flag : fallback);
      try {
        const report = await runDoctor({
          facts,
          environment: flags.env,
          targets: {
            ...(flags.namespace ? { namespace: flags.namespace } : {}),
            ...(flags.fleetManagerNamespace ? { fleetManagerNamespace: flags.fleetManagerNamespace } : {}),
            ...(flags.prometheusNamespace ? { prometheusNamespace: flags.prometheusNamespace } : {}),
          },
          local: {
            observatoriumUrl: pick(flags.observatoriumUrl, fromEnv.observatoriumUrl),
            clientId: pick(flags.clientId, fromEnv.clientId),
            clientSecret: fromEnv.clientSecret,
            issuerUrl: pick(flags.issuerUrl, fromEnv.issuerUrl),
            audience: pick(flags.audience, fromEnv.audience),
            token: fromEnv.token,
          },
          logTailLines: tail,
          logSinceSeconds: since,
        });
        const color = flags.output === 'human' && process.stdout.isTTY === true && !env.NO_COLOR;
        process.stdout.write(renderReport(report, flags.output, { color }));
        if (report.status === 'fail') process.exitCode = 1;
      } finally {
        await facts?.close();
      }
    }),
  );
  return cmd;
}
