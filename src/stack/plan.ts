// What `obspath up` runs: ports, generated configuration files, and one command line per component, with
// the requested faults applied. Pure except for writing the files, so tests can inspect a plan.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { storeNodeEnv } from '../config/store-node-options.js';
import type { FaultName } from './faults.js';
import type { StackTls } from './tls.js';
import { alertmanagerSpec, RULE_EVALUATION_INTERVAL, writeAlertRules } from './watch.js';

export const TENANT = 'managedkafka';
export const TENANT_ID = '5e2bd1f0-4c1a-4b8e-9d2f-managedkafka';
export const AUDIENCE = 'observatorium-telemeter';
export const REALM = 'redhat-external';
export const DEMO_ORG = '13640203';

export const DEMO_INSTANCES = [
  { id: 'c9ktc8s6g9bqd0g2pmt0', name: 'orders-prod', owner: 'alice@example.com' },
  { id: 'c9ktc96f2f1o6j8ea4e0', name: 'payments', owner: 'alice@example.com' },
  { id: 'c9ktc9l5lsd86r0hmn2g', name: 'clickstream', owner: 'bob@example.com' },
];

export interface Ports {
  issuer: number; store: number; api: number; apiInternal: number; refresher: number; refresherInternal: number;
  fleetManager: number; fleetManagerMetrics: number; probe: number; console: number; doctor: number; alertmanager: number; fault: number;
}

/** How many consecutive ports `obspath up --ports <base>` takes (the Alertmanager's is kept free without --alertmanager). */
export const PORT_COUNT = 13;

export function portsFrom(base: number): Ports {
  return {
    issuer: base, store: base + 1, api: base + 2, apiInternal: base + 3, refresher: base + 4, refresherInternal: base + 5,
    fleetManager: base + 6, fleetManagerMetrics: base + 7, probe: base + 8, console: base + 9,
    doctor: base + 10, alertmanager: base + 11, fault: base + 12,
  };
}

export interface Secrets {
  fleetManager: string;
  dataPlane: string;
  probe: string;
  demoUser: string;
}

