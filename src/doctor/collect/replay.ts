// `obspath doctor --snapshot` on what `doctor collect` wrote: a directory or a .tar.gz (extracted by node-tar
// into a temp dir, removed on close). With collect.json, reads that were absent or failed on the cluster answer
// the same way offline (a missing Secret stays "does not exist", a forbidden list stays forbidden), so the
// analysis gives the same report. A plain directory of `kubectl get -o yaml` files works as before.

import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extract } from 'tar';
import { FactsError, type ClusterFacts, type LogRequest, type LooseLog } from '../facts.js';
import { SnapshotClusterFacts } from '../k8s/snapshot-source.js';
import type { Deployment, KubeEvent, LabelSelector, Namespace, NetworkPolicy, Pod, SecretSummary } from '../k8s/types.js';
import { DEFAULT_NAMESPACE } from '../targets.js';
import { readKey, type RecordedRead } from './recorder.js';
import { ARCHIVE, MANIFEST_FILE, type CollectManifest } from './write.js';

class ReplayClusterFacts implements ClusterFacts {
  readonly kind = 'snapshot' as const;
  readonly namespace: string;
  readonly #reads: Map<string, RecordedRead>;

  constructor(private readonly inner: SnapshotClusterFacts, reads: readonly RecordedRead[], private readonly description: string, private readonly cleanup: () => Promise<void>) {
    this.namespace = inner.namespace;
    this.#reads = new Map(reads.map((r) => [r.key, r]));
  }

  describe(): string {
    return this.description;
  }

  async #replay<T>(key: string, fn: () => Promise<T>, absent: T): Promise<T> {
    const r = this.#reads.get(key);
    if (r?.outcome === 'error' && r.error) throw new FactsError(r.error.kind, r.error.message, r.error.resource);
    if (r?.outcome === 'absent') return absent;
    return fn();
  }

  listPods(ns: string, selector?: LabelSelector): Promise<Pod[]> {
    return this.#replay(readKey.pods(ns, selector), () => this.inner.listPods(ns, selector), []);
  }

  listDeployments(ns: string): Promise<Deployment[]> {
    return this.#replay(readKey.deployments(ns), () => this.inner.listDeployments(ns), []);
  }

  listEvents(ns: string): Promise<KubeEvent[]> {
    return this.#replay(readKey.events(ns), () => this.inner.listEvents(ns), []);
  }

  getSecret(ns: string, name: string): Promise<SecretSummary | undefined> {
    return this.#replay(readKey.secret(ns, name), () => this.inner.getSecret(ns, name), undefined);
  }

  listNetworkPolicies(ns: string): Promise<NetworkPolicy[]> {
    return this.#replay(readKey.networkPolicies(ns), () => this.inner.listNetworkPolicies(ns), []);
  }

  getNamespace(name: string): Promise<Namespace | undefined> {
    return this.#replay(readKey.namespace(name), () => this.inner.getNamespace(name), undefined);
  }

  podLogs(req: LogRequest): Promise<string | undefined> {
    return this.#replay(readKey.log(req), () => this.inner.podLogs(req), undefined);
  }

  looseLogs(): Promise<LooseLog[]> {
    return this.inner.looseLogs();
  }

  async close(): Promise<void> {
    await this.inner.close();
    await this.cleanup();
  }
}

/** collect.json at the top of the tree or in its one folder (an archive's entries sit under one). */
async function findManifest(dir: string): Promise<{ root: string; manifest?: CollectManifest }> {
  const candidates = [dir, ...(await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => join(dir, e.name))];
  for (const root of candidates) {
    const file = join(root, MANIFEST_FILE);
    if (!existsSync(file)) continue;
    const manifest = JSON.parse(await readFile(file, 'utf8')) as CollectManifest;
    if (manifest.collectedBy !== 'obspath doctor collect') throw new FactsError('invalid', `${file} was not written by obspath doctor collect`);
    return { root, manifest };
  }
  return { root: dir };
}

export interface OpenedSnapshot {
  facts: ClusterFacts;
  /** Present when `doctor collect` wrote the snapshot. */
  manifest?: CollectManifest;
}

/** Opens a snapshot directory or archive; the namespace defaults to the collected one. */
export async function openSnapshot(path: string, namespace?: string): Promise<OpenedSnapshot> {
  const isFile = existsSync(path) && statSync(path).isFile();
  let dir = path;
  let cleanup = async () => {};
  if (isFile || ARCHIVE.test(path)) {
    if (!isFile) throw new FactsError('invalid', `cannot read snapshot archive ${path}: no such file`);
    dir = await mkdtemp(join(tmpdir(), 'obspath-snapshot-'));
    cleanup = () => rm(dir, { recursive: true, force: true });
    try {
      await extract({ file: path, cwd: dir, strict: true });
    } catch (err) {
      await cleanup();
      throw new FactsError('invalid', `cannot read snapshot archive ${path}: ${(err as Error).message}`);
    }
  }
  try {
    const { root, manifest } = await findManifest(dir);
    const inner = new SnapshotClusterFacts(root, namespace ?? manifest?.namespace ?? DEFAULT_NAMESPACE);
    const description = `snapshot ${path}${manifest ? ` (collected ${manifest.collectedAt} from ${manifest.source})` : ''}`;
    return { facts: new ReplayClusterFacts(inner, manifest?.reads ?? [], description, cleanup), manifest };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
