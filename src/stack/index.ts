// `obspath up`: the whole metrics path on 127.0.0.1. Components run as child processes (as pods would),
// supervised and restarted on exit; the data plane and a dashboard user run in this process.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { trustExtraCa } from '../http/extra-ca.js';
import { writeStackFile } from '../stack-file/stack-file.js';
import type { Logger } from '../telemetry/logger.js';
import { startDataPlane, type DataPlane } from './dataplane.js';
import { faultByName, faultConflict, type FaultName } from './faults.js';
import { childSpecOf, startStandIns, waitReady } from './components.js';
import { LiveFaults } from './live-faults.js';
import { LogMux } from './log-stream.js';
import { AUDIENCE, buildPlan, DEMO_INSTANCES, TENANT, type ComponentSpec, type StackPlan } from './plan.js';
import { Supervisor } from './supervisor.js';
import { assertAlertmanagerInstalled } from './watch.js';
import { makeStackTls } from './tls.js';
import { startUserTraffic } from './user-traffic.js';
import { startConsole, type RunningConsole } from './console/server.js';
import { StackEvents } from './events.js';
import { StatusWatcher } from './status/watcher.js';

export { FAULTS, formatFaultCatalog, faultByName, type Fault, type FaultName } from './faults.js';
export { DEMO_INSTANCES, PORT_COUNT, TENANT, TENANT_ID, type StackPlan } from './plan.js';
export { FaultConflictError, UnknownFaultError, type FaultChange } from './live-faults.js';

export interface StackOptions {
  dataDir: string;
  basePort: number;
  faults?: readonly string[];
  logLevel?: string;
  /** Where every component's log lines go, prefixed. */
  out: Writable;
  logger: Logger;
  /** How long to wait for components to become ready. */
  readyTimeoutMs?: number;
  /** A command to run a component under (e.g. ['env', 'LD_PRELOAD=...', 'FAKETIME=-10m'] for a skewed clock), by component. */
  wrap?: Readonly<Partial<Record<string, readonly string[]>>>;
  /** Route the store's alerts through Debian's Alertmanager to doctor serve (up --alertmanager); else directly. */
  alertmanager?: boolean;
  /** Tests only: every alert's `for:` in the stack's copy of the rule bundle (the bundle's are 5-10 minutes). */
  alertFor?: string;
  /** Tests only: the store's scrape and rule evaluation intervals (defaults: 5s and 5s, as `obspath up` runs). */
  scrapeInterval?: string;
  ruleEvaluationInterval?: string;
  /** Every component over TLS with a CA made at start in <data>/tls/ (up --tls). */
  tls?: boolean;
  /** Where the console listens (up --console.listen); default 127.0.0.1:<base port + 9>. */
  consoleListen?: string;
  /** One line per start-up stage and per component ready (the calm terminal's progress). */
  onProgress?: (line: string) => void;
}

export interface Endpoint {
  component: string;
  url: string;
  what: string;
}

export interface RunningStack {
  plan: StackPlan;
  endpoints: Endpoint[];
  supervisor: Supervisor;
  dataPlane: DataPlane;
  /** ms from start until every component that should be up answered. */
  readyMs: number;
  notReady: string[];
  userTraffic: { stats(): Record<number, number> };
  /** The web console and its JSON API. */
  console: RunningConsole;
  /** The change feed (calm terminal lines, the console's timeline). */
  events: StackEvents;
  /** Every hop's live state, polled every second (feeds `events` and GET /api/v1/status). */
  status: StatusWatcher;
  curlExample: string;
  stop(): Promise<void>;
}

/**
 * Starts every component in stages: the issuer, the store and the Alertmanager, then the API, then the rest, so
 * each finds what it calls on its first try (no start-up error noise, and no retry backoff on the critical path);
 * doctor serve last, off the path's critical path. Returns those not ready in time.
 */
