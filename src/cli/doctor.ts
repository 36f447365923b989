import { Command, Option } from 'commander';
import { ConfigError } from '../config/load.js';
import { OUTPUT_FORMATS, renderReport, type OutputFormat } from '../doctor/render.js';
import { runDoctor } from '../doctor/run.js';
import type { DoctorReport } from '../doctor/report.js';
import { watch } from '../doctor/watch.js';
import { doctorCollectCommand } from './doctor-collect.js';
import { doctorServeCommand } from './doctor-serve.js';
import { addTargetOptions, planDoctorRuns, usage, type DoctorRunPlan, type DoctorTargetFlags } from './doctor-targets.js';
import { helpWithExamples } from './help.js';
import { runCommand } from './run.js';

interface DoctorFlags extends DoctorTargetFlags {
  watch: boolean;
  interval: string;
  output: OutputFormat;
}

/**
 * `obspath doctor`: the runbook "Observatorium sending status codes other than 2xx", executed against a
 * cluster (kubeconfig), an incident snapshot directory, or (--no-cluster) the local flags and environment.
 * Exit code: 0 when nothing failed (warnings included), 1 when a check failed, 2 on bad usage.
 */
export function doctorCommand(): Command {
  const cmd = new Command('doctor')
    .description('run the Observatorium non-2xx runbook: logs, Observatorium URL, credentials, NetworkPolicy, refresher health; names the root cause');
  addTargetOptions(cmd)
    .option('--watch', 're-run every --interval and print what changed (Ctrl-C stops)', false)
    .option('--interval <seconds>', 'with --watch: seconds between runs', '5')
    .addOption(new Option('-o, --output <format>', 'output format (html: one self-contained page, e.g. > report.html)').choices([...OUTPUT_FORMATS]).default('human'));
  helpWithExamples(cmd, {
    notes: 'Exit 0: nothing failed (warnings included); 1: a check failed, the verdict names the cause; 2: could not run (bad usage, no cluster, or every step skipped: nothing could be checked).\n\n'
      + '`obspath doctor serve` runs the same checks as a service answering Alertmanager\'s webhook (obspath doctor serve --help).',
    examples: [
      ['npx obspath doctor --env local', 'what `obspath up` runs (reads .obspath/stack.json, probes every hop)'],
      ['npx obspath doctor --snapshot test/fixtures/doctor/incident -o html > report.html', 'an incident snapshot (kubectl get -o yaml files, *.log) as one self-contained HTML page (-o markdown: for the incident channel)'],
      ['npx obspath doctor -n managed-services-stage --prometheus-url http://127.0.0.1:9090', 'the current kubeconfig context, with firing alerts from Prometheus'],
    ],
  });
  // Positional: the doctor's own flags stop at `serve`, which has the same ones.
  cmd.enablePositionalOptions().addCommand(doctorServeCommand()).addCommand(doctorCollectCommand());
  cmd.action((flags: DoctorFlags) => runCommand(() => runDoctorFlags(flags)));
  return cmd;
}

/** One doctor run (or a --watch loop) for parsed flags; sets the exit code. */
async function runDoctorFlags(flags: DoctorFlags): Promise<void> {
  const interval = Number(flags.interval);
  if (!(interval > 0)) throw usage('--interval', `must be a positive number of seconds, got "${flags.interval}"`);
  let plan: DoctorRunPlan;
  // Everything that may fail before a report exists is "could not run": exit 2.
  try {
    plan = await planDoctorRuns(flags, flags.env === 'local');
    if (plan.local) await plan.build(); // fail fast (exit 2) when there is no running stack
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    process.stderr.write(`obspath: ${(err as Error).message}\n`);
    process.exit(2);
  }
  const build = async () => (await plan.build()).options;
  const color = flags.output === 'human' && process.stdout.isTTY === true && !process.env.NO_COLOR;
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
    await plan.close();
  }
}

