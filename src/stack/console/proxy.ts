// The page's data, read through the console's own origin (the page makes no request elsewhere): PromQL queries
// to the stack's store and the doctor's latest verdict. Read-only, these three paths only, parameters checked
// here, every call with a deadline. An upstream's own error passes through with its status; no answer at all is
// a 502 naming the hop that did not answer.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { request } from 'undici';
import { HttpError, type Hop } from '../../http/errors.js';
import { classifyNetworkError, describeNetFailure, isTimeout } from '../../http/net-errors.js';
import { isSuccess, wrapUpstreamError } from '../../http/upstream-error.js';
import { parseDurationParam, parseTime } from '../../promapi/params.js';
import type { ConsoleContext } from './context.js';

/** The store answers a dashboard's range query in well under this on a laptop stack; more is a stuck store. */
export const STORE_TIMEOUT_MS = 10_000;
/** doctor serve answers its latest verdict from memory. */
export const DOCTOR_TIMEOUT_MS = 5_000;
/** Longer PromQL than a dashboard sends is refused before it reaches the store. */
const MAX_QUERY_LENGTH = 4096;

type Params = Record<string, string>;

function badData(message: string): HttpError {
  return new HttpError(400, 'bad_data', `console: ${message}`, { hop: 'console', reason: 'bad_data' });
}

/** The query string as single values; only `allowed` names, none repeated. */
function queryParams(req: FastifyRequest, allowed: readonly string[]): Params {
  const params = new URLSearchParams(req.url.includes('?') ? req.url.slice(req.url.indexOf('?') + 1) : '');
  const out: Params = {};
  for (const [name, value] of params) {
    if (!allowed.includes(name)) throw badData(`unknown parameter "${name}" (allowed: ${allowed.join(', ') || 'none'})`);
    if (name in out) throw badData(`parameter "${name}" given more than once`);
    out[name] = value;
  }
  return out;
}

function requireQuery(p: Params): void {
  const q = p.query;
  if (q === undefined || q.trim() === '') throw badData('parameter "query" is required');
  if (q.length > MAX_QUERY_LENGTH) throw badData(`parameter "query" is ${q.length} characters; at most ${MAX_QUERY_LENGTH}`);
}

function checkTime(p: Params, name: string, required: boolean): void {
  const raw = p[name];
  if (raw === undefined || raw === '') {
    if (required) throw badData(`parameter "${name}" is required`);
    return;
  }
  if (parseTime(raw) === undefined) throw badData(`invalid parameter "${name}": cannot parse "${raw}" to a valid timestamp`);
}

function checkStep(p: Params): void {
  let ms: number | undefined;
  try {
    ms = parseDurationParam(new URLSearchParams({ step: p.step ?? '' }), 'step');
  } catch (err) {
    throw badData((err as Error).message);
  }
  if (ms === undefined) throw badData('parameter "step" is required');
  if (!(ms > 0)) throw badData('invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer');
}

/** A 502 naming the hop that gave no answer, and why (refused, timeout, tls...). */
function noAnswer(hop: Hop, url: string, err: unknown): HttpError {
  const f = classifyNetworkError(err);
  const why = isTimeout(f.reason) ? `no answer within the console's deadline (${describeNetFailure(f)})` : describeNetFailure(f);
  return new HttpError(502, 'unavailable', `console: the ${hop} at ${url} did not answer: ${why}`, { hop, reason: f.reason });
}

/** GET `url` on `hop` and relays the answer: 2xx as is, errors in the Prometheus shape naming the hop. */
async function relay(req: FastifyRequest, reply: FastifyReply, hop: Hop, url: string, timeoutMs: number): Promise<FastifyReply> {
  let res;
  try {
    res = await request(url, {
      method: 'GET',
      headers: { accept: 'application/json', 'x-request-id': req.id },
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    throw noAnswer(hop, new URL(url).origin, err);
  }
  if (!isSuccess(res.statusCode)) {
    const wrapped = await wrapUpstreamError({ status: res.statusCode, headers: res.headers as Record<string, string | string[]>, body: res.body }, hop, req.id);
    // Only the body's type: the upstream's connection and caching headers are its own.
    return reply.code(wrapped.status).header('cache-control', 'no-store').type('application/json').send(wrapped.body);
  }
  let body: Buffer;
  try {
    body = Buffer.from(await res.body.arrayBuffer());
  } catch (err) {
    throw noAnswer(hop, new URL(url).origin, err);
  }
  return reply.code(200).header('cache-control', 'no-store').type('application/json').send(body);
}

export function registerProxyRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  const storeBase = ctx.plan.url(ctx.plan.ports.store);
  const doctorBase = ctx.plan.alertsTo.doctorUrl;
  const storeUrl = (path: string, p: Params) => `${storeBase}/api/v1/${path}?${new URLSearchParams(p).toString()}`;

  app.get('/api/v1/store/query_range', async (req, reply) => {
    const p = queryParams(req, ['query', 'start', 'end', 'step']);
    requireQuery(p);
    checkTime(p, 'start', true);
    checkTime(p, 'end', true);
    checkStep(p);
    return relay(req, reply, 'store', storeUrl('query_range', p), STORE_TIMEOUT_MS);
  });

  app.get('/api/v1/store/query', async (req, reply) => {
    const p = queryParams(req, ['query', 'time']);
    requireQuery(p);
    checkTime(p, 'time', false);
    return relay(req, reply, 'store', storeUrl('query', p), STORE_TIMEOUT_MS);
  });

  app.get('/api/v1/doctor/verdict', async (req, reply) => {
    queryParams(req, []);
    return relay(req, reply, 'doctor', `${doctorBase}/api/v1/verdict`, DOCTOR_TIMEOUT_MS);
  });
}
