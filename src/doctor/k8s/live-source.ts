// ClusterFacts from a live Kubernetes/OpenShift API server, with the user's kubeconfig. Read-only GETs,
// each bounded by a timeout, lists paginated; API errors become typed FactsErrors that checks can skip on.

import { Agent, ProxyAgent, request, type Dispatcher } from 'undici';
import { classifyNetworkError } from '../../http/net-errors.js';
import { FactsError, selectorQuery, summarizeSecret, type ClusterFacts, type LogRequest, type LooseLog } from '../facts.js';
import { CredentialResolver, type RequestCredentials } from './credentials.js';
import { loadKubeconfig, type ClusterConnection, type LoadKubeconfigOptions } from './kubeconfig.js';
import type { Deployment, KubeEvent, LabelSelector, Namespace, NetworkPolicy, Pod, SecretSummary } from './types.js';

export interface LiveSourceOptions extends LoadKubeconfigOptions {
  /** --namespace; else the context's namespace. */
  namespace?: string;
  /** Bound on each API call, ms (default 15 s). */
  timeoutMs?: number;
  /** Cap on one pod log, bytes (default 2 MiB). */
  logLimitBytes?: number;
}

const PAGE_SIZE = 500;

export class LiveClusterFacts implements ClusterFacts {
  readonly kind = 'cluster' as const;
  readonly namespace: string;
  readonly #conn: ClusterConnection;
  readonly #creds: CredentialResolver;
  readonly #timeoutMs: number;
  readonly #logLimit: number;
  #dispatcher?: { key: string; d: Dispatcher };

  constructor(conn: ClusterConnection, opts: { namespace?: string; timeoutMs?: number; logLimitBytes?: number } = {}) {
    this.#conn = conn;
    this.#creds = new CredentialResolver(conn);
    this.namespace = opts.namespace ?? conn.namespace;
    this.#timeoutMs = opts.timeoutMs ?? 15_000;
    this.#logLimit = opts.logLimitBytes ?? 2 << 20;
  }

  static fromKubeconfig(opts: LiveSourceOptions = {}): LiveClusterFacts {
    return new LiveClusterFacts(loadKubeconfig(opts), opts);
  }

  describe(): string {
    return `context ${this.#conn.contextName} (${this.#conn.server})`;
  }

  /** The dispatcher for the current client certificate (exec plugins may hand out a new one). */
  #dispatcherFor(c: RequestCredentials): Dispatcher {
    const key = `${c.certPem ?? ''}|${c.keyPem ?? ''}`;
    if (this.#dispatcher?.key === key) return this.#dispatcher.d;
    void this.#dispatcher?.d.close();
    const connect = {
      ca: this.#conn.caPem, cert: c.certPem, key: c.keyPem,
      rejectUnauthorized: !this.#conn.insecureSkipTlsVerify,
      servername: this.#conn.tlsServerName,
      timeout: this.#timeoutMs,
    };
    const d = this.#conn.proxyUrl
      ? new ProxyAgent({ uri: this.#conn.proxyUrl, requestTls: connect })
      : new Agent({ connect, headersTimeout: this.#timeoutMs, bodyTimeout: this.#timeoutMs });
    this.#dispatcher = { key, d };
    return d;
  }

  async #get(path: string, query: Record<string, string | number | boolean | undefined>, resource: string, accept = 'application/json'): Promise<string> {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) qs.set(k, String(v));
    const url = `${this.#conn.server}${path}${qs.size > 0 ? `?${qs}` : ''}`;
    for (let attempt = 0; ; attempt++) {
      const creds = await this.#creds.get();
      let res: Dispatcher.ResponseData;
      try {
        res = await request(url, {
          method: 'GET',
          headers: { ...creds.headers, accept, 'user-agent': 'obspath-doctor' },
          dispatcher: this.#dispatcherFor(creds),
          signal: AbortSignal.timeout(this.#timeoutMs),
        });
      } catch (err) {
        const f = classifyNetworkError(err);
        const hint = f.reason === 'tls' ? ' (check the cluster certificate-authority in kubeconfig)' : '';
        throw new FactsError('unreachable', `cannot reach the API server ${this.#conn.server}: ${f.reason}${f.code ? ` (${f.code})` : ''}${hint}`, resource);
      }
      const text = await res.body.text();
      if (res.statusCode >= 200 && res.statusCode < 300) return text;
      if (res.statusCode === 401 && attempt === 0 && this.#creds.refreshable) {
        this.#creds.invalidate();
        continue;
      }
      throw this.#apiError(res.statusCode, text, resource);
    }
  }

  #apiError(status: number, body: string, resource: string): FactsError {
    let message = body.trim().slice(0, 300);
    try {
      const s = JSON.parse(body) as { message?: string };
      if (typeof s.message === 'string') message = s.message;
    } catch { /* not a Status object: keep the text */ }
    if (status === 401) return new FactsError('unauthorized', `the API server rejected the credentials of user ${this.#conn.userName} (401): log in again (oc login, or refresh your cloud CLI credentials)`, resource);
    if (status === 403) return new FactsError('forbidden', `forbidden (403): ${message}`, resource);
    if (status === 404) return new FactsError('not-found', `not found (404): ${message}`, resource);
    return new FactsError('unavailable', `the API server answered ${status}: ${message}`, resource);
  }

  async #getJson<T>(path: string, query: Record<string, string | number | boolean | undefined>, resource: string): Promise<T> {
    const text = await this.#get(path, query, resource);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new FactsError('invalid', `the API server sent something other than JSON for ${resource}`, resource);
    }
  }

  async #list<T>(path: string, resource: string, query: Record<string, string | undefined> = {}): Promise<T[]> {
    const items: T[] = [];
    let cont: string | undefined;
    do {
      const page = await this.#getJson<{ items?: T[]; metadata?: { continue?: string } }>(path, { ...query, limit: PAGE_SIZE, continue: cont }, resource);
      items.push(...(page.items ?? []));
      cont = page.metadata?.continue || undefined;
    } while (cont);
    return items;
  }

