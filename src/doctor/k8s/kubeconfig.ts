// Reads kubeconfig the way kubectl does: --kubeconfig, else every file in $KUBECONFIG merged (first one to
// define a name wins), else ~/.kube/config, else the in-cluster service account. Relative paths resolve
// against the file that names them. Credentials: bearer token (inline or tokenFile, as `oc login` writes),
// client certificate (file or inline data), basic auth, legacy OIDC auth-provider id-token, and exec plugins
// (client.authentication.k8s.io v1/v1beta1, as cloud CLIs write them) — see exec-credential.ts.

import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { FactsError } from '../facts.js';

export interface ExecConfig {
  apiVersion?: string;
  command: string;
  args?: string[];
  env?: { name: string; value: string }[];
  installHint?: string;
  provideClusterInfo?: boolean;
  interactiveMode?: string;
}

export interface UserAuth {
  token?: string;
  tokenFile?: string;
  clientCertificatePem?: string;
  clientKeyPem?: string;
  username?: string;
  password?: string;
  exec?: ExecConfig & { baseDir: string };
  authProvider?: { name: string; config?: Record<string, string> };
  impersonate?: string;
  impersonateGroups?: string[];
}

export interface ClusterConnection {
  contextName: string;
  clusterName: string;
  userName: string;
  server: string;
  /** The context's namespace, else "default". */
  namespace: string;
  caPem?: string;
  insecureSkipTlsVerify: boolean;
  tlsServerName?: string;
  proxyUrl?: string;
  user: UserAuth;
  /** The files this came from (for messages). */
  sources: string[];
}

export interface LoadKubeconfigOptions {
  /** --kubeconfig: exactly this file. */
  kubeconfig?: string;
  /** --context: this context instead of current-context. */
  context?: string;
  env?: NodeJS.ProcessEnv;
  /** Where the in-cluster service account lives (tests override it). */
  serviceAccountDir?: string;
}

interface Named<T> { name: string; value: T; baseDir: string }

type Obj = Record<string, unknown>;

function asObj(v: unknown): Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {};
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/** Which files make up the configuration, in kubectl's order. */
export function kubeconfigPaths(opts: LoadKubeconfigOptions): string[] {
  const env = opts.env ?? process.env;
  if (opts.kubeconfig) return [opts.kubeconfig];
  if (env.KUBECONFIG) return env.KUBECONFIG.split(delimiter).filter((p) => p.length > 0);
  return [join(env.HOME ?? homedir(), '.kube', 'config')];
}

function readDoc(path: string): Obj {
  try {
    return asObj(parse(readFileSync(path, 'utf8')));
  } catch (err) {
    throw new FactsError('invalid', `cannot read kubeconfig ${path}: ${(err as Error).message}`);
  }
}

function collect(docs: { path: string; doc: Obj }[], key: 'clusters' | 'users' | 'contexts', inner: 'cluster' | 'user' | 'context'): Map<string, Named<Obj>> {
  const out = new Map<string, Named<Obj>>();
  for (const { path, doc } of docs) {
    const list = Array.isArray(doc[key]) ? (doc[key] as unknown[]) : [];
    for (const item of list) {
      const name = str(asObj(item).name);
      if (name && !out.has(name)) out.set(name, { name, value: asObj(asObj(item)[inner]), baseDir: dirname(resolve(path)) });
    }
  }
  return out;
}

function fileOrData(entry: Obj, fileKey: string, dataKey: string, baseDir: string, what: string): string | undefined {
  const data = str(entry[dataKey]);
  if (data) return Buffer.from(data, 'base64').toString('utf8');
  const file = str(entry[fileKey]);
  if (!file) return undefined;
  const path = isAbsolute(file) ? file : join(baseDir, file);
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new FactsError('invalid', `cannot read the ${what} ${path} named in kubeconfig: ${(err as Error).message}`);
  }
}

