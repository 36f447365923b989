// `obspath doctor collect` as a library call: run the cluster checks through a recorder, so that exactly the
// objects and logs they use are gathered, then write them as a snapshot (directory or .tar.gz) that
// `obspath doctor --snapshot` analyses offline with the same result.

import type { ClusterFacts } from '../facts.js';
import type { DoctorReport } from '../report.js';
import { runDoctor } from '../run.js';
import { RecordingClusterFacts } from './recorder.js';
import { assertNewSnapshotDir, snapshotFiles, writeSnapshot } from './write.js';

export { openSnapshot, type OpenedSnapshot } from './replay.js';
export { MANIFEST_FILE, type CollectManifest } from './write.js';

export interface CollectOptions {
  facts: ClusterFacts;
  /** A new directory, or a file ending in .tar.gz / .tgz. */
  out: string;
  targets?: { namespace?: string; fleetManagerNamespace?: string; prometheusNamespace?: string };
  logTailLines?: number;
  logSinceSeconds?: number;
  now?: Date;
}

export interface CollectResult {
  /** The analysis of what was collected (the snapshot gives the same). */
  report: DoctorReport;
  files: string[];
  objects: number;
  logs: number;
}

export async function collectSnapshot(o: CollectOptions): Promise<CollectResult> {
  await assertNewSnapshotDir(o.out);
  const rec = new RecordingClusterFacts(o.facts);
  const now = o.now ?? new Date();
  const logTailLines = o.logTailLines ?? 2000;
  const targets = Object.fromEntries(Object.entries(o.targets ?? {}).filter(([, v]) => v !== undefined));
  const report = await runDoctor({ facts: rec, targets, now, logTailLines, logSinceSeconds: o.logSinceSeconds });
  const files = snapshotFiles(rec, {
    collectedAt: now.toISOString(), source: o.facts.describe(), namespace: report.source.namespace,
    targets: { fleetManagerNamespace: o.targets?.fleetManagerNamespace, prometheusNamespace: o.targets?.prometheusNamespace },
    logTailLines, ...(o.logSinceSeconds ? { logSinceSeconds: o.logSinceSeconds } : {}),
  });
  await writeSnapshot(o.out, files);
  return { report, files: [...files.keys()].sort(), objects: [...rec.objects.values()].reduce((n, m) => n + m.size, 0), logs: rec.logs.size };
}
