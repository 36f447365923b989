import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The kernel's ephemeral range (outgoing connections take their local port from it). Test servers pick ports
 * below it: a port found free there cannot be taken meanwhile by one of the many client sockets the suite opens
 * (CI once lost a stack's API port, 40391, to one between the probe and the bind).
 */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 12_000 ? low : 32_768;
  } catch {
    return 32_768;
  }
}
const PORT_LOW = 10_000;
const PORT_HIGH = ephemeralLow();
// The README's examples, which test/cli/readme.test.ts runs as written, listen on fixed ports (`obspath up` on
// 18000-18012, the faulty stacks on 19000 and 19100): a test picking ports at random keeps out of them.
const README_PORTS = { low: 18_000, high: 19_200 };

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** A free TCP port on 127.0.0.1 below the ephemeral range (a tiny race with other test binders is accepted). */
export async function freePort(): Promise<number> {
  return freePortRange(1);
}

/** A fresh temp dir and its cleanup. */
export async function tempDir(prefix = 'obspath-test-'): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

/** Polls `check` until it returns true or `timeoutMs` passes. */
export async function waitUntil(check: () => Promise<boolean> | boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (err) {
      lastErr = err;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastErr ? `: ${String(lastErr)}` : ''}`);
}

/** True when GET url answers 2xx. */
export async function httpOk(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

/** The first of `count` consecutive free loopback ports below the ephemeral range (for `obspath up --ports`). */
export async function freePortRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const base = PORT_LOW + Math.floor(Math.random() * (PORT_HIGH - PORT_LOW - count));
    if (base < README_PORTS.high && base + count > README_PORTS.low) continue;
    let ok = true;
    for (let i = 0; i < count && ok; i++) ok = await portIsFree(base + i);
    if (ok) return base;
  }
  throw new Error(`no ${count} consecutive free ports found between ${PORT_LOW} and ${PORT_HIGH}`);
}
