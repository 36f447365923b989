// Writes what the recorder gathered as a snapshot `obspath doctor --snapshot` reads: one `kind: List` YAML file
// per kind, `logs/<pod>_<container>[.previous].log`, and collect.json (when, from where, which reads failed).
// Into a new directory, or a .tar.gz (node-tar) whose entries sit under one folder named after the archive.

import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { create as createTar } from 'tar';
import { stringify } from 'yaml';
import type { SecretSummary } from '../k8s/types.js';
import type { CollectedKind, RecordedRead, RecordingClusterFacts } from './recorder.js';
import { scrubAll, scrubLog, scrubWorkload } from './scrub.js';

export const MANIFEST_FILE = 'collect.json';
export const ARCHIVE = /\.(tar\.gz|tgz)$/i;

/** collect.json: what the snapshot is, and what the replay needs to answer as the cluster did. */
export interface CollectManifest {
  collectedBy: 'obspath doctor collect';
  formatVersion: 1;
  /** The analysis of the snapshot uses this as "now" (recent restarts, event ages). */
  collectedAt: string;
  /** Context and API server it was collected from. */
  source: string;
  namespace: string;
  targets: { fleetManagerNamespace?: string; prometheusNamespace?: string };
  logTailLines: number;
  logSinceSeconds?: number;
  secrets: string;
  /** Reads that returned nothing or failed (forbidden, not found), answered the same way offline. */
  reads: RecordedRead[];
  files: string[];
}

const API_VERSION: Record<CollectedKind, string> = { Pod: 'v1', Deployment: 'apps/v1', Event: 'v1', Secret: 'v1', NetworkPolicy: 'networking.k8s.io/v1', Namespace: 'v1' };
const FILE: Record<CollectedKind, string> = { Pod: 'pods.yaml', Deployment: 'deployments.yaml', Event: 'events.yaml', Secret: 'secrets.yaml', NetworkPolicy: 'networkpolicies.yaml', Namespace: 'namespaces.yaml' };
const SECRET_NOTE = 'values removed by obspath doctor collect: only the key names are kept';

/** A Secret as its key names only: data keys with empty values, and a note saying why. */
function secretObject(s: SecretSummary & { metadata?: unknown }): Record<string, unknown> {
  return {
    metadata: { name: s.name, namespace: s.namespace, annotations: { 'obspath.dev/collected': SECRET_NOTE } },
    ...(s.type ? { type: s.type } : {}),
    data: Object.fromEntries(s.keys.map((k) => [k, ''])),
  };
}

/** Every file of the snapshot, path -> text, secrets scrubbed. */
export function snapshotFiles(rec: RecordingClusterFacts, meta: Omit<CollectManifest, 'collectedBy' | 'formatVersion' | 'secrets' | 'reads' | 'files'>): Map<string, string> {
  const found = new Set<string>();
  const lists = new Map<string, Record<string, unknown>[]>();
  for (const [kind, objs] of rec.objects) {
    const items = [...objs.values()].map((o) => {
      const raw = kind === 'Secret' ? secretObject(o as SecretSummary) : scrubWorkload(kind, o as Record<string, unknown>, found);
      const { metadata, ...rest } = raw as { metadata?: Record<string, unknown> };
      const { managedFields: _m, ...meta2 } = metadata ?? {};
      return { apiVersion: API_VERSION[kind], kind, metadata: meta2, ...rest };
    });
    lists.set(FILE[kind], items);
  }
  // Second pass, once every inline secret is known: any string that holds one, anywhere (annotations, events).
  const files = new Map<string, string>();
  for (const [file, items] of lists) files.set(file, stringify(scrubAll({ apiVersion: 'v1', kind: 'List', items }, found)));
  for (const [name, text] of rec.logs) files.set(`logs/${name}`, scrubLog(text, found));
  const manifest: CollectManifest = {
    collectedBy: 'obspath doctor collect', formatVersion: 1, ...meta,
    secrets: `Secrets: ${SECRET_NOTE}; literal secret values in pod specs, flags and logs replaced by [REDACTED]`,
    reads: scrubAll(rec.reads, found), files: [...files.keys()].sort(),
  };
  files.set(MANIFEST_FILE, `${JSON.stringify(manifest, null, 2)}\n`);
  return files;
}

async function writeTree(dir: string, files: ReadonlyMap<string, string>): Promise<void> {
  for (const [name, text] of files) {
    const path = join(dir, name);
    await mkdir(join(path, '..'), { recursive: true });
    await writeFile(path, text, { mode: 0o600 });
  }
}

/** Throws when `out` is a directory that holds files already (they would mix into the snapshot). */
export async function assertNewSnapshotDir(out: string): Promise<void> {
  if (ARCHIVE.test(out)) return;
  const existing = await readdir(out).catch(() => []);
  if (existing.length > 0) throw new Error(`${out} exists and is not empty: give a new directory (or a .tar.gz file), so no older file mixes into the snapshot`);
}

/** Writes the files into `out`: a directory that must be new or empty, or a .tar.gz archive. */
export async function writeSnapshot(out: string, files: ReadonlyMap<string, string>): Promise<void> {
  if (!ARCHIVE.test(out)) {
    await assertNewSnapshotDir(out);
    await mkdir(out, { recursive: true });
    await writeTree(out, files);
    return;
  }
  const tmp = await mkdtemp(join(tmpdir(), 'obspath-collect-'));
  try {
    const root = basename(out).replace(ARCHIVE, '') || 'snapshot';
    await writeTree(join(tmp, root), files);
    await createTar({ gzip: true, file: out, cwd: tmp, portable: true }, [root]);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
