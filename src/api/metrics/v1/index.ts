// The metrics routes under /api/metrics/v1/{tenant}, as observatorium/api's api/metrics/v1: each route is
// a method guard, the admission chain it is given (tenant -> authentication -> rate limit -> authorization)
// and its handler (enforcement + backend for reads and writes; the API itself for local endpoints).
import type { FastifyInstance, preHandlerHookHandler } from 'fastify';
import { HttpError } from '../../../http/errors.js';
import type { Backend } from '../../backend/types.js';
import type { ReadEndpoint } from '../../enforcement/params.js';
import type { ApiMetrics } from '../../metrics.js';
import type { Permission } from '../../middleware/authorization.js';
import { reject, type ApiRequest } from '../../middleware/context.js';
import { localHandlers, type MetaEndpoint } from './local.js';
import { readHandler } from './read.js';
import { receiveHandler } from './receive.js';
import { allowMethods } from './request.js';

export const PREFIX = '/api/metrics/v1/:tenant';

const READ_ROUTES: ReadonlyArray<[string, ReadEndpoint]> = [
  ['/api/v1/query', 'query'],
  ['/api/v1/query_range', 'query_range'],
  ['/api/v1/series', 'series'],
  ['/api/v1/labels', 'label_names'],
  ['/api/v1/label/:name/values', 'label_values'],
  ['/api/v1/rules', 'rules'],
  ['/api/v1/alerts', 'alerts'],
  ['/api/v1/query_exemplars', 'query_exemplars'],
  ['/api/v1/status/buildinfo', 'buildinfo'],
  ['/api/v1/status/runtimeinfo', 'runtimeinfo'],
];
/** Endpoints of Prometheus's API served only with GET. */
const GET_ONLY: ReadonlySet<ReadEndpoint> = new Set(['rules', 'alerts', 'buildinfo', 'runtimeinfo']);
const LOCAL_ROUTES: ReadonlyArray<[string, MetaEndpoint]> = [
  ['/api/v1/metadata', 'metadata'],
  ['/api/v1/format_query', 'format_query'],
  ['/api/v1/parse_query', 'parse_query'],
];

/** One step of a route's admission chain: refuses by throwing (see reject); async only when it must wait. */
export type Middleware = (req: ApiRequest) => void | Promise<void>;

export interface MetricsV1Options {
  /** The admission chain for a permission: tenant, authentication, rate limit, authorization. */
  admit(permission: Permission): Middleware[];
  backend: Backend;
  metrics: ApiMetrics;
  tenantLabel: string;
  maxDecompressedSize: number;
}

/** The guard a route's chain starts with: its methods (405), and for rules/alerts a backend that has them (404). */
export function guard(path: string, allowed: string, backend?: Backend): Middleware {
  return (req) => {
    allowMethods(req, path, allowed);
    if (backend && !backend.hasRules) {
      reject(req, 'not_found', new HttpError(404, 'not_found', `api: the ${backend.kind} backend has no ${path}`, { hop: 'api', reason: 'not_supported' }));
    }
  };
}

/**
 * Runs `steps` on `req` in order, then `done` (with the first refusal, if any); a step's promise is awaited
 * only when it returns one. Both listeners run their chain through this.
 */
export function runChain(steps: readonly Middleware[], req: ApiRequest, done: (err?: Error) => void): void {
  let i = 0;
  const next = (): void => {
    try {
      while (i < steps.length) {
        const pending = steps[i++]!(req);
        if (pending) {
          pending.then(next, done);
          return;
        }
      }
    } catch (err) {
      done(err as Error);
      return;
    }
    done();
  };
  next();
}

/**
 * The steps as one preHandler. One hook instead of five async ones: each async hook costs the request a
 * promise and a turn of fastify's runner.
 */
function chain(...steps: Middleware[]): preHandlerHookHandler {
  return (req, _reply, done) => runChain(steps, req, done);
}

export function registerMetricsV1(app: FastifyInstance, o: MetricsV1Options): void {
  const read = o.admit('read');
  for (const [path, endpoint] of READ_ROUTES) {
    const needsRules = endpoint === 'rules' || endpoint === 'alerts';
    app.all(`${PREFIX}${path}`, {
      config: { handler: endpoint },
      preHandler: chain(guard(path, GET_ONLY.has(endpoint) ? 'GET' : 'GET, POST', needsRules ? o.backend : undefined), ...read),
    }, readHandler(endpoint, o));
  }
  const local = localHandlers();
  for (const [path, endpoint] of LOCAL_ROUTES) {
    app.all(`${PREFIX}${path}`, { config: { handler: endpoint }, preHandler: chain(guard(path, 'GET, POST'), ...read) }, local(endpoint));
  }
  const path = '/api/v1/receive';
  app.all(`${PREFIX}${path}`, { config: { handler: 'receive' }, preHandler: chain(guard(path, 'POST'), ...o.admit('write')) }, receiveHandler(o));
}
