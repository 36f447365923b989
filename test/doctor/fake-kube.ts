// A fake Kubernetes API server on loopback (HTTPS), serving real-format objects from a fixture directory:
// list + get for pods, deployments, events, secrets, networkpolicies, namespaces, and pod logs as text. It
// authenticates like the real one: bearer tokens, or a client certificate (by fingerprint), else 401.

import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { basename, join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { flattenObjects } from '../../src/doctor/k8s/snapshot-source.js';

export interface CertPair { certPem: string; keyPem: string; certFile: string; keyFile: string }

/** A self-signed certificate made with the openssl binary (node:crypto cannot create X.509 certificates). */
export function selfSigned(dir: string, name: string, cn: string, san?: string): CertPair {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', `/CN=${cn}`, ...(san ? ['-addext', `subjectAltName=${san}`] : []), '-keyout', keyFile, '-out', certFile,
  ], { stdio: 'pipe' });
  return { certPem: readFileSync(certFile, 'utf8'), keyPem: readFileSync(keyFile, 'utf8'), certFile, keyFile };
}

type Obj = { kind?: string; apiVersion?: string; metadata?: { name?: string; namespace?: string; labels?: Record<string, string> } };

export interface FakeKube {
  url: string;
  /** Every request: method, path with query, and who it was (token or "cert:<CN>"). */
  requests: { path: string; who: string }[];
  close(): Promise<void>;
}

export interface FakeKubeOptions {
  fixtureDir: string;
  server: CertPair;
  tokens?: string[];
  /** Client certificates accepted (PEM). */
  clientCerts?: string[];
  /** Paths (regex) answered 403 for everyone. */
  forbidden?: RegExp[];
  /** Page size for lists (to exercise `continue`). */
  pageSize?: number;
}

const KINDS: Record<string, string> = { pods: 'Pod', deployments: 'Deployment', events: 'Event', secrets: 'Secret', networkpolicies: 'NetworkPolicy', namespaces: 'Namespace' };

function loadObjects(dir: string): { objects: Obj[]; logs: Map<string, string> } {
  const objects: Obj[] = [];
  const logs = new Map<string, string>();
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.log$/.test(n)) logs.set(basename(n, '.log'), readFileSync(p, 'utf8'));
      else if (/\.(ya?ml|json)$/.test(n)) for (const doc of parseAllDocuments(readFileSync(p, 'utf8'))) objects.push(...(flattenObjects(doc.toJS()) as Obj[]));
    }
  };
  walk(dir);
  return { objects, logs };
}

function status(code: number, reason: string, message: string): string {
  return JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
}

function matchesSelector(labels: Record<string, string>, selector: string | null): boolean {
  if (!selector) return true;
  return selector.split(',').every((req) => {
    const [k, v] = req.split('=');
    return labels[k!] === v;
  });
}