/** Client secrets live in <data>/config/secrets.json (mode 0600), made once per data directory. */
function loadOrCreateSecrets(configDir: string): Secrets {
  const file = join(configDir, 'secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as Secrets;
  const s = (): string => randomBytes(18).toString('base64url');
  const secrets: Secrets = { fleetManager: s(), dataPlane: s(), probe: s(), demoUser: s() };
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

export interface ComponentSpec {
  name: 'issuer' | 'store' | 'api' | 'token-refresher' | 'fleet-manager' | 'probe' | 'doctor' | 'alertmanager';
  /** The program; undefined: obspath itself (args are its subcommand and flags). */
  command?: string;
  args: string[];
  env: Record<string, string>;
  /** URL answering 2xx when the component is ready; undefined: do not wait. */
  readyUrl?: string;
}

export interface StackPlan {
  dataDir: string;
  ports: Ports;
  faults: FaultName[];
  secrets: Secrets;
  issuerUrl: string;
  /** What the refresher proxies to (the Observatorium URL of the runbook, locally). */
  observatoriumUrl: string;
  /** Where the fleet manager sends its Observatorium requests (the refresher, or a fault stand-in). */
  fleetRefresherUrl: string;
  /** Where the store sends its alerts: the Alertmanager (up --alertmanager) or doctor serve itself. */
  alertsTo: { alertmanagerUrl?: string; doctorUrl: string };
  components: ComponentSpec[];
  /** With up --tls: the throwaway CA and the server certificate every component serves. */
  tls?: StackTls;
  /** A component's loopback base URL (https with --tls). */
  url(port: number): string;
  /** Stand-ins to start in the orchestrator process. */
  standIns: Array<{ kind: 'black-hole' | 'error-500' | 'slow-proxy'; port: number; upstream?: string; delayMs?: number }>;
}

/** What every part of the plan is built from; fault stand-ins are collected in `standIns` as they are wired. */
interface PlanContext {
  has(f: FaultName): boolean;
  dataDir: string;
  configDir: string;
  ports: Ports;
  secrets: Secrets;
  issuerUrl: string;
  logLevel: string;
  standIns: StackPlan['standIns'];
  /** Where the store posts its alerts (Alertmanager API v2). */
  alertsUrl: string;
  alertFor?: string;
  /** Tests only: the store's scrape and rule evaluation intervals (default SCRAPE_INTERVAL, RULE_EVALUATION_INTERVAL). */
  scrapeInterval?: string;
  ruleEvaluationInterval?: string;
  /** A component's loopback base URL: https with --tls (the fault stand-ins, doctor serve and Alertmanager stay http). */
  url(port: number): string;
  tls?: StackTls;
}

const localUrl = (port: number) => `http://127.0.0.1:${port}`;

/** With --tls: the server certificate for the public listener (and the internal one), and the CA for a client flag. */
function serverTlsArgs({ tls }: PlanContext, internal: boolean): string[] {
  if (!tls) return [];
  const pub = ['--tls.server.cert-file', tls.certFile, '--tls.server.key-file', tls.keyFile];
  return internal ? [...pub, '--tls.internal.server.cert-file', tls.certFile, '--tls.internal.server.key-file', tls.keyFile] : pub;
}
const caArgs = ({ tls }: PlanContext, flag: string): string[] => (tls ? [flag, tls.caFile] : []);

/** The issuer's clients, the API's tenants and RBAC, and the fleet manager's Kafka instances. */
function writeConfigFiles({ has, configDir, secrets, issuerUrl }: PlanContext): void {
  writeFileSync(join(configDir, 'clients.yaml'), stringify({
    realm: REALM,
    clients: [
      { clientID: 'kas-fleet-manager', clientSecret: secrets.fleetManager, audience: [AUDIENCE, 'other-audience'] },
      { clientID: 'data-plane', clientSecret: secrets.dataPlane, audience: [AUDIENCE] },
      { clientID: 'probe', clientSecret: secrets.probe, audience: [AUDIENCE] },
      { clientID: 'demo-user', clientSecret: secrets.demoUser, audience: ['cloud-services'], claims: { org_id: DEMO_ORG, username: 'alice', email: 'alice@example.com' }, tokenTTL: '1h' },
    ],
  }), { mode: 0o600 });
  const queryLimit = { endpoint: '/api/metrics/v1/.+/api/v1/query.*', limit: 1, window: '1m' };
  writeFileSync(join(configDir, 'tenants.yaml'), stringify({
    tenants: [{ name: TENANT, id: TENANT_ID, oidc: { issuerURL: issuerUrl, clientID: AUDIENCE, usernameClaim: 'client_id' }, ...(has('rate-limited') ? { rateLimits: [queryLimit] } : {}) }],
  }));
  writeFileSync(join(configDir, 'rbac.yaml'), stringify({
    roles: [
      { name: `${TENANT}-read`, resources: ['metrics'], tenants: [TENANT], permissions: ['read'] },
      { name: `${TENANT}-write`, resources: ['metrics'], tenants: [TENANT], permissions: ['write'] },
    ],
    roleBindings: [
      { name: 'readers', roles: [`${TENANT}-read`], subjects: ['kas-fleet-manager', 'probe', 'data-plane'].map((name) => ({ name, kind: 'user' })) },
      { name: 'writers', roles: [`${TENANT}-write`], subjects: ['data-plane', 'probe'].map((name) => ({ name, kind: 'user' })) },
    ],
  }));
  writeFileSync(join(configDir, 'instances.yaml'), stringify({ kafkas: DEMO_INSTANCES.map((k) => ({ ...k, org_id: DEMO_ORG })) }));
}

function issuerComponent(c: PlanContext): ComponentSpec {
  const { ports, configDir, logLevel, url } = c;
  return {
    name: 'issuer',
    args: ['issuer', '--web.listen', `127.0.0.1:${ports.issuer}`, '--clients', join(configDir, 'clients.yaml'), '--token-ttl', '5m', '--log.level', logLevel, ...serverTlsArgs(c, false)],
    env: {},
    readyUrl: `${url(ports.issuer)}/health`,
  };
}

/**
 * The issuer faults hit the refresher's view of the issuer only: users and the API keep theirs, as when
 * the refresher's egress to SSO is cut or slow while SSO itself serves everyone else.
 */
function refresherIssuerUrlOf({ has, ports, issuerUrl, standIns, url }: PlanContext): string {
  let refresherIssuerUrl = issuerUrl;
  if (has('issuer-down')) refresherIssuerUrl = `${localUrl(ports.fault)}/auth/realms/${REALM}`;
  if (has('issuer-slow')) {
    standIns.push({ kind: 'slow-proxy', port: ports.fault, upstream: url(ports.issuer), delayMs: 15_000 });
    refresherIssuerUrl = `${localUrl(ports.fault)}/auth/realms/${REALM}`;
  }
  return refresherIssuerUrl;
}

/** Every 5 s the store scrapes each component's /metrics; the job names are those the alert rules use. */
export const SCRAPE_INTERVAL = '5s';

/**
 * The store scrapes directly (no API in between to set the tenant label on the way in), so the series carry the
 * tenant's label themselves: reads through the API, which enforces that label, see them.
 */
function writeScrapeConfig({ ports, configDir, tls, scrapeInterval }: PlanContext): string {
  // Over --tls the store trusts the stack's CA through NODE_EXTRA_CA_CERTS (its scrape config has no tls_config).
  const job = (job_name: string, port: number) => ({ job_name, ...(tls ? { scheme: 'https' } : {}), static_configs: [{ targets: [`127.0.0.1:${port}`], labels: { tenant_id: TENANT_ID } }] });
  const file = join(configDir, 'scrape.yaml');
  writeFileSync(file, stringify({
    global: { scrape_interval: scrapeInterval ?? SCRAPE_INTERVAL },
    scrape_configs: [
      job('store', ports.store), job('observatorium-api', ports.apiInternal), job('token-refresher', ports.refresherInternal),
      job('fleet-manager', ports.fleetManagerMetrics), job('probe', ports.probe),
    ],
  }));
  return file;
}

/** The store's rule flags: the bundle, copied among the stack's config files, and where alerts go; none without it. */
function ruleArgs({ configDir, alertsUrl, alertFor, ruleEvaluationInterval }: PlanContext): string[] {
  const file = writeAlertRules(configDir, alertFor);
  if (file === undefined) return [];
  return ['--rules.file', file, '--rules.evaluation-interval', ruleEvaluationInterval ?? RULE_EVALUATION_INTERVAL, '--alertmanager.url', alertsUrl];
}

/** The store (absent with backend-down) and the URL the API reaches it at. */
function storeWiring(c: PlanContext): { backendUrl: string; store?: ComponentSpec } {
  const { has, ports, dataDir, logLevel, standIns, url } = c;
  let backendUrl = url(ports.store);
  if (has('backend-slow')) {
    standIns.push({ kind: 'slow-proxy', port: ports.fault, upstream: url(ports.store), delayMs: 10_000 });
    backendUrl = localUrl(ports.fault);
  }
  if (has('backend-down')) return { backendUrl };
  return {
    backendUrl,
    store: {
      name: 'store',
      args: [
        'store', '--storage.path', join(dataDir, 'store'), '--web.listen', `127.0.0.1:${ports.store}`, '--storage.fsync', 'batch',
        '--config.file', writeScrapeConfig(c), '--log.level', logLevel === 'info' ? 'warn' : logLevel, ...ruleArgs(c), ...serverTlsArgs(c, false),
      ],
      // Its V8 flag through NODE_OPTIONS, so `obspath store` runs it in place instead of relaying to a second process.
      env: storeNodeEnv(process.env),
      readyUrl: `${url(ports.store)}/-/ready`,
    },
  };
}

/** The Observatorium API (absent with api-down and api-5xx) and the URL its clients reach it at. */
function apiWiring(c: PlanContext, backendUrl: string): { apiUrl: string; api?: ComponentSpec } {
  const { has, ports, configDir, logLevel, standIns, url } = c;
  let apiUrl = url(ports.api);
  if (has('api-5xx')) {
    standIns.push({ kind: 'error-500', port: ports.fault });
    apiUrl = localUrl(ports.fault);
  }
  if (has('api-down') || has('api-5xx')) return { apiUrl };
  return {
    apiUrl,
    api: {
      name: 'api',
      args: [
        'api', '--tenants.config', join(configDir, 'tenants.yaml'), '--rbac.config', join(configDir, 'rbac.yaml'),
        '--metrics.read.endpoint', backendUrl, '--metrics.write.endpoint', `${backendUrl}/api/v1/write`,
        '--metrics.write-timeout', '3s', '--web.listen', `127.0.0.1:${ports.api}`, '--web.internal.listen', `127.0.0.1:${ports.apiInternal}`,
        '--log.level', logLevel, ...serverTlsArgs(c, true), ...caArgs(c, '--metrics.tls.ca-file'),
      ],
      env: {},
      // Ready = issuer keys fetched and backend reachable; with those faults only liveness can be had.
      readyUrl: `${url(ports.apiInternal)}/${has('backend-down') || has('backend-slow') ? 'live' : 'ready'}`,
    },
  };
}

/** The token refresher, configured through its environment as in the runbook, with the credential and URL faults. */
function refresherWiring(c: PlanContext, refresherIssuerUrl: string, apiUrl: string): { observatoriumUrl: string; refresher: ComponentSpec } {
  const { has, ports, configDir, secrets, logLevel, url } = c;
  let observatoriumUrl = `${apiUrl}/api/metrics/v1/${TENANT}`;
  if (has('wrong-url-host')) observatoriumUrl = `${localUrl(ports.fault)}/api/metrics/v1/${TENANT}`;
  if (has('wrong-url-path')) observatoriumUrl = `${apiUrl}/api/metrics/v2/${TENANT}`;
  if (has('wrong-url-tenant')) observatoriumUrl = `${apiUrl}/api/metrics/v1/${TENANT}-stage`;
  const refresherEnv: Record<string, string> = {
    ISSUER_URL: refresherIssuerUrl,
    CLIENT_ID: has('missing-client-id') ? '' : 'kas-fleet-manager',
    CLIENT_SECRET: has('wrong-client-secret') ? 'not-the-right-secret' : secrets.fleetManager,
    OBSERVATORIUM_URL: observatoriumUrl,
  };
  // As the Kubernetes Secret would: the refresher's environment, readable by the doctor's credentials check.
  writeFileSync(join(configDir, 'token-refresher.env'), Object.entries(refresherEnv).map(([k, v]) => `${k}=${v}`).join('\n') + '\n', { mode: 0o600 });
  const refresher: ComponentSpec = {
    name: 'token-refresher',
    args: [
      'token-refresher', '--oidc.audience', has('audience-mismatch') ? 'other-audience' : AUDIENCE,
      '--oidc.timeout', '2s', '--upstream.timeout', '4s',
      '--web.listen', `127.0.0.1:${ports.refresher}`,
      // A listen address that cannot be bound makes the process exit at start: a crash loop under the supervisor.
      '--web.internal.listen', has('refresher-down') ? '127.0.0.1:99999' : `127.0.0.1:${ports.refresherInternal}`,
      '--log.level', logLevel, ...serverTlsArgs(c, true), ...caArgs(c, '--upstream.ca-file'),
    ],
    env: refresherEnv,
    // Ready = holding a token; faults that prevent one leave liveness, and a crash loop not even that.
    readyUrl: has('missing-client-id') || has('refresher-down')
      ? undefined
      : `${url(ports.refresherInternal)}/${has('issuer-down') || has('issuer-slow') || has('wrong-client-secret') ? 'live' : 'ready'}`,
  };
  return { observatoriumUrl, refresher };
}

/** The fleet manager and the refresher URL it is given (a black hole with refresher-blackholed). */
function fleetManagerWiring(c: PlanContext): { fleetRefresherUrl: string; fleetManager: ComponentSpec } {
  const { has, ports, configDir, issuerUrl, logLevel, standIns, url } = c;
  let fleetRefresherUrl = url(ports.refresher);
  if (has('refresher-blackholed')) {
    standIns.push({ kind: 'black-hole', port: ports.fault });
    fleetRefresherUrl = localUrl(ports.fault);
  }
  const fleetManager: ComponentSpec = {
    name: 'fleet-manager',
    args: [
      'fleet-manager', '--api-server-bindaddress', `127.0.0.1:${ports.fleetManager}`, '--metrics-server-bindaddress', `127.0.0.1:${ports.fleetManagerMetrics}`,
      '--observability-red-hat-sso-token-refresher-url', fleetRefresherUrl, '--observatorium-timeout', '5s',
      '--token-issuer-url', issuerUrl, '--instances-file', join(configDir, 'instances.yaml'), '--log.level', logLevel,
      ...serverTlsArgs(c, true), ...caArgs(c, '--observatorium-ca-file'),
    ],
    env: {},
    readyUrl: `${url(ports.fleetManagerMetrics)}/live`,
  };
  return { fleetRefresherUrl, fleetManager };
}

/** The synthetic prober: writes a sample to the API with its own token, reads it back through the refresher. */
function probeComponent(c: PlanContext, apiUrl: string): ComponentSpec {
  const { ports, secrets, issuerUrl, logLevel, url } = c;
  return {
    name: 'probe',
    args: [
      'probe', '--endpoint-write', `${apiUrl}/api/metrics/v1/${TENANT}/api/v1/receive`, '--endpoint-read', url(ports.refresher),
      '--oidc.issuer-url', issuerUrl, '--oidc.client-id', 'probe', '--oidc.audience', AUDIENCE,
      '--period', '2s', '--initial-query-delay', '1s', '--latency', '10s', '--listen', `127.0.0.1:${ports.probe}`, '--log.level', logLevel,
      ...serverTlsArgs(c, false), ...caArgs(c, '--tls-ca-file'),
    ],
    env: { PROBE_OIDC_CLIENT_SECRET: secrets.probe },
    readyUrl: `${url(ports.probe)}/ready`,
  };
}

/** `obspath doctor serve` on the stack's data directory: the diagnosis each alert gets. */
function doctorComponent({ ports, dataDir, logLevel }: PlanContext): ComponentSpec {
  return {
    name: 'doctor',
    args: ['doctor', 'serve', '--data', dataDir, '--web.listen', `127.0.0.1:${ports.doctor}`, '--log.level', logLevel === 'silent' ? 'error' : logLevel],
    env: {},
    readyUrl: `${localUrl(ports.doctor)}/ready`,
  };
}

function alertmanagerComponent({ ports, dataDir, configDir, logLevel }: PlanContext): ComponentSpec {
  const spec = alertmanagerSpec({ dataDir, configDir, port: ports.alertmanager, doctorUrl: localUrl(ports.doctor), logLevel });
  return { name: 'alertmanager', command: spec.command, args: spec.args, env: {}, readyUrl: spec.readyUrl };
}

export interface PlanOptions {
  dataDir: string;
  basePort: number;
  faults: readonly FaultName[];
  logLevel?: string;
  /** Route the store's alerts through Debian's Alertmanager (up --alertmanager); otherwise straight to doctor serve. */
  alertmanager?: boolean;
  /** Tests only: every alert's `for:` in the stack's copy of the bundle (see writeAlertRules). */
  alertFor?: string;
  /**
   * Tests only: the store's scrape interval and rule evaluation interval (default SCRAPE_INTERVAL and
   * RULE_EVALUATION_INTERVAL): with a shortened `for:`, a fault's alert then fires in seconds, not tens of seconds.
   */
  scrapeInterval?: string;
  ruleEvaluationInterval?: string;
  /** Serve every component over TLS with this CA's certificate (up --tls; see makeStackTls). */
  tls?: StackTls;
}

export function buildPlan(opts: PlanOptions): StackPlan {
  const dataDir = resolve(opts.dataDir);
  const configDir = join(dataDir, 'config');
  mkdirSync(configDir, { recursive: true });
  const ports = portsFrom(opts.basePort);
  const url = (port: number) => `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  const c: PlanContext = {
    url, tls: opts.tls,
    has: (f) => opts.faults.includes(f),
    dataDir, configDir, ports,
    secrets: loadOrCreateSecrets(configDir),
    issuerUrl: `${url(ports.issuer)}/auth/realms/${REALM}`,
    logLevel: opts.logLevel ?? 'info',
    standIns: [],
    alertsUrl: localUrl(opts.alertmanager ? ports.alertmanager : ports.doctor),
    alertFor: opts.alertFor, scrapeInterval: opts.scrapeInterval, ruleEvaluationInterval: opts.ruleEvaluationInterval,
  };
  writeConfigFiles(c);
  const refresherIssuerUrl = refresherIssuerUrlOf(c);
  const { backendUrl, store } = storeWiring(c);
  const { apiUrl, api } = apiWiring(c, backendUrl);
  const { observatoriumUrl, refresher } = refresherWiring(c, refresherIssuerUrl, apiUrl);
  const { fleetRefresherUrl, fleetManager } = fleetManagerWiring(c);
  const watchers = [doctorComponent(c), opts.alertmanager ? alertmanagerComponent(c) : undefined];
  const components = [issuerComponent(c), store, api, refresher, fleetManager, probeComponent(c, apiUrl), ...watchers].filter((x): x is ComponentSpec => x !== undefined);
  // Every obspath child trusts the CA for the clients that have no CA flag (issuer discovery and keys, scrapes).
  if (opts.tls) for (const comp of components) if (comp.command === undefined) comp.env = { ...comp.env, NODE_EXTRA_CA_CERTS: opts.tls.caFile };
  const { secrets, issuerUrl, standIns } = c;
  const alertsTo = { doctorUrl: localUrl(ports.doctor), ...(opts.alertmanager ? { alertmanagerUrl: localUrl(ports.alertmanager) } : {}) };
  return { dataDir, ports, faults: [...opts.faults], secrets, issuerUrl, observatoriumUrl, fleetRefresherUrl, alertsTo, components, standIns, ...(opts.tls ? { tls: opts.tls } : {}), url };
}
