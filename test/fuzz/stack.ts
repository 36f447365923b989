// The stack the fuzz suite attacks, as `obspath up` wires it: the issuer (with a signing key the suite
// also holds, so it can forge tokens that differ from real ones in one claim only), `obspath store` as
// its own process (so it can be restarted on the same data directory), and `obspath api` with the
// two-tenant tenants/RBAC files of the API tests, reading from and writing to that store.
import { generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, httpOk, tempDir, waitUntil } from '../../tools/testing/net.js';
import { startObspath, type Proc } from '../../tools/testing/procs.js';
import { startIssuerProc, type IssuerProc } from '../../tools/testing/stack.js';
import { CLIENTS, getToken, startApiProc, type ApiProc } from '../../tools/testing/api.js';

export interface FuzzStack {
  dir: string;
  issuer: IssuerProc;
  api: ApiProc;
  storeUrl: string;
  store(): Proc;
  /** The issuer's signing key (PKCS#8 PEM), its public half (SPKI PEM) and its key id. */
  keys: { privatePem: string; publicPem: string; kid: string };
  /** A real access token of the issuer for a client of tools/testing/api.ts. */
  token(client: string): Promise<string>;
  /** SIGTERM the store and start it again on the same port and data directory; waits until ready. */
  restartStore(): Promise<void>;
  /**
   * Waits until the API and the store answer their health endpoints within a second again (up to
   * 2 min): a case that hung must not make the next ones fail for it.
   */
  settle(): Promise<void>;
  /** Names of the processes that have exited (an empty list when all are alive). */
  deadProcesses(): string[];
  /** The PIDs of issuer, store and API at start, and now (a restart by anyone shows as a change). */
  pids(): Record<string, number | undefined>;
  stop(): Promise<void>;
}

function startStore(dataDir: string, port: number): Proc {
  return startObspath(['store', '--storage.path', dataDir, '--storage.fsync', 'batch', '--web.listen', `127.0.0.1:${port}`, '--log.level', 'warn']);
}

const alive = (p: Proc) => p.child.exitCode === null && p.child.signalCode === null;

export async function startFuzzStack(): Promise<FuzzStack> {
  const tmp = await tempDir('obspath-fuzz-');
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const keyFile = join(tmp.path, 'signing-key.pem');
  await writeFile(keyFile, privatePem, { mode: 0o600 });
  const storePort = await freePort();
  const storeDir = join(tmp.path, 'store');
  const storeUrl = `http://127.0.0.1:${storePort}`;
  let store = startStore(storeDir, storePort);
  const [issuer] = await Promise.all([
    startIssuerProc({ dir: tmp.path, clients: CLIENTS, extraArgs: ['--signing-key', keyFile] }),
    waitUntil(() => httpOk(`${storeUrl}/-/ready`), 20_000, `store ready\n${store.output()}`),
  ]);
  const api = await startApiProc({ dir: tmp.path, issuerUrl: issuer.issuerUrl, args: ['--metrics.read.endpoint', storeUrl, '--metrics.write.endpoint', `${storeUrl}/api/v1/write`] });
  const kid = await discoverKid(issuer.issuerUrl);
  const deadProcesses = () => {
    const out: string[] = [];
    for (const [name, p] of [['issuer', issuer.proc], ['store', store], ['api', api.proc]] as const) {
      if (!alive(p)) out.push(`${name} (exit ${p.child.exitCode ?? p.child.signalCode}): ${p.output().slice(-1500)}`);
    }
    return out;
  };
  const startPids = { issuer: issuer.proc.child.pid, store: store.child.pid, api: api.proc.child.pid };
  return {
    dir: tmp.path,
    issuer,
    api,
    storeUrl,
    store: () => store,
    keys: { privatePem, publicPem, kid },
    token: (client) => getToken(issuer.issuerUrl, client),
    async restartStore() {
      await store.stop(10_000);
      store = startStore(storeDir, storePort);
      await waitUntil(() => httpOk(`${storeUrl}/-/ready`), 20_000, `store ready after restart\n${store.output()}`);
    },
    async settle() {
      if (deadProcesses().length > 0) return; // nothing to wait for: the case reports the exit
      await waitUntil(async () => (await httpOk(`${api.internalUrl}/live`)) && (await httpOk(`${storeUrl}/-/ready`)), 120_000, 'the API and the store to answer again');
    },
    deadProcesses,
    pids: () => ({ ...startPids, storeNow: store.child.pid }),
    async stop() {
      await api.stop();
      await Promise.all([issuer.stop(), store.stop()]);
      await tmp.cleanup();
    },
  };
}

/** The key id the issuer signs with, from its discovery document's JWKS. */
async function discoverKid(issuerUrl: string): Promise<string> {
  const doc = (await (await fetch(`${issuerUrl}/.well-known/openid-configuration`)).json()) as { jwks_uri: string };
  const jwks = (await (await fetch(doc.jwks_uri)).json()) as { keys: Array<{ kid: string }> };
  if (!jwks.keys[0]?.kid) throw new Error(`no kid in the issuer's JWKS ${doc.jwks_uri}`);
  return jwks.keys[0].kid;
}
