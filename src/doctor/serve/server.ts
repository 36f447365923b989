// `doctor serve`'s HTTP API: the Alertmanager webhook receiver, a manual trigger, the latest verdict (the doctor's
// JSON schema), the recent runs, the HTML report, /metrics, and liveness/readiness under both spellings the
// repo uses (/live, /ready as the components' internal servers; /-/healthy, /-/ready as Prometheus and the store).

import type { FastifyInstance, FastifyReply } from 'fastify';
import { HttpError, statusError } from '../../http/errors.js';
import { createHttpApp } from '../../http/server.js';
import type { Logger } from '../../telemetry/logger.js';
import { renderReport } from '../render.js';
import { esc } from '../render-html.js';
import { dispositionOf, parsePostableAlerts, parseWebhook, type WebhookAlert } from './alertmanager.js';
import type { ServeMetrics } from './metrics.js';
import type { DoctorTarget, RunRecord, RunRequest, RunScheduler } from './scheduler.js';

export interface ServeState {
  scheduler: RunScheduler;
  metrics: ServeMetrics;
  /** The target an alert's labels point at (a local stack has one, whatever the labels say). */
  targetFor: (labels: Record<string, string>) => DoctorTarget;
  /** Finished runs, newest last (bounded). */
  runs: () => readonly RunRecord[];
  /** The latest finished run with a report, overall or of one target. */
  latest: (target?: string) => RunRecord | undefined;
  ready: () => boolean;
  /** Secrets to scrub again from every report served. */
  secrets: readonly string[];
}

/** A run as the API lists it: everything but the report itself. */
export function runSummary(r: RunRecord): Omit<RunRecord, 'report'> & { verdicts?: string[] } {
  const { report, ...rest } = r;
  return { ...rest, ...(report ? { verdicts: report.verdicts.map((v) => v.cause) } : {}) };
}

function accept(state: ServeState, alerts: WebhookAlert[], log: Logger): { accepted: unknown[]; ignored: unknown[] } {
  const accepted: unknown[] = [];
  const ignored: unknown[] = [];
  // Alerts of one target in one payload make one request: a group of five alerts is one run, not five.
  const byTarget = new Map<string, { target: DoctorTarget; alerts: WebhookAlert[] }>();
  for (const a of alerts) {
    const name = a.labels.alertname!;
    const d = dispositionOf(a);
    if (d !== 'run') {
      state.metrics.onAlert(d === 'not-in-bundle' ? 'other' : name, d);
      ignored.push({ alertname: name, fingerprint: a.fingerprint, reason: d });
      continue;
    }
    const target = state.targetFor(a.labels);
    const g = byTarget.get(target.key) ?? { target, alerts: [] };
    g.alerts.push(a);
    byTarget.set(target.key, g);
  }
  for (const { target, alerts: group } of byTarget.values()) {
    const names = [...new Set(group.map((a) => a.labels.alertname!))];
    const req: RunRequest = state.scheduler.request(target, 'alert', names);
    for (const a of group) {
      state.metrics.onAlert(a.labels.alertname!, req.action);
      accepted.push({ alertname: a.labels.alertname, fingerprint: a.fingerprint, target: req.target, action: req.action, ...(req.startsAt ? { startsAt: req.startsAt } : {}) });
    }
    log.info({ target: req.target, alerts: names, action: req.action, startsAt: req.startsAt }, 'alerts received');
  }
  return { accepted, ignored };
}

/** Alertmanager and Prometheus send JSON; fastify would also parse text/plain into a string, which no payload is. */
function assertJson(headers: Record<string, unknown>): void {
  const type = String(headers['content-type'] ?? '');
  if (!/^application\/json\b/i.test(type)) {
    throw new HttpError(415, 'unsupported_media_type', `doctor: alerts come as Content-Type application/json, got "${type}"`, { hop: 'doctor', reason: 'unsupported_media_type' });
  }
}

function noRunYet(state: ServeState, target: string | undefined): HttpError {
  const last = state.runs().filter((r) => !target || r.target === target).at(-1);
  const why = last ? `the last run (${last.id}) ended in ${last.result}: ${last.error ?? ''}` : 'no run has finished yet: POST /api/v1/run, or wait for an alert';
  return new HttpError(404, 'not_found', `doctor: no report${target ? ` for target ${target}` : ''}: ${why}`, { hop: 'doctor', reason: 'no_report' });
}

