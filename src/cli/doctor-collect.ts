import { Command } from 'commander';
import { ConfigError } from '../config/load.js';
import { collectSnapshot } from '../doctor/collect/index.js';
import { LiveClusterFacts } from '../doctor/k8s/live-source.js';
import { DEFAULT_NAMESPACE } from '../doctor/targets.js';
import { helpWithExamples } from './help.js';
import { runCommand } from './run.js';

interface CollectFlags {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  fleetManagerNamespace?: string;
  prometheusNamespace?: string;
  logTail?: string;
  since?: string;
}

export const COLLECT_DESCRIPTION = 'gather from the cluster every object and log the doctor\'s checks read into a directory or .tar.gz (secrets as key names only), for `obspath doctor --snapshot` offline';

/**
 * `obspath doctor collect <out>`: the cluster checks run through a recorder against the kubeconfig's cluster;
 * what they read is written as a snapshot. Exit 0 when written, 2 when it could not run (no kubeconfig, bad
 * usage, an existing non-empty directory).
 */
export function doctorCollectCommand(): Command {
  const cmd = new Command('collect')
    .description(COLLECT_DESCRIPTION)
    .argument('<out>', 'a new (or empty) directory, or a file ending in .tar.gz or .tgz')
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, then ~/.kube/config, then in-cluster)')
    .option('--context <name>', 'kubeconfig context (default: current-context)')
    .option('-n, --namespace <ns>', `namespace of the token refresher (default: the context's, else ${DEFAULT_NAMESPACE})`)
    .option('--fleet-manager-namespace <ns>', 'namespace of the fleet manager pods (default: the refresher\'s)')
    .option('--prometheus-namespace <ns>', 'namespace of the app-sre Prometheus pods (default: the refresher\'s)')
    .option('--log-tail <lines>', 'recent lines of each log to keep (default: 2000)')
    .option('--since <seconds>', 'only log lines newer than this many seconds');
  helpWithExamples(cmd, {
    notes: 'Reads what `obspath doctor` reads (pods, deployments, events, the refresher\'s Secret, NetworkPolicies, namespaces, current and previous logs), read-only. '
      + 'Secrets are written as their key names only; literal secret values in pod specs, flags and logs are replaced by [REDACTED]. '
      + 'collect.json records when and where, and the reads that failed, so `obspath doctor --snapshot <out>` gives the same report offline.',
    examples: [
      ['npx obspath doctor collect -n managed-services-stage incident-42.tar.gz', 'the current context into an archive to attach to the incident'],
      ['npx obspath doctor --snapshot incident-42.tar.gz -o markdown', 'the same analysis, offline, from the archive'],
      ['npx obspath doctor collect --context stage-admin ./snapshot', 'into a directory of YAML and log files'],
    ],
  });
  // Options shared with `doctor` (--kubeconfig, -n, ...) are parsed by `doctor` itself when they follow
  // `collect` (commander hands unknown arguments up first): read them merged with the parent's.
  cmd.action((out: string, _flags: CollectFlags, self: Command) => runCommand(() => collect(out, self.optsWithGlobals<CollectFlags>())));
  return cmd;
}

async function collect(out: string, flags: CollectFlags): Promise<void> {
  const usage = (field: string, message: string) => new ConfigError([{ field, origin: `flag ${field}`, message }], 'doctor collect options');
  const tail = Number(flags.logTail ?? '2000');
  if (!Number.isInteger(tail) || tail <= 0) throw usage('--log-tail', `must be a positive integer, got "${flags.logTail}"`);
  const since = flags.since === undefined ? undefined : Number(flags.since);
  if (since !== undefined && (!Number.isInteger(since) || since <= 0)) throw usage('--since', `must be a positive number of seconds, got "${flags.since}"`);
  let facts: LiveClusterFacts;
  try {
    facts = LiveClusterFacts.fromKubeconfig({ kubeconfig: flags.kubeconfig, context: flags.context, namespace: flags.namespace });
  } catch (err) {
    process.stderr.write(`obspath: ${(err as Error).message}\n`);
    process.exit(2);
  }
  try {
    const r = await collectSnapshot({
      facts, out, logTailLines: tail, logSinceSeconds: since,
      targets: { namespace: flags.namespace, fleetManagerNamespace: flags.fleetManagerNamespace, prometheusNamespace: flags.prometheusNamespace },
    });
    // Step 5 probes running endpoints: never part of a snapshot.
    const skipped = r.report.checks.filter((c) => c.status === 'skipped' && c.id !== 'observatorium-health').map((c) => `${c.step} (${c.summary})`);
    const top = r.report.verdicts[0];
    process.stdout.write([
      `collected ${r.objects} object(s) and ${r.logs} log(s) from ${facts.describe()}, namespace ${r.report.source.namespace}, into ${out} (Secrets: key names only)`,
      `analysis: ${r.report.status.toUpperCase()}${top ? `; top verdict ${top.cause} (${top.confidence})` : ''}${r.report.verdicts.length > 1 ? `, ${r.report.verdicts.length - 1} more` : ''}`,
      ...(skipped.length > 0 ? [`steps not collected: ${skipped.join('; ')}`] : []),
      `re-run offline: obspath doctor --snapshot ${out}`,
      '',
    ].join('\n'));
    // Nothing could be read (no access, API server unreachable): the snapshot holds no facts.
    if (r.report.checks.every((c) => c.status === 'skipped' || c.id === 'observatorium-health')) process.exitCode = 2;
  } catch (err) {
    process.stderr.write(`obspath doctor collect: ${(err as Error).message}\n`);
    process.exitCode = 2;
  } finally {
    await facts.close();
  }
}
