// Starting the plan's parts: a component's supervised command line, waiting for its readiness URL, and the fault
// stand-ins. Shared by the start (index.ts) and live fault injection (live-faults.ts), so a component restarted
// with a fault runs exactly as it would have with `up --fault`.
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { startBlackHole, startErrorServer, startSlowProxy, type FaultServer } from './fault-servers.js';
import { findOnPath } from './watch.js';
import type { ComponentSpec, StackPlan } from './plan.js';
import type { ChildSpec } from './supervisor.js';

const OBSPATH_BIN = fileURLToPath(new URL('../../bin/obspath.js', import.meta.url));

/** A command to run a component under (e.g. faketime), by component name. */
export type ComponentWrap = Readonly<Partial<Record<string, readonly string[]>>>;

/** The supervisor's spec for a component of the plan: obspath itself or an external program, under its wrapper. */
export function childSpecOf(c: ComponentSpec, wrap: ComponentWrap = {}): ChildSpec {
  const [command, args] = c.command ? [c.command, c.args] : [process.execPath, [OBSPATH_BIN, ...c.args]];
  const argv = [...(c.command ? parentDeathWrap() : []), ...(wrap[c.name] ?? []), command, ...args];
  return { name: c.name, command: argv[0]!, args: argv.slice(1), env: c.env, restart: true };
}

let parentDeath: readonly string[] | undefined;

/**
 * An external program (Alertmanager) does not watch the supervisor's link as obspath children do; on Linux,
 * util-linux's setpriv asks the kernel to SIGTERM it when the supervisor dies (PR_SET_PDEATHSIG, kept across
 * exec). Without setpriv it runs as is and could outlive a killed supervisor.
 */
function parentDeathWrap(): readonly string[] {
  parentDeath ??= findOnPath('setpriv') !== undefined ? ['setpriv', '--pdeathsig', 'SIGTERM', '--'] : [];
  return parentDeath;
}

export async function answers(url: string): Promise<boolean> {
  try {
    const res = await request(url, { headersTimeout: 1000, bodyTimeout: 1000 });
    await res.body.dump();
    return res.statusCode < 300;
  } catch {
    return false;
  }
}

/** Polls the component's readiness URL until it answers 2xx or the deadline passes; true when ready (or nothing to wait for). */
export async function waitReady(c: ComponentSpec, deadline: number): Promise<boolean> {
  if (!c.readyUrl) return true;
  while (Date.now() < deadline) {
    if (await answers(c.readyUrl)) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return false;
}

export async function startStandIns(standIns: StackPlan['standIns']): Promise<FaultServer[]> {
  const servers: FaultServer[] = [];
  for (const s of standIns) {
    if (s.kind === 'black-hole') servers.push(await startBlackHole(s.port));
    else if (s.kind === 'error-500') servers.push(await startErrorServer(s.port));
    else servers.push(await startSlowProxy(s.port, s.upstream!, s.delayMs!));
  }
  return servers;
}
