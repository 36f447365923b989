// Start-up times of the CLI as users run it: `obspath --help`, and each component's time from spawn to a
// listening port, with `obspath up`'s plan (the components started in its order, each left running for the next).
// Usage: node --import tsx scripts/startup-times.ts [rounds]   (prints medians over the rounds: wall time and the
// process's CPU time, user + system from /proc, at the moment its port first accepts a connection)
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPlan, type ComponentSpec, type Ports } from '../src/stack/plan.js';
import { freePortRange } from '../tools/testing/net.js';

const BIN = fileURLToPath(new URL('../bin/obspath.js', import.meta.url));
const rounds = Number(process.argv[2] ?? 5);

const mainPort = (name: ComponentSpec['name'], p: Ports): number =>
  ({ issuer: p.issuer, store: p.store, api: p.api, 'token-refresher': p.refresher, 'fleet-manager': p.fleetManager, probe: p.probe, doctor: p.doctor, alertmanager: p.alertmanager })[name];

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
    s.on('error', () => resolve(false));
  });
}

/** User + system CPU time of a live process so far, in ms (Linux /proc; clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of proc(5) (utime, stime) are the 12th and 13th after the command name.
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function timeToListen(c: ComponentSpec, port: number): Promise<{ ms: number; cpu: number; child: ChildProcess }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [BIN, ...c.args], { env: { ...process.env, ...c.env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  while (!(await listening(port))) {
    if (child.exitCode !== null) throw new Error(`${c.name} exited with ${child.exitCode}: ${stderr}`);
    if (performance.now() - t0 > 30_000) throw new Error(`${c.name} did not listen within 30 s`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return { ms: performance.now() - t0, cpu: cpuMs(child.pid!), child };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const help: number[] = [];
for (let i = 0; i < 10; i++) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [BIN, '--help'], { stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`obspath --help exited with ${r.status}`);
  help.push(performance.now() - t0);
}
console.log(`obspath --help: mean ${mean(help).toFixed(0)} ms over 10 runs (min ${Math.min(...help).toFixed(0)}, max ${Math.max(...help).toFixed(0)})`);

const times = new Map<string, { ms: number[]; cpu: number[] }>();
for (let r = 0; r < rounds; r++) {
  const dir = mkdtempSync(join(tmpdir(), 'obspath-startup-'));
  const plan = buildPlan({ dataDir: dir, basePort: await freePortRange(13), faults: [], logLevel: 'warn' });
  const children: ChildProcess[] = [];
  try {
    for (const c of plan.components) {
      const { ms, cpu, child } = await timeToListen(c, mainPort(c.name, plan.ports));
      children.push(child);
      const t = times.get(c.name) ?? { ms: [], cpu: [] };
      times.set(c.name, { ms: [...t.ms, ms], cpu: [...t.cpu, cpu] });
    }
  } finally {
    for (const c of children) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}
for (const [name, t] of times) {
  console.log(`${name}: listening after ${median(t.ms).toFixed(0)} ms wall, ${median(t.cpu).toFixed(0)} ms CPU (medians of ${t.ms.length}; CPU ${t.cpu.join(' ')})`);
}
const total = [...times.values()].reduce((sum, t) => sum + median(t.cpu), 0);
console.log(`all components: ${total.toFixed(0)} ms CPU to listening (sum of medians); load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