function queryTarget(q: unknown): string | undefined {
  const t = (q as Record<string, unknown> | undefined)?.target;
  return typeof t === 'string' && t !== '' ? t : undefined;
}

function routes(app: FastifyInstance, state: ServeState, log: Logger): void {
  const webhook = async (req: { body: unknown; headers: Record<string, unknown> }) => {
    assertJson(req.headers);
    const parsed = parseWebhook(req.body);
    if (!parsed.ok) throw new HttpError(400, 'bad_data', `doctor: ${parsed.error}`, { hop: 'doctor', reason: 'invalid_webhook' });
    if (!state.ready()) throw new HttpError(503, 'unavailable', 'doctor: shutting down', { hop: 'doctor', reason: 'shutting_down' });
    return { status: 'success', data: accept(state, parsed.payload.alerts, log) };
  };
  app.post('/api/v2/webhook', webhook);
  app.post('/webhook', webhook);
  // Alertmanager's own API, as Prometheus (or the store's --alertmanager.url) posts to it: alerts straight in.
  app.post('/api/v2/alerts', async (req) => {
    assertJson(req.headers);
    const parsed = parsePostableAlerts(req.body);
    if (!parsed.ok) throw new HttpError(400, 'bad_data', `doctor: ${parsed.error}`, { hop: 'doctor', reason: 'invalid_alerts' });
    if (!state.ready()) throw new HttpError(503, 'unavailable', 'doctor: shutting down', { hop: 'doctor', reason: 'shutting_down' });
    return { status: 'success', data: accept(state, parsed.alerts, log) };
  });

  app.post('/api/v1/run', async (req, reply) => {
    if (!state.ready()) throw new HttpError(503, 'unavailable', 'doctor: shutting down', { hop: 'doctor', reason: 'shutting_down' });
    const q = req.query as Record<string, unknown>;
    const target = state.targetFor(typeof q.namespace === 'string' && q.namespace ? { namespace: q.namespace } : {});
    const r = state.scheduler.request(target, 'manual');
    log.info({ target: r.target, action: r.action }, 'run requested by hand');
    if (q.wait === 'false' || q.wait === '0') return reply.code(202).send({ status: 'success', data: { action: r.action, target: r.target } });
    const done = await r.done;
    return { status: 'success', data: { action: r.action, run: runSummary(done) } };
  });

  app.get('/api/v1/verdict', async (req, reply) => {
    const target = queryTarget(req.query);
    const latest = state.latest(target);
    if (!latest?.report) throw noRunYet(state, target);
    return reply.type('application/json').header('x-obspath-run-id', String(latest.id))
      .send(renderReport(latest.report, 'json', { secrets: state.secrets }));
  });
  app.get('/api/v1/runs', async () => ({ status: 'success', data: state.runs().map(runSummary).reverse() }));

  app.get('/', async (req, reply) => htmlPage(reply, state, queryTarget(req.query)));
  app.get('/metrics', async (_req, reply) => reply.type(state.metrics.registry.contentType).send(await state.metrics.registry.metrics()));
  const live = async () => ({ status: 'ok' });
  const ready = async (req: { id: string }, reply: FastifyReply) => {
    if (state.ready()) return { status: 'ready', inflight: state.scheduler.inflight().length };
    return reply.code(503).send(statusError(503, 'doctor: not ready: shutting down', 'doctor', req.id));
  };
  for (const p of ['/live', '/-/healthy']) app.get(p, live);
  for (const p of ['/ready', '/-/ready']) app.get(p, ready);
}

function htmlPage(reply: FastifyReply, state: ServeState, target: string | undefined): FastifyReply {
  reply.type('text/html; charset=utf-8').header('x-content-type-options', 'nosniff')
    .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:");
  const latest = state.latest(target);
  if (latest?.report) return reply.send(renderReport(latest.report, 'html', { secrets: state.secrets }));
  const why = noRunYet(state, target).message;
  return reply.send(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>obspath doctor: no report yet</title></head>
<body><h1>obspath doctor</h1><p>${esc(why)}</p></body></html>\n`);
}

export function createServeApp(state: ServeState, logger: Logger, opts: { bodyLimit: number }): FastifyInstance {
  const app = createHttpApp({ logger, hop: 'doctor', bodyLimit: opts.bodyLimit, requestTimeoutMs: 30_000 });
  routes(app, state, logger);
  return app;
}
