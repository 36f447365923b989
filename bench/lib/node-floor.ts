import { fileURLToPath } from 'node:url';
import { startProcess, type Proc } from '../../tools/testing/procs.js';
import { waitUntil } from '../../tools/testing/net.js';

export interface NodeFloor {
  url: string;
  proc: Proc;
  stop(): Promise<void>;
}

const SERVER = fileURLToPath(new URL('./node-floor-server.ts', import.meta.url));

/**
 * The Node floor (bench/lib/node-floor-server.ts) as a child process proxying to `upstreamUrl`.
 * BENCH_FLOOR_NODE_ARGS (e.g. '--cpu-prof --cpu-prof-dir=prof') profiles it like the server it is compared with.
 */
export async function startNodeFloor(upstreamUrl: string, authorization?: string): Promise<NodeFloor> {
  const nodeArgs = (process.env.BENCH_FLOOR_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const proc = startProcess(process.execPath, [...nodeArgs, '--import', 'tsx', SERVER, upstreamUrl, ...(authorization ? [authorization] : [])]);
  let port = 0;
  await waitUntil(async () => {
    port = Number(/^(\d+)$/m.exec(proc.output())?.[1] ?? 0);
    return port > 0;
  }, 15_000, `node floor\n${proc.output()}`);
  return { url: `http://127.0.0.1:${port}`, proc, stop: () => proc.stop() };
}
