import { Command } from 'commander';
import { probeConfigSchema, probeFields, startProbe, summarize } from '../probe/index.js';
import { createLogger } from '../telemetry/logger.js';
import { configuredAction } from './options.js';
import { helpWithExamples } from './help.js';

/**
 * Accepts up's Go-style single-dash long flags (-endpoint-write x, -period=1s) by rewriting them to
 * the double-dash form before commander parses; only names of this command's long options are touched.
 */
class GoFlagsCommand extends Command {
  override parseOptions(args: string[]): ReturnType<Command['parseOptions']> {
    const longNames = new Set(this.options.map((o) => o.long).filter((l): l is string => Boolean(l)));
    const rewritten = args.map((a) => {
      if (!/^-[^-]/.test(a)) return a;
      const name = `-${a.split('=', 1)[0]}`;
      return longNames.has(name) ? `-${a}` : a;
    });
    return super.parseOptions(rewritten);
  }
}

export function probeCommand(): Command {
  const cmd = new GoFlagsCommand('probe')
    .description('synthetic prober (as observatorium/up): every period, remote-write a sample whose value is its timestamp and read it back with /query and /query_range');
  helpWithExamples(cmd, {
    notes: `Metrics (--listen): up_remote_writes_total{result,http_code}, up_queries_total{result,http_code} (code 0 counted), up_remote_writes_duration_seconds, up_queries_duration_seconds, up_metric_value_difference, up_probe_failures_total{op,hop,reason}, up_probe_success, up_probe_last_success_timestamp_seconds.

With --duration, exits 0 when writes and reads each reach --threshold, else 1 (no requests at all is a failure); SIGTERM ends such a run early with the same decision. With --duration 0 (default) it runs until stopped and exits 0. Bad flags exit 2. Single-dash forms as in up (-endpoint-write URL) work too.

Through the local path: --endpoint-write http://API/api/metrics/v1/TENANT/api/v1/receive (with a token) and --endpoint-read http://TOKEN-REFRESHER (the refresher adds its token).`,
    examples: [
      ['PROBE_OIDC_CLIENT_SECRET=probe-example-secret npx obspath probe \\\n--endpoint-write http://127.0.0.1:8090/api/metrics/v1/managedkafka/api/v1/receive \\\n--endpoint-read http://127.0.0.1:8080 \\\n--oidc.issuer-url http://127.0.0.1:8085/auth/realms/redhat-external \\\n--oidc.client-id probe --oidc.audience observatorium-telemeter \\\n--duration 10s --period 1s --initial-query-delay 2s --latency 5s', 'write through the API, read back through the token refresher; exit 0 when 90% of each pass'],
      ['npx obspath probe --endpoint-write http://127.0.0.1:9090/api/v1/write \\\n--endpoint-read http://127.0.0.1:9090', 'against a Prometheus with the remote-write receiver, until stopped; metrics on 127.0.0.1:8095'],
    ],
  });
  return configuredAction(cmd, { schema: probeConfigSchema, fields: probeFields, context: 'probe configuration', configFile: true }, async (config) => {
    const secrets = [config.token, config.oidcClientSecret].filter((s): s is string => Boolean(s));
    const logger = createLogger({ component: 'probe', level: config.logLevel, secrets });
    const running = await startProbe(config, logger);
    let interrupted = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (interrupted) process.exit(1);
      interrupted = true;
      logger.info({ signal }, 'stopping');
      // A --duration run stopped early is judged on what it saw so far, as up does.
      const verdict = running.verdict();
      void running.close().finally(() => {
        if (config.duration > 0) {
          logger[verdict.ok ? 'info' : 'error']({ verdict }, `probe ${verdict.ok ? 'passed' : 'failed'} (stopped early): ${summarize(verdict)}${verdict.ok ? '' : `; ${verdict.problems.join('; ')}`}`);
        }
        logger.flush?.();
        process.exit(config.duration > 0 ? verdict.exitCode : 0);
      });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    if (config.duration === 0) return;
    const verdict = await running.done;
    if (interrupted) return; // the signal handler decides and exits
    await running.close();
    logger.flush?.();
    process.exit(verdict.exitCode);
  });
}
