// The console's page and read proxies without a browser or a stack: every asset the page names is served from
// this origin with its content type, cache policy, gzip form and the strict CSP; the proxies take only their
// parameters, relay a real Prometheus's answers and errors (naming the store), and turn "no answer" into a 502
// naming the hop. The page in a real browser on a real stack: console-browser.test.ts.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { trustExtraCa } from '../../src/http/extra-ca.js';
import { createHttpApp, listen } from '../../src/http/server.js';
import type { ConsoleContext } from '../../src/stack/console/context.js';
import { CONTENT_SECURITY_POLICY, registerUiRoutes } from '../../src/stack/console/ui.js';
import type { StackPlan } from '../../src/stack/plan.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { freePort, tempDir, waitUntil } from '../../tools/testing/net.js';
import { startPrometheus, startProcess, type Backend } from '../../tools/testing/procs.js';
import { loopbackServerCert, makeCa } from '../../tools/testing/tls.js';

let prom: Backend;
let app: FastifyInstance;
let base: string;
let closedPort: number;

/** A console app with only the page's routes, its store at `storeUrl`'s port and doctor serve at `doctorUrl`. */
async function consoleApp(storePort: number, doctorUrl: string, scheme = 'http'): Promise<{ app: FastifyInstance; url: string }> {
  const logger = createLogger({ component: 'console-test', level: 'silent' });
  const plan = { url: (p: number) => `${scheme}://127.0.0.1:${p}`, ports: { store: storePort }, alertsTo: { doctorUrl } } as unknown as StackPlan;
  const a = createHttpApp({ logger, hop: 'console', accessLog: false });
  registerUiRoutes(a, { plan, logger } as unknown as ConsoleContext);
  const addr = await listen(a, '127.0.0.1:0');
  return { app: a, url: addr.url };
}

before(async () => {
  prom = await startPrometheus();
  closedPort = await freePort();
  const c = await consoleApp(Number(new URL(prom.url).port), `http://127.0.0.1:${closedPort}`);
  app = c.app;
  base = c.url;
});
after(async () => {
  await app?.close();
  await prom?.stop();
});