export async function startFakeKube(opts: FakeKubeOptions): Promise<FakeKube> {
  const { objects, logs } = loadObjects(opts.fixtureDir);
  const fingerprints = new Set((opts.clientCerts ?? []).map((c) => new X509Certificate(c).fingerprint256));
  const tokens = new Set(opts.tokens ?? []);
  const requests: FakeKube['requests'] = [];
  const server: Server = createServer({ key: opts.server.keyPem, cert: opts.server.certPem, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://x');
    const auth = req.headers.authorization ?? '';
    const peer = (req.socket as TLSSocket).getPeerCertificate();
    let who = '';
    if (auth.startsWith('Bearer ') && tokens.has(auth.slice(7))) who = auth.slice(7);
    else if (peer?.fingerprint256 && fingerprints.has(peer.fingerprint256)) who = `cert:${peer.subject?.CN}`;
    requests.push({ path: `${url.pathname}${url.search}`, who });
    const send = (code: number, body: string, type = 'application/json') => { res.writeHead(code, { 'content-type': type }); res.end(body); };
    if (!who) return send(401, status(401, 'Unauthorized', 'Unauthorized'));
    if (opts.forbidden?.some((re) => re.test(url.pathname))) {
      return send(403, status(403, 'Forbidden', `User "${who}" cannot get resource at ${url.pathname}`));
    }
    const log = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/log$/.exec(url.pathname);
    if (log) {
      const pod = log[2]!;
      const container = url.searchParams.get('container');
      const previous = url.searchParams.get('previous') === 'true';
      const text = [`${pod}_${container}${previous ? '.previous' : ''}`, `${pod}${previous ? '.previous' : ''}`].map((k) => logs.get(k)).find((t) => t !== undefined);
      if (text === undefined) return previous ? send(400, status(400, 'BadRequest', `previous terminated container "${container}" in pod "${pod}" not found`)) : send(200, '', 'text/plain');
      const tail = Number(url.searchParams.get('tailLines') ?? 0);
      const lines = text.split('\n');
      return send(200, tail > 0 ? lines.slice(-tail - 1).join('\n') : text, 'text/plain');
    }
    const m = /^\/(?:api\/v1|apis\/apps\/v1|apis\/networking\.k8s\.io\/v1)(?:\/namespaces\/([^/]+))?\/([a-z]+)(?:\/([^/]+))?$/.exec(url.pathname)
      ?? /^\/api\/v1\/(namespaces)(?:\/([^/]+))?$/.exec(url.pathname);
    if (!m) return send(404, status(404, 'NotFound', 'the server could not find the requested resource'));
    let ns: string | undefined, resource: string, name: string | undefined;
    if (m[1] === 'namespaces' && m.length === 3) { resource = 'namespaces'; name = m[2]; } else { ns = m[1]; resource = m[2]!; name = m[3]; }
    const kind = KINDS[resource];
    if (!kind) return send(404, status(404, 'NotFound', `unknown resource ${resource}`));
    const pool = objects.filter((o) => o.kind === kind && (kind === 'Namespace' || o.metadata?.namespace === ns));
    if (name) {
      const o = pool.find((x) => x.metadata?.name === name);
      return o ? send(200, JSON.stringify(o)) : send(404, status(404, 'NotFound', `${resource} "${name}" not found`));
    }
    const selected = pool.filter((o) => matchesSelector(o.metadata?.labels ?? {}, url.searchParams.get('labelSelector')));
    const size = Math.min(Number(url.searchParams.get('limit') ?? selected.length) || selected.length, opts.pageSize ?? Infinity);
    const start = Number(url.searchParams.get('continue') ?? 0);
    const page = selected.slice(start, start + size).map(({ kind: _k, apiVersion: _a, ...rest }) => rest);
    const next = start + size < selected.length ? String(start + size) : undefined;
    return send(200, JSON.stringify({ kind: `${kind}List`, apiVersion: 'v1', metadata: { resourceVersion: '1', ...(next ? { continue: next } : {}) }, items: page }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  if (!addr || typeof addr === 'string') throw new Error('no address');
  return {
    url: `https://127.0.0.1:${addr.port}`,
    requests,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

/** A kubeconfig file with one cluster and the given user entry; returns its path. */
export function writeKubeconfig(path: string, server: string, caPem: string, user: Record<string, unknown>, namespace = 'managed-services-stage'): string {
  const doc = {
    apiVersion: 'v1', kind: 'Config', 'current-context': 'stage',
    clusters: [{ name: 'stage-cluster', cluster: { server, 'certificate-authority-data': Buffer.from(caPem).toString('base64') } }],
    users: [{ name: 'sre', user }],
    contexts: [{ name: 'stage', context: { cluster: 'stage-cluster', user: 'sre', namespace } }, { name: 'other', context: { cluster: 'stage-cluster', user: 'nobody', namespace: 'default' } }],
  };
  writeFileSync(path, JSON.stringify(doc));
  return path;
}
