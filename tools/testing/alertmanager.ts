// Debian's Alertmanager (prometheus-alertmanager) on a random loopback port, clustering off, for tests that
// send it alerts and read them back from its API v2.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, httpOk, tempDir, waitUntil } from './net.js';
import { startProcess, type Backend } from './procs.js';

/** A config that routes every alert to a receiver that does nothing (what tests read is the API). */
export const NULL_ROUTE_CONFIG = "route:\n  receiver: 'null'\n  group_wait: 1s\n  group_interval: 1s\nreceivers:\n  - name: 'null'\n";

export async function startAlertmanager(config: string = NULL_ROUTE_CONFIG): Promise<Backend> {
  const port = await freePort();
  const dir = await tempDir('obspath-am-');
  const configPath = join(dir.path, 'alertmanager.yml');
  await writeFile(configPath, config);
  const proc = startProcess('prometheus-alertmanager', [
    `--config.file=${configPath}`,
    `--storage.path=${join(dir.path, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--cluster.listen-address=',
    '--log.level=warn',
  ]);
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(() => httpOk(`${url}/-/ready`), 15_000, `alertmanager ready\n${proc.output()}`);
  return { url, proc, dir: dir.path, stop: async () => { await proc.stop(); await dir.cleanup(); } };
}
