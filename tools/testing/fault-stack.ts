// `obspath up`'s stack (src/stack) started with faults for a doctor test: waits until every component that
// should be ready is, and until the dashboard user has driven some traffic, then hands the stack over; stops
// it (and removes its data directory) afterwards. Components can be frozen by hand (SIGSTOP) as a fault of
// their own; they are thawed before the stack stops so that SIGTERM reaches them.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { startStack, type RunningStack } from '../../src/stack/index.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { freePortRange, tempDir } from './net.js';

export interface FaultStack {
  stack: RunningStack;
  dataDir: string;
  /** SIGSTOP of a supervised component (by its current pid); returns the pid. */
  freeze(component: string): number;
}

export async function withFaultStack(faults: readonly string[], fn: (s: FaultStack) => Promise<void>): Promise<void> {
  const dir = await tempDir();
  const out = new PassThrough();
  out.resume();
  const stack = await startStack({ dataDir: dir.path, basePort: await freePortRange(13), faults, out, logger: createLogger({ component: 'up', level: 'warn', destination: out }), logLevel: 'warn', readyTimeoutMs: 30_000 });
  const frozen: number[] = [];
  try {
    if (stack.notReady.length > 0) {
      const logs = await Promise.all(stack.notReady.map(async (c) => `${c}: ${(await readFile(join(dir.path, 'logs', `${c}.log`), 'utf8').catch(() => '(no log)')).slice(-1500)}`));
      assert.fail(`not ready after 30 s: ${stack.notReady.join(', ')}\n${logs.join('\n')}`);
    }
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && Object.values(stack.userTraffic.stats()).reduce((a, b) => a + b, 0) < 2) await new Promise((r) => setTimeout(r, 200));
    await new Promise((r) => setTimeout(r, 1000));
    await fn({
      stack, dataDir: dir.path,
      freeze: (component) => {
        const pid = stack.supervisor.status().find((c) => c.name === component && c.running)?.pid;
        assert.ok(pid, `${component} is not running`);
        process.kill(pid, 'SIGSTOP');
        frozen.push(pid);
        return pid;
      },
    });
  } finally {
    for (const pid of frozen) try { process.kill(pid, 'SIGCONT'); } catch { /* exited */ }
    await stack.stop();
    await dir.cleanup();
  }
}
