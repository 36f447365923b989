// `obspath doctor serve`: the doctor as a long-running service answering Alertmanager's webhook. The targets are
// the doctor's own (a local stack with --data or --env local; a cluster, snapshot or flags otherwise); a cluster
// alert's `namespace` label picks the namespace diagnosed.
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { parseGoDuration } from '../duration/duration.js';
import { runDoctor } from '../doctor/run.js';
import { DEFAULT_SERVE_LISTEN, startDoctorService, type DoctorTarget, type NotifyTarget } from '../doctor/serve/index.js';
import { onShutdownSignal } from '../http/lifecycle.js';
import { createLogger, LOG_LEVELS } from '../telemetry/logger.js';
import { addTargetOptions, planDoctorRuns, usage, type DoctorRunPlan, type DoctorTargetFlags } from './doctor-targets.js';
import { helpWithExamples } from './help.js';
import { runCommand } from './run.js';

/** Commander keeps the dots of dotted flags in the attribute names. */
interface ServeFlags extends DoctorTargetFlags {
  'web.listen': string;
  'web.externalUrl'?: string;
  'web.maxBodyBytes': string;
  'run.minInterval': string;
  'run.timeout': string;
  'notify.webhookUrl'?: string[];
  'notify.jsonUrl'?: string[];
  'notify.timeout': string;
  'log.level': string;
}

const collect = (v: string, prev: string[] | undefined) => [...(prev ?? []), v];

export function doctorServeCommand(): Command {
  const cmd = new Command('serve')
    .description('run the doctor as a service: answer Alertmanager webhooks with a runbook run, publish the verdict (JSON, metrics, HTML), post it to chat');
  addTargetOptions(cmd)
    .addOption(new Option('--web.listen <addr>', 'address of the API (/api/v2/webhook, /api/v1/verdict, /api/v1/run, /metrics, /, /ready)').env('OBSPATH_DOCTOR_WEB_LISTEN').default(DEFAULT_SERVE_LISTEN))
    .addOption(new Option('--web.external-url <url>', 'the address receivers should link to (default: the listen address)').env('OBSPATH_DOCTOR_WEB_EXTERNAL_URL'))
    .option('--web.max-body-bytes <n>', 'largest webhook body accepted; larger gets 413', String(2 << 20))
    .option('--run.min-interval <duration>', 'alert-triggered runs of one target at most this often; alerts meanwhile are folded into one run at the end of it', '30s')
    .option('--run.timeout <duration>', 'bound on each run (its checks are bounded at 9-20 s each)', '30s')
    .option('--notify.webhook-url <url>', 'post each new or changed verdict as Slack-compatible JSON (text + blocks); repeatable', collect)
    .option('--notify.json-url <url>', 'post each new or changed verdict as the doctor\'s JSON report (-o json); repeatable', collect)
    .option('--notify.timeout <duration>', 'bound on each post', '5s')
    .addOption(new Option('--log.level <level>', 'error, warn, info or debug').choices(LOG_LEVELS.filter((l) => l !== 'silent')).default('info').env('OBSPATH_DOCTOR_LOG_LEVEL'));
  helpWithExamples(cmd, {
    notes: 'Alerts of deploy/prometheus/alerts.yaml that fire start a run for their target: one run in flight per target (alerts arriving meanwhile join it), '
      + 'at most one per --run.min-interval; resolved alerts and other alerts are acknowledged and ignored. POST /api/v1/run runs by hand (waits for the result; ?wait=false does not). '
      + 'GET /api/v1/verdict answers the latest report (404 before the first), / shows it as HTML, /metrics has obspath_doctor_verdict{cause,hop,confidence,target}, '
      + 'obspath_doctor_runs_total{trigger,result} and obspath_doctor_run_duration_seconds.\n\n'
      + 'Alertmanager receiver: webhook_configs: [{url: "http://127.0.0.1:8097/api/v2/webhook"}]. A Slack webhook URL is a secret: it is never logged, but flags show in ps.',
    examples: [
      ['npx obspath doctor serve --data .obspath', 'diagnose what `obspath up` runs in .obspath, on 127.0.0.1:8097'],
      ['npx obspath doctor serve --data .obspath --notify.webhook-url http://127.0.0.1:9000/hook', 'also post each new verdict to a chat webhook'],
      ['npx obspath doctor serve -n managed-services-stage --web.listen :8097', 'the current kubeconfig context; an alert\'s namespace label picks the namespace'],
    ],
  });
  cmd.action((flags: ServeFlags) => runCommand(() => serve(flags, cmd), 'doctor serve'));
  return cmd;
}

function durationFlag(flag: string, value: string, min: number): number {
  let ms: number;
  try { ms = parseGoDuration(value); } catch (err) { throw usage(flag, (err as Error).message); }
  if (ms < min) throw usage(flag, `must be at least ${min} ms, got "${value}"`);
  return ms;
}

function urlFlags(flag: string, urls: readonly string[] | undefined, format: NotifyTarget['format']): NotifyTarget[] {
  return (urls ?? []).map((url) => {
    let u: URL;
    try { u = new URL(url); } catch { throw usage(flag, `not a URL: "${url}"`); }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw usage(flag, `must be http(s), got "${u.protocol}"`);
    return { url, format };
  });
}

/** The diagnosis targets: a local stack is one target whatever the labels; a cluster's is the alert's namespace. */
function targetsOf(plan: DoctorRunPlan, flags: ServeFlags): (labels: Record<string, string>) => DoctorTarget {
  const runWith = (namespace?: string) => async () => {
    const { options, release } = await plan.build(namespace);
    try { return await runDoctor(options); } finally { await release(); }
  };
  if (plan.local) {
    const target: DoctorTarget = { key: resolve(flags.data), run: runWith() };
    return () => target;
  }
  const cache = new Map<string, DoctorTarget>();
  return (labels) => {
    const namespace = flags.cluster || flags.snapshot ? labels.namespace || flags.namespace : flags.namespace;
    const key = namespace ?? 'default';
    let t = cache.get(key);
    if (!t) cache.set(key, (t = { key, run: runWith(namespace) }));
    return t;
  };
}

async function serve(flags: ServeFlags, cmd: Command): Promise<void> {
  const minIntervalMs = durationFlag('--run.min-interval', flags['run.minInterval'], 0);
  const runTimeoutMs = durationFlag('--run.timeout', flags['run.timeout'], 100);
  const notifyTimeoutMs = durationFlag('--notify.timeout', flags['notify.timeout'], 10);
  const bodyLimit = Number(flags['web.maxBodyBytes']);
  if (!Number.isInteger(bodyLimit) || bodyLimit < 1024) throw usage('--web.max-body-bytes', `must be an integer of at least 1024, got "${flags['web.maxBodyBytes']}"`);
  const notify = [...urlFlags('--notify.webhook-url', flags['notify.webhookUrl'], 'slack'), ...urlFlags('--notify.json-url', flags['notify.jsonUrl'], 'json')];
  // --data given (flag) means the local stack, as --env local does.
  const local = flags.env === 'local' || cmd.getOptionValueSource('data') === 'cli';
  const plan = await planDoctorRuns(flags, local);
  const logger = createLogger({ component: 'doctor', level: flags['log.level'] });
  const service = await startDoctorService({
    listen: flags['web.listen'], externalUrl: flags['web.externalUrl'], logger, targetFor: targetsOf(plan, flags),
    minIntervalMs, runTimeoutMs, notify, notifyTimeoutMs, bodyLimit,
  });
  onShutdownSignal(logger, async () => {
    await service.close();
    await plan.close();
  }, runTimeoutMs + notifyTimeoutMs + 5000);
}
