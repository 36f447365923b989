// The store's hot routes on the bare listener (http/bare-front.ts): query and query_range (GET, or POST with a
// form body) and remote write (POST with a protobuf body). Profile of the store under bench/store-query.ts:
// fastify's per-request machinery (routing, hooks, reply, content-type parsing) sat on every query beside the
// query itself. Only requests both would answer alike are taken here; anything unusual (other methods, a body
// without a length or over the limit, other body types, a GET with a body) goes to the fastify routes, whose
// answers for those cases (413, 415, 404, ...) are the reference, as the API's hot path does.
import type { IncomingHttpHeaders } from 'node:http';
import type { Exchange } from '../../http/bare-server.js';
import type { HotRoutes } from '../../http/bare-front.js';
import { readBody } from '../../http/read-body.js';
import type { Engine } from '../../promql/engine.js';
import { handleReadBytes, type ReadEndpoint } from '../../promapi/index.js';
import type { Store } from '../store.js';
import type { IngestLimits } from '../remote-write/ingest.js';
import { FORM_BODY_LIMIT, answerWrite, readParams } from './answers.js';

const JSON_TYPE = 'application/json; charset=utf-8';
const FORM = 'application/x-www-form-urlencoded';
/** The body types of the write route's parser (server.ts addPromBodyParsers), as Prometheus sends them. */
const WRITE_TYPES = new Set(['application/x-protobuf', 'application/octet-stream']);

type HotRoute = { kind: 'read'; endpoint: ReadEndpoint; form: boolean } | { kind: 'write' };

function isForm(contentType: string | undefined): boolean {
  return contentType !== undefined && (contentType === FORM || (contentType.startsWith(FORM) && /^\s*;/.test(contentType.slice(FORM.length))));
}

/** The declared body length, or undefined when the body has none (chunked) or it is not a plain number. */
function declaredLength(headers: IncomingHttpHeaders): number | undefined {
  if (headers['transfer-encoding'] !== undefined) return undefined;
  const raw = headers['content-length'];
  return raw !== undefined && /^\d{1,10}$/.test(raw) ? Number(raw) : undefined;
}

/** The hot route of a request, or undefined for fastify's routes. */
export function matchStoreHotRoute(method: string | undefined, url: string, headers: IncomingHttpHeaders, writeLimit: number): HotRoute | undefined {
  const q = url.indexOf('?');
  let path = q < 0 ? url : url.slice(0, q);
  // fastify's ignoreTrailingSlash: one trailing slash is the same route.
  if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  if (path === '/api/v1/query' || path === '/api/v1/query_range') {
    const endpoint = path === '/api/v1/query' ? 'query' : 'query_range';
    if (method === 'GET') return headers['transfer-encoding'] === undefined && (headers['content-length'] ?? '0') === '0' ? { kind: 'read', endpoint, form: false } : undefined;
    if (method !== 'POST' || !isForm(headers['content-type'])) return undefined;
    const length = declaredLength(headers);
    return length !== undefined && length <= FORM_BODY_LIMIT ? { kind: 'read', endpoint, form: true } : undefined;
  }
  if (path === '/api/v1/write' && method === 'POST' && WRITE_TYPES.has(headers['content-type'] ?? '')) {
    const length = declaredLength(headers);
    return length !== undefined && length <= writeLimit ? { kind: 'write' } : undefined;
  }
  return undefined;
}

export interface StoreHotOptions {
  store: Store;
  engine: Engine;
  limits: IngestLimits;
}

function sendBytes(ex: Exchange, status: number, body: Buffer): void {
  ex.writeHead(status, { 'content-type': JSON_TYPE, 'content-length': body.length });
  ex.res.end(body);
}

export function storeHotRoutes(o: StoreHotOptions): HotRoutes {
  const ctx = { querier: o.store, engine: o.engine };
  const read = (ex: Exchange, endpoint: ReadEndpoint, body: string | undefined): void => {
    const res = handleReadBytes(ctx, endpoint, readParams(body, ex.req.url ?? ''), ex.id);
    sendBytes(ex, res.status, res.body);
  };
  const write = (ex: Exchange, body: Buffer): void => {
    answerWrite(o.store, body, ex.req.headers, o.limits, ex.id, () => ex.log).then(
      (res) => {
        if (ex.gone) return;
        if (res.body === undefined) {
          // As fastify's empty 204: neither a type nor a length.
          ex.writeHead(204, {});
          ex.res.end();
        } else ex.sendJson(res.status, res.body);
      },
      (err: unknown) => ex.fail(err),
    );
  };
  return (ex) => {
    const route = matchStoreHotRoute(ex.req.method, ex.req.url ?? '', ex.req.headers, o.limits.maxCompressedBytes);
    if (route === undefined) return false;
    if (route.kind === 'read' && !route.form) {
      read(ex, route.endpoint, undefined);
      return true;
    }
    // The declared length is within the limit (else fastify answers); Node's parser holds the body to it.
    readBody(ex.req, route.kind === 'write' ? o.limits.maxCompressedBytes : FORM_BODY_LIMIT, (tooLarge, body) => {
      if (tooLarge || ex.gone) return ex.res.destroy();
      if (route.kind === 'write') write(ex, body!);
      else read(ex, route.endpoint, body!.toString('utf8'));
    });
    return true;
  };
}
