// The console's page and its assets, served from the package (the page makes no request outside this origin).
// The page is plain ES modules and CSS (src/stack/console/ui/, shipped as is: no build step) on two maintained
// libraries' prebuilt files from node_modules: uPlot (time series, as Prometheus's UI) and htm's standalone
// Preact (views). Everything is read once at start, kept in memory with its gzip form, and served under a
// strict Content-Security-Policy: scripts, styles and requests from this origin only, no inline code.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ConsoleContext } from './context.js';
import { registerProxyRoutes } from './proxy.js';

/** The page's own files: beside src/ and dist/ alike (dist/stack/console/ui.js also reaches ../../../src/...). */
export const UI_DIR = fileURLToPath(new URL('../../../src/stack/console/ui/', import.meta.url));

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'", "font-src 'self'",
  "object-src 'none'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** Our files change with the package: revalidated each load (ETag). Vendor files carry their version: cached for good. */
const REVALIDATE = 'no-cache';
const IMMUTABLE = 'public, max-age=31536000, immutable';

interface Asset {
  body: Buffer;
  gzip: Buffer;
  type: string;
  etag: string;
  cache: string;
}

function makeAsset(body: Buffer, type: string, cache: string): Asset {
  return { body, gzip: gzipSync(body, { level: 9 }), type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`, cache };
}

function asset(file: string, cache: string): Asset {
  const type = TYPES[file.slice(file.lastIndexOf('.'))];
  if (!type) throw new Error(`console: no content type for ${file}`);
  return makeAsset(readFileSync(file), type, cache);
}

/** A dependency's directory and version (their `exports` do not all list package.json). */
function packageDir(name: string, entry: string): { dir: string; version: string } {
  const require = createRequire(import.meta.url);
  let dir = dirname(require.resolve(entry));
  while (!dir.endsWith(`node_modules/${name}`) && dirname(dir) !== dir) dir = dirname(dir);
  const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string };
  return { dir, version };
}

/** URL path -> asset. The vendor paths carry the versions, so index.html names them through {{placeholders}}. */
function loadAssets(): Map<string, Asset> {
  const uplot = packageDir('uplot', 'uplot');
  const htm = packageDir('htm', 'htm');
  const vendor = {
    '{{uplot.js}}': `/assets/vendor/uplot-${uplot.version}.min.js`,
    '{{uplot.css}}': `/assets/vendor/uplot-${uplot.version}.min.css`,
    '{{preact.js}}': `/assets/vendor/htm-preact-standalone-${htm.version}.js`,
  };
  const assets = new Map<string, Asset>([
    [vendor['{{uplot.js}}'], asset(join(uplot.dir, 'dist', 'uPlot.iife.min.js'), IMMUTABLE)],
    [vendor['{{uplot.css}}'], asset(join(uplot.dir, 'dist', 'uPlot.min.css'), IMMUTABLE)],
    [vendor['{{preact.js}}'], asset(join(htm.dir, 'preact', 'standalone.module.js'), IMMUTABLE)],
  ]);
  for (const name of ['app.js', 'api.js', 'diagram.js', 'charts.js', 'panels.js', 'faults.js', 'style.css', 'favicon.svg']) {
    assets.set(`/assets/${name}`, asset(join(UI_DIR, name), REVALIDATE));
  }
  // The modules import the view library by its versioned URL too.
  for (const [path, a] of assets) {
    if (!path.startsWith('/assets/vendor/') && a.type.startsWith('text/javascript')) assets.set(path, withVendorUrls(a, vendor, path));
  }
  assets.set('/', withVendorUrls(asset(join(UI_DIR, 'index.html'), REVALIDATE), vendor, '/'));
  return assets;
}

function withVendorUrls(a: Asset, vendor: Record<string, string>, path: string): Asset {
  let text = a.body.toString('utf8');
  for (const [placeholder, url] of Object.entries(vendor)) text = text.split(placeholder).join(url);
  if (/\{\{[a-z.]+\}\}/.test(text)) throw new Error(`console: ${path} names an unknown asset placeholder`);
  return makeAsset(Buffer.from(text, 'utf8'), a.type, a.cache);
}

function send(req: FastifyRequest, reply: FastifyReply, a: Asset): FastifyReply {
  reply
    .header('content-security-policy', CONTENT_SECURITY_POLICY)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('cache-control', a.cache)
    .header('etag', a.etag)
    .header('vary', 'accept-encoding')
    .type(a.type);
  if (req.headers['if-none-match'] === a.etag) return reply.code(304).send();
  if (/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) return reply.header('content-encoding', 'gzip').send(a.gzip);
  return reply.send(a.body);
}

export function registerUiRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  const assets = loadAssets();
  const page = assets.get('/')!;
  app.get('/', (req, reply) => send(req, reply, page));
  app.get('/assets/*', (req, reply) => {
    const a = assets.get(req.url.split('?')[0]!);
    if (!a) return reply.code(404).type('application/json').send({ status: 'error', errorType: 'not_found', error: `console: no asset ${req.url.split('?')[0]}`, hop: 'console', requestId: req.id });
    return send(req, reply, a);
  });
  // The browser asks for it whatever the page says; the page's icon is an asset.
  app.get('/favicon.ico', (req, reply) => send(req, reply, assets.get('/assets/favicon.svg')!));
  registerProxyRoutes(app, ctx);
}
