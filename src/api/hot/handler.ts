// The API's hot routes (query, query_range, receive) on the bare listener: fastify's per-request machinery
// (hooks, reply objects, child loggers) was the largest part of the API's own CPU per query. The same steps
// run as on the fastify routes, in the same order: the request metrics' context, the in-flight cap, the body
// (up to --web.max-body-size), the admission chain (tenant -> authentication -> rate limit -> authorization),
// enforcement + backend, the answer; errors map to the same bodies and reject reasons (middleware/errors.ts).
// Every other request is left to fastify (http/bare-front.ts), with the request id this listener chose.
import type { IncomingMessage } from 'node:http';
import type { Exchange } from '../../http/bare-server.js';
import type { HotRoutes } from '../../http/bare-front.js';
import { Cancellation } from '../../http/deadline.js';
import type { Hop } from '../../http/errors.js';
import { readBody } from '../../http/read-body.js';
import { guard, runChain, type Middleware } from '../metrics/v1/index.js';
import { backendHop, readResponse } from '../metrics/v1/read.js';
import { receiveResponse } from '../metrics/v1/receive.js';
import { newContext, type ApiRequest, type RequestContext } from '../middleware/context.js';
import { answeredError, bodyTooLarge } from '../middleware/errors.js';
import { overCapacity } from '../middleware/inflight.js';
import type { Permission } from '../middleware/authorization.js';
import type { RoutesOptions } from '../routes.js';
import { matchHotRoute, type HotEndpoint, type HotRoute } from './route.js';
import { sendBackend, sendError } from './respond.js';

export interface HotPathOptions extends RoutesOptions {
  /** The admission chain of a permission (routes.ts admission): the same instances the fastify routes run. */
  admit(permission: Permission): Middleware[];
}

/** A hot request as the middlewares read it (ApiRequest); the logger is made on first use, as fastify's. */
class HotRequest implements ApiRequest {
  readonly id: string;
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly raw: IncomingMessage;
  readonly params: { tenant: string };
  body: unknown = undefined;

  constructor(private readonly ex: Exchange, tenant: string, public obs: RequestContext) {
    this.id = ex.id;
    this.raw = ex.req;
    this.method = ex.req.method ?? 'GET';
    this.url = ex.req.url ?? '';
    this.headers = ex.req.headers;
    this.params = { tenant };
  }

  get log() {
    return this.ex.log;
  }
}

export function hotRoutes(o: HotPathOptions): HotRoutes {
  const steps: Record<HotEndpoint, Middleware[]> = {
    query: [guard('/api/v1/query', 'GET, POST'), ...o.admit('read')],
    query_range: [guard('/api/v1/query_range', 'GET, POST'), ...o.admit('read')],
    receive: [guard('/api/v1/receive', 'POST'), ...o.admit('write')],
  };
  const hop: Hop = backendHop(o.backend);
  const inflight = o.metrics.inflightNow;

  /** The request metrics of an answered request (instrumentation.ts's onResponse). */
  const record = (ex: Exchange, ctx: RequestContext): void => {
    const { req, res } = ex;
    const requestBytes = (req.url ?? '').length + (Number(req.headers['content-length'] ?? 0) || 0) + 200;
    o.metrics.http.record(ctx.handler, res.statusCode, req.method ?? 'GET', ctx.tenant, (performance.now() - ex.start) / 1000, requestBytes, Math.max(0, ctx.responseBytes));
    if (ctx.reject) o.metrics.rejected.inc({ reason: ctx.reject, handler: ctx.handler, tenant: ctx.tenant });
  };

  const fail = (ex: Exchange, ctx: RequestContext, err: unknown): void => {
    sendError(ex, ctx, answeredError(err as Error, ctx, ex.log, o.maxBodySize));
  };

  const serve = (ex: Exchange, route: HotRoute): void => {
    const ctx = newContext(route.endpoint, o.state.snapshot.tenants.get(route.tenant)?.tenant.id || '');
    inflight.count++;
    // One listener for the in-flight count, the metrics, and the backend call of a caller that went away.
    const gone = new Cancellation();
    ex.res.once('close', () => {
      inflight.count--;
      if (ex.res.writableFinished) record(ex, ctx);
      else gone.abort();
    });
    if (inflight.count > o.concurrentRequestLimit) {
      ctx.reject = 'limit';
      return fail(ex, ctx, overCapacity(o.concurrentRequestLimit));
    }
    const req = new HotRequest(ex, route.tenant, ctx);
    const admitted = (err?: Error): void => {
      if (err) return fail(ex, ctx, err);
      const answer = route.endpoint === 'receive' ? receiveResponse(req, o, gone) : readResponse(req, route.endpoint, o, gone);
      answer.then((res) => sendBackend(ex, ctx, res, hop)).catch((e: unknown) => fail(ex, ctx, e));
    };
    if (route.body === 'none') return runChain(steps[route.endpoint], req, admitted);
    readBody(ex.req, o.maxBodySize, (tooLarge, body) => {
      if (tooLarge) {
        ctx.reject = 'limit';
        // As fastify after a refused body: the rest of it is not read, the connection closes.
        return sendError(ex, ctx, bodyTooLarge(o.maxBodySize, { connection: 'close' }));
      }
      req.body = route.body === 'form' ? body!.toString('utf8') : body;
      runChain(steps[route.endpoint], req, admitted);
    });
  };

  return (ex) => {
    const route = matchHotRoute(ex.req.method, ex.req.url ?? '', ex.req.headers);
    if (!route) return false;
    serve(ex, route);
    return true;
  };
}
