// The stack watching itself: the store's alert rules (the bundle), where its alerts go, and the two components
// that receive them: `obspath doctor serve` (run as a child process like every component: the stack does not
// import the doctor) and, with `up --alertmanager`, Debian's Alertmanager routing every alert to the doctor.
import { accessSync, constants, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { parsePrometheusDuration } from '../duration/duration.js';

/** The bundle's alert rules (deploy/prometheus/alerts.yaml), beside dist/ and src/ in a checkout and in the package. */
export const ALERT_RULES = fileURLToPath(new URL('../../deploy/prometheus/alerts.yaml', import.meta.url));
/** How often the stack's store evaluates the bundle (as often as the stack scrapes). */
export const RULE_EVALUATION_INTERVAL = '5s';
/** Debian's Alertmanager binary (package prometheus-alertmanager). */
export const ALERTMANAGER_BINARY = 'prometheus-alertmanager';

/**
 * Copies the bundle among the stack's config files. `alertFor` (tests only) replaces every alert's `for:`
 * duration in that copy, and says so in its first line: the expressions, labels and annotations stay the
 * bundle's, only how long a condition must hold before it fires is shortened. Undefined when no bundle is there.
 */
export function writeAlertRules(configDir: string, alertFor?: string): string | undefined {
  if (!existsSync(ALERT_RULES)) return undefined;
  const file = join(configDir, 'alerts.yaml');
  if (alertFor === undefined) {
    copyFileSync(ALERT_RULES, file);
    return file;
  }
  if (parsePrometheusDuration(alertFor) === null) throw new Error(`alertFor: not a Prometheus duration: "${alertFor}"`);
  const groups = parse(readFileSync(ALERT_RULES, 'utf8')) as { groups: Array<{ rules: Array<Record<string, unknown>> }> };
  for (const g of groups.groups) for (const r of g.rules) if (typeof r.alert === 'string') r.for = alertFor;
  writeFileSync(file, `# deploy/prometheus/alerts.yaml with every alert's for: set to ${alertFor} (obspath up, alertFor override)\n${stringify(groups)}`);
  return file;
}

/** Alertmanager's configuration: every alert to doctor serve's webhook, resolved ones too, quickly grouped. */
function writeAlertmanagerConfig(configDir: string, webhookUrl: string): string {
  const file = join(configDir, 'alertmanager.yml');
  writeFileSync(file, stringify({
    route: { receiver: 'doctor', group_by: ['alertname'], group_wait: '1s', group_interval: '5s', repeat_interval: '1h' },
    receivers: [{ name: 'doctor', webhook_configs: [{ url: webhookUrl, send_resolved: true }] }],
  }));
  return file;
}

/** The first executable called `name` on PATH, or undefined. */
export function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch { /* not here */ }
  }
  return undefined;
}

export interface AlertmanagerSpec { command: string; args: string[]; readyUrl: string }

/** Debian's Alertmanager on loopback, clustering off (gossip would listen on every interface and wait for peers). */
export function alertmanagerSpec(o: { dataDir: string; configDir: string; port: number; doctorUrl: string; logLevel: string }): AlertmanagerSpec {
  const storage = join(o.dataDir, 'alertmanager');
  mkdirSync(storage, { recursive: true });
  const level = ['debug', 'info', 'warn', 'error'].includes(o.logLevel) ? o.logLevel : 'warn';
  return {
    command: ALERTMANAGER_BINARY,
    args: [
      `--config.file=${writeAlertmanagerConfig(o.configDir, `${o.doctorUrl}/api/v2/webhook`)}`, `--storage.path=${storage}`,
      `--web.listen-address=127.0.0.1:${o.port}`, '--cluster.listen-address=', `--log.level=${level}`,
    ],
    readyUrl: `http://127.0.0.1:${o.port}/-/ready`,
  };
}

/** A clear error when `up --alertmanager` is asked for and Debian's binary is not installed. */
export function assertAlertmanagerInstalled(): void {
  if (findOnPath(ALERTMANAGER_BINARY) === undefined) {
    throw new Error(`--alertmanager: ${ALERTMANAGER_BINARY} is not on PATH; install it (Debian/Ubuntu: apt-get install prometheus-alertmanager) or run without --alertmanager (the store then sends its alerts to doctor serve directly)`);
  }
}
