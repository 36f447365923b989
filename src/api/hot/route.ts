// Which requests the bare hot path serves: query and query_range (GET, or POST with a form body) and
// receive (POST with an application/* body) under /api/metrics/v1/{tenant}. Anything unusual (other
// methods, a percent-encoded or over-long tenant, other body types, no body type) goes to fastify, whose
// answers for those cases are the reference; the hot path only takes requests both would answer alike.
import type { IncomingHttpHeaders } from 'node:http';

export type HotEndpoint = 'query' | 'query_range' | 'receive';

export interface HotRoute {
  endpoint: HotEndpoint;
  /** The tenant name of the URL. */
  tenant: string;
  /** The route path the method guard names ("/api/v1/query"). */
  path: string;
  /** The body is read as text (a form) or as bytes (remote write); none for GET. */
  body: 'none' | 'form' | 'bytes';
}

const PREFIX = '/api/metrics/v1/';
/** fastify's maxParamLength: a longer tenant is fastify's to answer. */
const MAX_TENANT = 500;
const FORM = 'application/x-www-form-urlencoded';
const APPLICATION_TYPE = /^application\/[A-Za-z0-9!#$&^_.+-]+\s*(?:;.*)?$/;

function isForm(contentType: string | undefined): boolean {
  return contentType !== undefined && (contentType === FORM || (contentType.startsWith(FORM) && /^\s*;/.test(contentType.slice(FORM.length))));
}

/** The hot route `method url` is, or undefined for fastify's routes. */
export function matchHotRoute(method: string | undefined, url: string, headers: IncomingHttpHeaders): HotRoute | undefined {
  if (!url.startsWith(PREFIX)) return undefined;
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const slash = path.indexOf('/', PREFIX.length);
  if (slash <= PREFIX.length || slash - PREFIX.length > MAX_TENANT) return undefined;
  const tenant = path.slice(PREFIX.length, slash);
  if (tenant.includes('%')) return undefined;
  // fastify's ignoreTrailingSlash: one trailing slash is the same route.
  const rest = path.endsWith('/') ? path.slice(slash, -1) : path.slice(slash);
  if (rest === '/api/v1/query' || rest === '/api/v1/query_range') {
    const endpoint = rest === '/api/v1/query' ? 'query' : 'query_range';
    if (method === 'GET') return { endpoint, tenant, path: rest, body: 'none' };
    if (method === 'POST' && isForm(headers['content-type'])) return { endpoint, tenant, path: rest, body: 'form' };
    return undefined;
  }
  if (rest === '/api/v1/receive' && method === 'POST') {
    const type = headers['content-type'];
    if (type !== undefined && APPLICATION_TYPE.test(type)) return { endpoint: 'receive', tenant, path: rest, body: 'bytes' };
  }
  return undefined;
}