function userAuth(u: Named<Obj>): UserAuth {
  const v = u.value;
  const auth: UserAuth = {};
  auth.token = str(v.token);
  const tokenFile = str(v.tokenFile);
  if (tokenFile) auth.tokenFile = isAbsolute(tokenFile) ? tokenFile : join(u.baseDir, tokenFile);
  auth.clientCertificatePem = fileOrData(v, 'client-certificate', 'client-certificate-data', u.baseDir, 'client certificate');
  auth.clientKeyPem = fileOrData(v, 'client-key', 'client-key-data', u.baseDir, 'client key');
  auth.username = str(v.username);
  auth.password = str(v.password);
  const exec = asObj(v.exec);
  if (str(exec.command)) {
    auth.exec = {
      command: exec.command as string,
      apiVersion: str(exec.apiVersion),
      args: Array.isArray(exec.args) ? exec.args.map(String) : undefined,
      env: Array.isArray(exec.env) ? exec.env.map((e) => ({ name: String(asObj(e).name), value: String(asObj(e).value ?? '') })) : undefined,
      installHint: str(exec.installHint),
      provideClusterInfo: exec.provideClusterInfo === true,
      interactiveMode: str(exec.interactiveMode),
      baseDir: u.baseDir,
    };
  }
  const provider = asObj(v['auth-provider']);
  if (str(provider.name)) auth.authProvider = { name: provider.name as string, config: asObj(provider.config) as Record<string, string> };
  auth.impersonate = str(v.as);
  if (Array.isArray(v['as-groups'])) auth.impersonateGroups = (v['as-groups'] as unknown[]).map(String);
  if (auth.clientCertificatePem && !auth.clientKeyPem) throw new FactsError('invalid', `kubeconfig user ${u.name} has a client certificate but no client key`);
  return auth;
}

/** The in-cluster configuration (the doctor running as a pod), or undefined outside a cluster. */
function inClusterConnection(env: NodeJS.ProcessEnv, saDir: string): ClusterConnection | undefined {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT ?? '443';
  if (!host || !existsSync(join(saDir, 'token'))) return undefined;
  const caPath = join(saDir, 'ca.crt');
  const nsPath = join(saDir, 'namespace');
  return {
    contextName: 'in-cluster', clusterName: 'in-cluster', userName: 'service-account',
    server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    namespace: existsSync(nsPath) ? readFileSync(nsPath, 'utf8').trim() : 'default',
    caPem: existsSync(caPath) ? readFileSync(caPath, 'utf8') : undefined,
    insecureSkipTlsVerify: false,
    user: { tokenFile: join(saDir, 'token') },
    sources: [saDir],
  };
}

/** Resolves the context to use into one connection: server, TLS settings, credentials, namespace. */
export function loadKubeconfig(opts: LoadKubeconfigOptions = {}): ClusterConnection {
  const env = opts.env ?? process.env;
  const paths = kubeconfigPaths(opts);
  if (opts.kubeconfig && !existsSync(opts.kubeconfig)) throw new FactsError('invalid', `kubeconfig ${opts.kubeconfig} does not exist`);
  const docs = paths.filter((p) => existsSync(p)).map((path) => ({ path, doc: readDoc(path) }));
  if (docs.length === 0) {
    const inCluster = inClusterConnection(env, opts.serviceAccountDir ?? '/var/run/secrets/kubernetes.io/serviceaccount');
    if (inCluster && !opts.context) return inCluster;
    throw new FactsError('invalid', `no kubeconfig found (looked at ${paths.join(', ')}): log in with oc login / kubectl, or pass --kubeconfig, or use --snapshot DIR`);
  }
  const contexts = collect(docs, 'contexts', 'context');
  const clusters = collect(docs, 'clusters', 'cluster');
  const users = collect(docs, 'users', 'user');
  const current = opts.context ?? docs.map((d) => str(d.doc['current-context'])).find((c) => c !== undefined);
  if (!current) throw new FactsError('invalid', `kubeconfig has no current-context: pass --context (one of: ${[...contexts.keys()].join(', ') || 'none'})`);
  const ctx = contexts.get(current);
  if (!ctx) throw new FactsError('invalid', `context "${current}" is not in kubeconfig (have: ${[...contexts.keys()].join(', ') || 'none'})`);
  const clusterName = str(ctx.value.cluster) ?? '';
  const cluster = clusters.get(clusterName);
  if (!cluster) throw new FactsError('invalid', `context "${current}" names cluster "${clusterName}", which is not in kubeconfig`);
  const server = str(cluster.value.server);
  if (!server) throw new FactsError('invalid', `cluster "${clusterName}" has no server URL`);
  const userName = str(ctx.value.user) ?? '';
  const user = users.get(userName);
  return {
    contextName: current,
    clusterName,
    userName,
    server: server.replace(/\/+$/, ''),
    namespace: str(ctx.value.namespace) ?? 'default',
    caPem: fileOrData(cluster.value, 'certificate-authority', 'certificate-authority-data', cluster.baseDir, 'certificate authority'),
    insecureSkipTlsVerify: cluster.value['insecure-skip-tls-verify'] === true,
    tlsServerName: str(cluster.value['tls-server-name']),
    proxyUrl: str(cluster.value['proxy-url']),
    // A context may name no user (anonymous access); an unknown user name is kubectl's "anonymous" too.
    user: user ? userAuth(user) : {},
    sources: docs.map((d) => d.path),
  };
}
