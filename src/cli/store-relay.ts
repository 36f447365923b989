// `obspath store` started without the store's V8 flag (config/store-node-options.ts; `obspath up` passes it in
// NODE_OPTIONS, a bare `npx obspath store` cannot) runs itself once more with it, and this process only relays:
// - the same stdin, stdout and stderr, so the output is the store's own;
// - SIGINT, SIGTERM and SIGHUP (scrape reload) are passed on, once each: the store runs in its own process group
//   so a terminal's Ctrl-C reaches it only through here (a second copy would be its "second signal: exit now");
// - the store's exit code, or its signal, becomes this process's;
// - this process's own supervisor link (stack/supervised.ts) is watched here, and its SIGTERM is passed on;
// - if this process dies without passing anything on (SIGKILL), the store dies the same way at once: it watches
//   a pipe whose other end only this process holds (RELAY_FD_ENV), so `kill -9` still means a crash, not a
//   graceful stop racing a restart on the same data directory.
// It imports nothing but Node and the flag's rule, so it stays a small process (see the report of issue 16).
import { spawn } from 'node:child_process';
import { fstatSync } from 'node:fs';
import { Socket } from 'node:net';
import { storeSemiSpaceFlag } from '../config/store-node-options.js';
import { stopWhenSupervisorGone } from '../stack/supervised.js';

const RELAY_FD_ENV = 'OBSPATH_STORE_RELAY_FD';
const RELAY_FD = 3;
const RELAYED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** The flag to re-run `obspath <args>` with, or undefined when this process should run the command itself. */
export function storeRelayFlag(args: readonly string[]): string | undefined {
  if (args[0] !== 'store' || args.includes('--help') || args.includes('-h')) return undefined;
  if (process.env[RELAY_FD_ENV] !== undefined) return undefined;
  try {
    return storeSemiSpaceFlag(process.env, process.execArgv);
  } catch (err) {
    process.stderr.write(`obspath store: ${(err as Error).message}\n`);
    process.exit(2);
  }
}

/** Runs the same command line again under node with `flag` and relays to it (see the top of this file). */
export function relayStore(flag: string): void {
  stopWhenSupervisorGone();
  const child = spawn(process.execPath, [...process.execArgv, flag, ...process.argv.slice(1)], {
    stdio: ['inherit', 'inherit', 'inherit', 'pipe'],
    env: { ...process.env, [RELAY_FD_ENV]: String(RELAY_FD) },
    detached: true,
  });
  const relay = (signal: NodeJS.Signals) => child.kill(signal);
  for (const signal of RELAYED_SIGNALS) process.on(signal, relay);
  child.once('error', (err) => {
    process.stderr.write(`obspath store: cannot start the store process: ${err.message}\n`);
    process.exit(1);
  });
  child.once('exit', (code, signal) => {
    if (signal === null) process.exit(code ?? 1);
    for (const s of RELAYED_SIGNALS) process.off(s, relay);
    process.kill(process.pid, signal);
  });
}

/** In the store started by relayStore: die at once with the relaying process. Elsewhere: nothing. */
export function dieWithStoreRelay(): void {
  const value = process.env[RELAY_FD_ENV];
  delete process.env[RELAY_FD_ENV];
  if (value !== String(RELAY_FD) || !isSocket(RELAY_FD)) return;
  const link = new Socket({ fd: RELAY_FD, readable: true, writable: false });
  link.unref();
  const die = () => process.kill(process.pid, 'SIGKILL');
  link.on('end', die);
  link.on('error', die);
  link.resume();
}

function isSocket(fd: number): boolean {
  try {
    return fstatSync(fd).isSocket();
  } catch {
    return false;
  }
}
