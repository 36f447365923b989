// Debian's redis-server for tests: a free loopback port, a temp dir, no persistence; stop and start again
// on the same port (to test a limiter losing and regaining Redis).
import { connect } from 'node:net';
import { freePort, tempDir, waitUntil } from './net.js';
import { startProcess, type Proc } from './procs.js';

export interface RedisProc {
  address: string;
  port: number;
  proc: Proc;
  /** Stops the server (the port stays reserved for start()). */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty. */
  start(): Promise<void>;
  cleanup(): Promise<void>;
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => s.write('PING\r\n'));
    s.setTimeout(1000, () => (s.destroy(), resolve(false)));
    s.on('data', (d: Buffer) => (s.destroy(), resolve(d.toString().startsWith('+PONG'))));
    s.on('error', () => resolve(false));
  });
}

export async function startRedis(): Promise<RedisProc> {
  const port = await freePort();
  const dir = await tempDir('obspath-redis-');
  const launch = async () => {
    const proc = startProcess('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir.path, '--loglevel', 'warning']);
    await waitUntil(() => ping(port), 10_000, `redis-server on ${port}\n${proc.output()}`);
    return proc;
  };
  const r: RedisProc = {
    address: `127.0.0.1:${port}`,
    port,
    proc: await launch(),
    stop: () => r.proc.stop(),
    start: async () => {
      r.proc = await launch();
    },
    cleanup: async () => {
      await r.proc.stop();
      await dir.cleanup();
    },
  };
  return r;
}