async function startComponents(plan: StackPlan, supervisor: Supervisor, readyTimeoutMs: number, wrap: StackOptions['wrap'] = {}, progress: (line: string) => void = () => {}): Promise<string[]> {
  const t0 = Date.now();
  const deadline = t0 + readyTimeoutMs;
  const notReady: string[] = [];
  const runStage = async (stage: readonly ComponentSpec[]) => {
    for (const c of stage) supervisor.start(childSpecOf(c, wrap));
    await Promise.all(stage.map(async (c) => {
      if (await waitReady(c, deadline)) return progress(`${c.name} ${c.readyUrl ? 'ready' : 'started (no readiness to wait for)'} after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      notReady.push(c.name);
      progress(`${c.name} NOT ready after ${(readyTimeoutMs / 1000).toFixed(0)} s (its log: ${join(plan.dataDir, 'logs', `${c.name}.log`)})`);
    }));
  };
  // The API before its clients too: a refresher or probe request to an API still starting is a refused
  // connection in their logs, which `obspath doctor` reads as a fault on a healthy stack. The Alertmanager early,
  // so the store's first alerts find it.
  const stages = [new Set(['issuer', 'store', 'alertmanager']), new Set(['api'])];
  for (const names of stages) await runStage(plan.components.filter((c) => names.has(c.name)));
  const started = new Set(stages.flatMap((st) => [...st]));
  await runStage(plan.components.filter((c) => !started.has(c.name) && c.name !== 'doctor'));
  await runStage(plan.components.filter((c) => c.name === 'doctor'));
  return notReady;
}

const localUrl = (port: number) => `http://127.0.0.1:${port}`;

/** Where the data plane remote-writes: the API, or the stand-in answering 500 in its place. */
function receiveUrlOf(plan: StackPlan): string {
  const apiBase = plan.faults.includes('api-5xx') ? localUrl(plan.ports.fault) : plan.url(plan.ports.api);
  return `${apiBase}/api/metrics/v1/${TENANT}/api/v1/receive`;
}

/** The in-process clients: the data plane writing the demo instances, and a dashboard user reading them. */
function startTraffic(plan: StackPlan, logger: Logger): { dataPlane: DataPlane; userTraffic: ReturnType<typeof startUserTraffic> } {
  const p = plan.ports;
  const dataPlane = startDataPlane({
    receiveUrl: receiveUrlOf(plan),
    issuerUrl: plan.issuerUrl,
    clientId: 'data-plane',
    clientSecret: plan.secrets.dataPlane,
    audience: AUDIENCE,
    instances: DEMO_INSTANCES,
    logger: logger.child({ part: 'data-plane' }),
  });
  const userTraffic = startUserTraffic({
    fleetManagerUrl: plan.url(p.fleetManager),
    issuerUrl: plan.issuerUrl,
    clientId: 'demo-user',
    clientSecret: plan.secrets.demoUser,
    instanceIds: DEMO_INSTANCES.map((k) => k.id),
    logger: logger.child({ part: 'demo-user' }),
  });
  return { dataPlane, userTraffic };
}

function stackEndpoints(plan: StackPlan): Endpoint[] {
  const p = plan.ports;
  const url = plan.url;
  return [
    { component: 'issuer', url: plan.issuerUrl, what: 'OIDC issuer (discovery at /.well-known/openid-configuration)' },
    { component: 'store', url: url(p.store), what: 'metrics store: Prometheus HTTP API v1, remote write at /api/v1/write' },
    { component: 'api', url: `${url(p.api)}/api/metrics/v1/${TENANT}`, what: `Observatorium API, tenant ${TENANT} (internal: ${url(p.apiInternal)}/metrics)` },
    { component: 'token-refresher', url: url(p.refresher), what: `token refresher -> ${plan.observatoriumUrl} (internal: ${url(p.refresherInternal)}/ready)` },
    { component: 'fleet-manager', url: `${url(p.fleetManager)}/api/kafkas_mgmt/v1/kafkas`, what: `Kafka metrics API (metrics: ${url(p.fleetManagerMetrics)}/metrics)` },
    { component: 'probe', url: `${url(p.probe)}/metrics`, what: 'synthetic write -> read-back prober (up_* metrics, up_probe_success)' },
    ...(plan.alertsTo.alertmanagerUrl
      ? [{ component: 'alertmanager', url: plan.alertsTo.alertmanagerUrl, what: "Debian's Alertmanager: the store's alerts, routed to doctor serve's webhook" }]
      : []),
    { component: 'doctor', url: `${plan.alertsTo.doctorUrl}/`, what: `doctor serve: each firing alert runs the runbook; verdict at ${plan.alertsTo.doctorUrl}/api/v1/verdict` },
  ];
}

function curlExampleFor(plan: StackPlan): string {
  const kafka = DEMO_INSTANCES[0]!.id;
  const cacert = plan.tls ? ` --cacert ${plan.tls.caFile}` : '';
  return [
    `TOKEN=$(curl -s${cacert} -u demo-user:${plan.secrets.demoUser} -d grant_type=client_credentials ${plan.issuerUrl}/token | sed -E 's/.*"access_token":"([^"]+)".*/\\1/')`,
    `curl -s${cacert} -H "Authorization: Bearer $TOKEN" '${plan.url(plan.ports.fleetManager)}/api/kafkas_mgmt/v1/kafkas/${kafka}/metrics/query?filters=kafka_server_brokertopicmetrics_bytes_in_total'`,
  ].join('\n');
}

/**
 * <data>/stack.json tells other tools (obspath doctor --env local, obspath fault) what runs where, and how the
 * components fare: rewritten every second with the supervisor's view (running, restarts, crash loops), and at
 * once when a fault is injected or cleared (`plan` is the live one). Returns the timer and the writer.
 */
function keepStackFile(plan: StackPlan, started: number, endpoints: Endpoint[], supervisor: Supervisor, dataPlane: DataPlane, consoleUrl: string): { timer: NodeJS.Timeout; write(): void } {
  const writeState = () =>
    writeStackFile(plan.dataDir, {
      startedAt: new Date(started).toISOString(), updatedAt: new Date().toISOString(), pid: process.pid, faults: [...plan.faults], consoleUrl, ports: { ...plan.ports },
      issuerUrl: plan.issuerUrl, observatoriumUrl: plan.observatoriumUrl, fleetRefresherUrl: plan.fleetRefresherUrl, tenant: TENANT,
      refresher: { envFile: join(plan.dataDir, 'config', 'token-refresher.env'), args: plan.components.find((c) => c.name === 'token-refresher')?.args ?? [] },
      apiConfig: { tenants: join(plan.dataDir, 'config', 'tenants.yaml'), rbac: join(plan.dataDir, 'config', 'rbac.yaml') },
      api: { args: plan.components.find((c) => c.name === 'api')?.args ?? [] },
      endpoints, components: supervisor.status(), dataPlane: dataPlane.stats(), ...(plan.tls ? { tls: { caFile: plan.tls.caFile } } : {}),
    });
  writeState();
  const stateTimer = setInterval(writeState, 1000);
  stateTimer.unref();
  return { timer: stateTimer, write: writeState };
}

export async function startStack(opts: StackOptions): Promise<RunningStack> {
  const started = Date.now();
  const faults = (opts.faults ?? []).map((f) => faultByName(f).name) as FaultName[];
  const conflict = faultConflict(faults);
  if (conflict) throw new Error(`faults ${conflict.faults.join(' and ')} cannot be combined: ${conflict.why}`);
  if (opts.alertmanager) assertAlertmanagerInstalled();
  const tls = opts.tls ? makeStackTls(resolve(opts.dataDir)) : undefined;
  // This process's clients (readiness polls, data plane, dashboard user, slow-proxy stand-ins) trust the CA too.
  if (tls) trustExtraCa(readFileSync(tls.caFile, 'utf8'));
  const { scrapeInterval, ruleEvaluationInterval } = opts;
  const planOptions = { dataDir: opts.dataDir, basePort: opts.basePort, logLevel: opts.logLevel, alertmanager: opts.alertmanager, alertFor: opts.alertFor, scrapeInterval, ruleEvaluationInterval, tls };
  const plan = buildPlan({ ...planOptions, faults });
  const mux = new LogMux(opts.out, undefined, join(plan.dataDir, 'logs'));
  const supervisor = new Supervisor(mux);
  const standIns = await startStandIns(plan.standIns);
  opts.onProgress?.(`starting ${plan.components.map((c) => c.name).join(', ')} (logs in ${join(plan.dataDir, 'logs')})`);
  const notReady = await startComponents(plan, supervisor, opts.readyTimeoutMs ?? 15_000, opts.wrap, opts.onProgress);
  const readyMs = Date.now() - started;
  const { dataPlane, userTraffic } = startTraffic(plan, opts.logger);
  const endpoints = stackEndpoints(plan);
  const events = new StackEvents();
  let stackFile: { timer: NodeJS.Timeout; write(): void } | undefined;
  const faultControl = new LiveFaults({
    plan, planOptions, supervisor, standIns, events, wrap: opts.wrap, logger: opts.logger.child({ part: 'faults' }),
    retarget: (p) => dataPlane.retarget(receiveUrlOf(p)),
    changed: () => stackFile?.write(),
  });
  const status = new StatusWatcher({ plan, supervisor, events, userStats: () => userTraffic.stats() });
  events.emit({ kind: 'start', text: `stack ready in ${(readyMs / 1000).toFixed(1)} s${notReady.length ? ` (not ready: ${notReady.join(', ')})` : ''}${plan.faults.length ? `; faults: ${plan.faults.join(', ')}` : ''}` });
  status.start();
  const consoleServer = await startConsole({ plan, supervisor, events, faults: faultControl, status, logger: opts.logger.child({ part: 'console' }) }, opts.consoleListen ?? `127.0.0.1:${plan.ports.console}`);
  endpoints.unshift({ component: 'console', url: `${consoleServer.url}/`, what: 'the path live: hop health, charts, alerts, the verdict, live fault injection (JSON API at /api/v1/)' });
  stackFile = keepStackFile(plan, started, endpoints, supervisor, dataPlane, consoleServer.url);
  return {
    plan,
    endpoints,
    supervisor,
    dataPlane,
    readyMs,
    notReady,
    userTraffic,
    console: consoleServer,
    events,
    status,
    curlExample: curlExampleFor(plan),
    stop: async () => {
      clearInterval(stackFile?.timer);
      status.stop();
      await consoleServer.close();
      await faultControl.close();
      userTraffic.stop();
      await dataPlane.stop();
      await supervisor.stopAll(5000);
      await Promise.all(faultControl.standIns.map((s) => s.close()));
      mux.close();
    },
  };
}
