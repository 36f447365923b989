// What `obspath doctor` and `obspath doctor serve` diagnose: the target flags (a local stack, a cluster, a
// snapshot, or flags and environment) and the plan that turns them into runDoctor options for each run.
import { Command, Option } from 'commander';
import { ConfigError } from '../config/load.js';
import { clusterDoctorOptions, localConfigFromFlags } from '../doctor/cluster-options.js';
import { openSnapshot, type CollectManifest } from '../doctor/collect/index.js';
import type { ClusterFacts } from '../doctor/facts.js';
import { LiveClusterFacts } from '../doctor/k8s/live-source.js';
import type { LiveTargets } from '../doctor/live/index.js';
import { localDoctorOptions } from '../doctor/local/options.js';
import type { DoctorOptions } from '../doctor/run.js';
import { DEFAULT_NAMESPACE, type Environment } from '../doctor/targets.js';

/** The flags of addTargetOptions. */
export interface DoctorTargetFlags {
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
  fleetManagerNamespace?: string;
  prometheusNamespace?: string;
  observatoriumUrl?: string;
  clientId?: string;
  issuerUrl?: string;
  audience?: string;
  logTail: string;
  since?: string;
}

/** The options that say what is diagnosed and how (shared by `doctor` and `doctor serve`). */
export function addTargetOptions(cmd: Command): Command {
  return cmd
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
    .option('--fleet-manager-namespace <ns>', 'namespace of the fleet manager pods (default: the refresher\'s)')
    .option('--prometheus-namespace <ns>', 'namespace of the app-sre Prometheus pods (default: the refresher\'s)')
    .option('--observatorium-url <url>', 'check this URL instead of the refresher deployment\'s')
    .option('--client-id <id>', 'check this client id instead of the deployment\'s (the secret only via CLIENT_SECRET with --no-cluster)')
    .option('--issuer-url <url>', 'check this issuer URL instead of the deployment\'s')
    .option('--audience <aud>', 'check this audience instead of the deployment\'s')
    .option('--log-tail <lines>', 'recent lines of each log to scan', '2000')
    .option('--since <seconds>', 'only log lines newer than this many seconds');
}

/** How to build each run's options from the target flags; `release` closes a cluster connection it opened. */
export interface DoctorRunPlan {
  local: boolean;
  /** Options for one run; `namespace` overrides --namespace (a cluster target named by an alert's labels). */
  build: (namespace?: string) => Promise<{ options: DoctorOptions; release: () => Promise<void> }>;
  /** Closes the connection kept for the default namespace. */
  close: () => Promise<void>;
}

/** A bad doctor flag (exit 2). */
export const usage = (field: string, message: string) => new ConfigError([{ field, origin: `flag ${field}`, message }], 'doctor options');

/**
 * Validates the target flags and plans the runs: a local stack (`local`), or a cluster, a snapshot, or (with
 * --no-cluster) flags and environment. Throws ConfigError on bad usage; an unreadable kubeconfig or snapshot
 * archive throws too.
 */
export async function planDoctorRuns(flags: DoctorTargetFlags, local: boolean): Promise<DoctorRunPlan> {
  const tail = Number(flags.logTail);
  if (!Number.isInteger(tail) || tail <= 0) throw usage('--log-tail', `must be a positive integer, got "${flags.logTail}"`);
  const since = flags.since === undefined ? undefined : Number(flags.since);
  if (since !== undefined && (!Number.isInteger(since) || since <= 0)) throw usage('--since', `must be a positive number of seconds, got "${flags.since}"`);
  if (flags.snapshot && !flags.cluster) throw usage('--snapshot', 'cannot be combined with --no-cluster');
  if (local) {
    if (flags.snapshot) throw usage('--snapshot', 'cannot be combined with --env local');
    const build = async () => ({ options: await localDoctorOptions({ dataDir: flags.data, tailLines: tail, sinceSeconds: since, escalationUrl: flags.escalationUrl, extra: extraTargets(flags) }), release: async () => {} });
    return { local, build, close: async () => {} };
  }
  let collected: CollectManifest | undefined;
  const factsFor = async (namespace: string | undefined): Promise<ClusterFacts | undefined> => {
    if (flags.snapshot) {
      const opened = await openSnapshot(flags.snapshot, namespace);
      collected ??= opened.manifest;
      return opened.facts;
    }
    return flags.cluster ? LiveClusterFacts.fromKubeconfig({ kubeconfig: flags.kubeconfig, context: flags.context, namespace }) : undefined;
  };
  const base = await factsFor(flags.namespace);
  const optionsFor = (facts: ClusterFacts | undefined, namespace: string | undefined): DoctorOptions => ({
    ...clusterDoctorOptions({
      facts, preset: flags.env as Environment | undefined, live: flags.live, extra: extraTargets(flags),
      local: localConfigFromFlags(flags, process.env, facts !== undefined),
      logTailLines: tail, logSinceSeconds: since, escalationUrl: flags.escalationUrl,
      targets: {
        namespace,
        fleetManagerNamespace: flags.fleetManagerNamespace ?? collected?.targets.fleetManagerNamespace,
        prometheusNamespace: flags.prometheusNamespace ?? collected?.targets.prometheusNamespace,
      },
    }),
    // A collected snapshot is judged as of when it was collected ("recent" restarts stay recent).
    ...(collected ? { now: new Date(collected.collectedAt) } : {}),
  });
  return {
    local,
    build: async (namespace) => {
      if (namespace === undefined || namespace === flags.namespace || !base) return { options: optionsFor(base, flags.namespace), release: async () => {} };
      const facts = await factsFor(namespace);
      return { options: optionsFor(facts, namespace), release: async () => facts?.close() };
    },
    close: async () => base?.close(),
  };
}

/** Live-check addresses given as flags (they win over what --env local reads). */
function extraTargets(flags: DoctorTargetFlags): Partial<LiveTargets> {
  const out: Partial<LiveTargets> = {};
  if (flags.refresherUrl) out.refresherUrl = flags.refresherUrl;
  if (flags.refresherInternalUrl) out.refresherInternalUrl = flags.refresherInternalUrl;
  if (flags.fleetRefresherUrl ?? flags.refresherUrl) out.fleetRefresherUrl = flags.fleetRefresherUrl ?? flags.refresherUrl;
  if (flags.prometheusUrl) out.prometheusUrl = flags.prometheusUrl;
  if (flags.alertmanagerUrl) out.alertmanagerUrl = flags.alertmanagerUrl;
  return out;
}
