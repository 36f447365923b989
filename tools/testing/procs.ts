import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, httpOk, tempDir, waitUntil } from './net.js';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const OBSPATH_BIN = join(REPO_ROOT, 'bin', 'obspath.js');

export interface Proc {
  child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** SIGTERM, then SIGKILL after graceMs; resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts a process, keeps its output, and makes sure it dies with the test process. */
export function startProcess(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Proc {
  const child = spawn(cmd, args, {
    cwd: opts.cwd ?? REPO_ROOT,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const onExit = () => child.kill('SIGKILL');
  process.once('exit', onExit);
  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
    process.off('exit', onExit);
  };
  return {
    child,
    output: () => out,
    kill,
    async stop(graceMs = 5000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(t);
      process.off('exit', onExit);
    },
  };
}

/** Runs `obspath <args>` as a child process: bin/obspath.js on the compiled dist/, as users run it (npm test builds it first). */
export function startObspath(args: string[], env: NodeJS.ProcessEnv = {}): Proc {
  return startProcess(process.execPath, [OBSPATH_BIN, ...args], { env });
}

/** The state letter and process group of a live pid from /proc/<pid>/stat (Linux), or undefined once it is gone. */
function procStat(pid: number): { state: string; pgrp: number } | undefined {
  try {
    // "pid (comm) state ppid pgrp ...": comm may contain spaces and parentheses, so parse after the last ")".
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: state!, pgrp: Number(pgrp) };
  } catch {
    return undefined;
  }
}

/** True when `pid` no longer runs: gone, or a zombie its new parent has not reaped yet (init reaps at its pace). */
export function processGone(pid: number): boolean {
  const st = procStat(pid);
  return st === undefined || st.state === 'Z' || st.state === 'X';
}

/** The pids of process group `pgid` that still run (zombies left out). */
export function processGroupMembers(pgid: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => procStat(pid)?.pgrp === pgid && !processGone(pid));
}

export interface Backend {
  url: string;
  proc: Proc;
  dir: string;
  stop(): Promise<void>;
}

/** Debian's Prometheus on a random loopback port, with the remote-write receiver on. */
export async function startPrometheus(opts: { config?: string; extraArgs?: string[] } = {}): Promise<Backend> {
  const port = await freePort();
  const dir = await tempDir('obspath-prom-');
  const configPath = join(dir.path, 'prometheus.yml');
  await writeFile(configPath, opts.config ?? 'global:\n  scrape_interval: 15s\n');
  const proc = startProcess('prometheus', [
    `--config.file=${configPath}`,
    `--storage.tsdb.path=${join(dir.path, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--web.enable-remote-write-receiver',
    '--web.enable-lifecycle',
    ...(opts.extraArgs ?? []),
  ]);
  const url = `http://127.0.0.1:${port}`;
  await waitForStart(proc, () => httpOk(`${url}/-/ready`), 30_000, `prometheus ready\n${proc.output()}`);
  return { url, proc, dir: dir.path, stop: async () => { await proc.stop(); await dir.cleanup(); } };
}

/** Debian's VictoriaMetrics single node on a random loopback port. */
export async function startVictoriaMetrics(): Promise<Backend> {
  const port = await freePort();
  const dir = await tempDir('obspath-vm-');
  const proc = startProcess('victoria-metrics', [
    `-storageDataPath=${dir.path}`,
    `-httpListenAddr=127.0.0.1:${port}`,
    '-retentionPeriod=1d',
    '-search.latencyOffset=0s',
  ]);
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(() => httpOk(`${url}/health`), 15_000, 'victoria-metrics healthy');
  return { url, proc, dir: dir.path, stop: async () => { await proc.stop(); await dir.cleanup(); } };
}

/**
 * Waits for a started process to answer; if it does not in time, stops it before failing, so a slow start
 * under load fails its test instead of leaving a child that keeps the test file from ever ending.
 */
export async function waitForStart(proc: Proc, check: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  try {
    await waitUntil(check, timeoutMs, what);
  } catch (err) {
    await proc.stop();
    throw err;
  }
}