async function getJson(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${base}${path}`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Every URL the page and its modules name: <script src>, <link href>, and ES module imports. */
function referencedAssets(text: string): string[] {
  const urls = [...text.matchAll(/(?:src|href)="(\/[^"]*)"/g), ...text.matchAll(/from '(\.\/[^']+|\/[^']+)'/g)].map((m) => m[1]!);
  return urls.map((u) => (u.startsWith('./') ? `/assets/${u.slice(2)}` : u));
}

describe('the console page: assets from this origin only, under a strict CSP', () => {
  it('serves the page and every asset it reaches, with content types, caching, ETag and gzip', async () => {
    const seen = new Set<string>();
    const queue = ['/'];
    while (queue.length) {
      const path = queue.shift()!;
      if (seen.has(path)) continue;
      seen.add(path);
      const res = await fetch(`${base}${path}`);
      assert.equal(res.status, 200, `${path} is served`);
      assert.equal(res.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      const type = res.headers.get('content-type') ?? '';
      const text = await res.text();
      const expected = path === '/' ? /^text\/html/ : path.endsWith('.js') ? /^text\/javascript/ : path.endsWith('.css') ? /^text\/css/ : /^image\/svg\+xml/;
      assert.match(type, expected, `${path}: ${type}`);
      assert.equal(res.headers.get('cache-control'), path.startsWith('/assets/vendor/') ? 'public, max-age=31536000, immutable' : 'no-cache', path);
      assert.doesNotMatch(text, /\{\{[a-z.]+\}\}/, `${path}: placeholders replaced`);
      if (!path.startsWith('/assets/vendor/') && !path.endsWith('.svg')) {
        // No absolute URL in our own files: nothing leaves the console's origin.
        assert.doesNotMatch(text, /\b(?:https?:)?\/\/[a-z0-9]/i, `${path} names no other origin`);
        assert.doesNotMatch(text, /<script>|\son[a-z]+="/i, `${path} has no inline script or handler`);
      }
      if (type.startsWith('text/html') || type.startsWith('text/javascript')) queue.push(...referencedAssets(text));
    }
    for (const must of ['/assets/app.js', '/assets/charts.js', '/assets/style.css']) assert.ok(seen.has(must), `${must} reached from the page`);
    assert.ok([...seen].some((p) => /^\/assets\/vendor\/uplot-\d+\.\d+\.\d+\.min\.js$/.test(p)), 'uPlot, by version');
    assert.ok([...seen].some((p) => /^\/assets\/vendor\/htm-preact-standalone-\d+\.\d+\.\d+\.js$/.test(p)), 'preact + htm, by version');

    const plain = await fetch(`${base}/assets/app.js`, { headers: { 'accept-encoding': 'identity' } });
    const plainText = await plain.text();
    const raw = await fetch(`${base}/assets/app.js`, { headers: { 'accept-encoding': 'gzip' } });
    // fetch() would undo the encoding; the raw body is checked through the header and by hand.
    assert.equal(raw.headers.get('content-encoding'), 'gzip');
    assert.equal(raw.headers.get('vary'), 'accept-encoding');
    const etag = plain.headers.get('etag')!;
    assert.match(etag, /^"[A-Za-z0-9_-]{27}"$/);
    const again = await fetch(`${base}/assets/app.js`, { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304);
    assert.ok(plainText.includes('render('), 'the app module');
    const { request } = await import('undici');
    const gz = await request(`${base}/assets/app.js`, { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(gunzipSync(Buffer.from(await gz.body.arrayBuffer())).toString('utf8'), plainText);
  });

  it('answers an unknown asset 404 in the Prometheus shape naming the console', async () => {
    const { status, body } = await getJson('/assets/nope.js');
    assert.equal(status, 404);
    assert.equal(body.status, 'error');
    assert.equal(body.hop, 'console');
    assert.match(String(body.error), /no asset \/assets\/nope\.js/);
    const up = await getJson('/assets/../package.json');
    assert.equal(up.status, 404, 'no path outside the asset map');
  });
});

describe('the console proxies: the store and doctor serve, read-only', () => {
  it('relays a range query to the store (a real Prometheus here)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const { status, body } = await getJson(`/api/v1/store/query_range?${new URLSearchParams({ query: 'vector(1)', start: String(now - 60), end: String(now), step: '15' })}`);
    assert.equal(status, 200);
    assert.equal(body.status, 'success');
    const data = body.data as { resultType: string; result: { values: unknown[] }[] };
    assert.equal(data.resultType, 'matrix');
    assert.equal(data.result[0]!.values.length, 5);
    const instant = await getJson(`/api/v1/store/query?query=${encodeURIComponent('1+1')}&time=${now}`);
    assert.equal(instant.status, 200);
    assert.deepEqual((instant.body.data as { result: unknown[] }).result[1], '2');
  });

  it('refuses bad parameters itself (400, hop console) and passes the store\'s own errors on (hop store)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const cases: [string, RegExp][] = [
      ['/api/v1/store/query_range?start=1&end=2&step=1', /parameter "query" is required/],
      [`/api/v1/store/query_range?query=up&start=${now}&end=${now}&step=1&match[]=x`, /unknown parameter "match\[\]"/],
      ['/api/v1/store/query?query=up&query=down', /given more than once/],
      [`/api/v1/store/query_range?query=up&start=yesterday&end=${now}&step=1`, /invalid parameter "start"/],
      [`/api/v1/store/query_range?query=up&start=${now}&end=${now}&step=0`, /zero or negative query resolution step/],
      [`/api/v1/store/query_range?query=up&start=${now}&end=${now}`, /parameter "step" is required/],
      [`/api/v1/store/query?query=${'x'.repeat(5000)}`, /at most 4096/],
      ['/api/v1/doctor/verdict?target=x', /unknown parameter "target"/],
    ];
    for (const [path, message] of cases) {
      const { status, body } = await getJson(path);
      assert.equal(status, 400, path);
      assert.deepEqual([body.status, body.errorType, body.hop], ['error', 'bad_data', 'console'], path);
      assert.match(String(body.error), message, path);
      assert.ok(typeof body.requestId === 'string', 'with the request id');
    }
    const bad = await getJson(`/api/v1/store/query?query=${encodeURIComponent('sum(')}`);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.hop, 'store', 'the store refused the PromQL');
    assert.equal(bad.body.errorType, 'bad_data');
  });

  it('serves only its three read paths', async () => {
    for (const [method, path] of [['POST', '/api/v1/store/query?query=up'], ['GET', '/api/v1/store/series?match[]=up'], ['GET', '/api/v1/store/api/v1/query?query=up'], ['DELETE', '/api/v1/doctor/verdict']]) {
      const res = await fetch(`${base}${path}`, { method });
      assert.equal(res.status, 404, `${method} ${path}`);
      assert.equal(((await res.json()) as { hop: string }).hop, 'console');
    }
  });

  it('turns no answer into a 502 naming the hop that did not answer', async () => {
    const doctor = await getJson('/api/v1/doctor/verdict');
    assert.equal(doctor.status, 502);
    assert.deepEqual([doctor.body.status, doctor.body.hop, doctor.body.reason], ['error', 'doctor', 'refused']);
    assert.match(String(doctor.body.error), new RegExp(`the doctor at http://127\\.0\\.0\\.1:${closedPort} did not answer: refused`));
    const noStore = await consoleApp(closedPort, prom.url);
    try {
      const res = await fetch(`${noStore.url}/api/v1/store/query?query=up`);
      const body = (await res.json()) as Record<string, unknown>;
      assert.equal(res.status, 502);
      assert.deepEqual([body.hop, body.reason, body.errorType], ['store', 'refused', 'unavailable']);
    } finally {
      await noStore.app.close();
    }
  });
});