  listPods(namespace: string, selector?: LabelSelector): Promise<Pod[]> {
    return this.#list<Pod>(`/api/v1/namespaces/${enc(namespace)}/pods`, `pods in ${namespace}`, { labelSelector: selectorQuery(selector) });
  }

  listDeployments(namespace: string): Promise<Deployment[]> {
    return this.#list<Deployment>(`/apis/apps/v1/namespaces/${enc(namespace)}/deployments`, `deployments in ${namespace}`);
  }

  listEvents(namespace: string): Promise<KubeEvent[]> {
    return this.#list<KubeEvent>(`/api/v1/namespaces/${enc(namespace)}/events`, `events in ${namespace}`);
  }

  async getSecret(namespace: string, name: string): Promise<SecretSummary | undefined> {
    try {
      const raw = await this.#getJson<Parameters<typeof summarizeSecret>[0]>(`/api/v1/namespaces/${enc(namespace)}/secrets/${enc(name)}`, {}, `secret ${namespace}/${name}`);
      return summarizeSecret(raw);
    } catch (err) {
      if (err instanceof FactsError && err.kind === 'not-found') return undefined;
      throw err;
    }
  }

  listNetworkPolicies(namespace: string): Promise<NetworkPolicy[]> {
    return this.#list<NetworkPolicy>(`/apis/networking.k8s.io/v1/namespaces/${enc(namespace)}/networkpolicies`, `networkpolicies in ${namespace}`);
  }

  async getNamespace(name: string): Promise<Namespace | undefined> {
    try {
      return await this.#getJson<Namespace>(`/api/v1/namespaces/${enc(name)}`, {}, `namespace ${name}`);
    } catch (err) {
      if (err instanceof FactsError && err.kind === 'not-found') return undefined;
      throw err;
    }
  }

  async podLogs(req: LogRequest): Promise<string | undefined> {
    try {
      return await this.#get(`/api/v1/namespaces/${enc(req.namespace)}/pods/${enc(req.pod)}/log`, {
        container: req.container, previous: req.previous ? true : undefined, tailLines: req.tailLines,
        sinceSeconds: req.sinceSeconds, limitBytes: this.#logLimit,
      }, `logs of ${req.namespace}/${req.pod}`, 'text/plain');
    } catch (err) {
      // No previous container (never restarted) is a 400 "previous terminated container ... not found".
      if (err instanceof FactsError && (err.kind === 'not-found' || (req.previous && err.kind === 'unavailable'))) return undefined;
      throw err;
    }
  }

  async looseLogs(): Promise<LooseLog[]> {
    return [];
  }

  async close(): Promise<void> {
    await this.#dispatcher?.d.close();
    this.#dispatcher = undefined;
  }
}

function enc(s: string): string {
  return encodeURIComponent(s);
}