describe('the console proxies over TLS (obspath up --tls)', () => {
  it('reach a store serving HTTPS once the stack\'s CA is trusted, as startStack does; an unknown CA is a 502 naming the store', { timeout: 60_000 }, async () => {
    const dir = await tempDir('obspath-console-tls-');
    const ca = makeCa(dir.path);
    const cert = loopbackServerCert(ca, 'store');
    const webConfig = join(dir.path, 'web.yml');
    writeFileSync(webConfig, `tls_server_config:\n  cert_file: ${cert.certFile}\n  key_file: ${cert.keyFile}\n`);
    writeFileSync(join(dir.path, 'prometheus.yml'), 'global:\n  scrape_interval: 15s\n');
    const port = await freePort();
    const proc = startProcess('prometheus', [`--config.file=${join(dir.path, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir.path, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`, `--web.config.file=${webConfig}`]);
    const c = await consoleApp(port, `http://127.0.0.1:${closedPort}`, 'https');
    try {
      const ask = async () => {
        const res = await fetch(`${c.url}/api/v1/store/query?query=${encodeURIComponent('3+4')}`);
        return { status: res.status, body: (await res.json()) as Record<string, unknown> };
      };
      // Until it listens: refused; then the handshake fails on the CA this process does not know yet.
      let untrusted = await ask();
      await waitUntil(async () => (untrusted = await ask()).body.reason === 'tls', 20_000, `prometheus over TLS\n${proc.output()}`);
      assert.equal(untrusted.status, 502);
      assert.equal(untrusted.body.hop, 'store');
      assert.match(String(untrusted.body.error), /unknown authority/);
      trustExtraCa(ca.cert);
      const trusted = await ask();
      assert.equal(trusted.status, 200, JSON.stringify(trusted.body));
      assert.deepEqual((trusted.body.data as { result: unknown[] }).result[1], '7');
    } finally {
      await c.app.close();
      await proc.stop();
      await dir.cleanup();
    }
  });
});
