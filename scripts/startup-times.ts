// Start-up times of the CLI as users run it: `obspath --help`, and each component's time from spawn to a
// listening port, with `obspath up`'s plan (the components started in its order, each left running for the next).
// Usage: node --import tsx scripts/startup-times.ts [rounds]   (prints means over the rounds)
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
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

async function timeToListen(c: ComponentSpec, port: number): Promise<{ ms: number; child: ChildProcess }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [BIN, ...c.args], { env: { ...process.env, ...c.env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  while (!(await listening(port))) {
    if (child.exitCode !== null) throw new Error(`${c.name} exited with ${child.exitCode}: ${stderr}`);
    if (performance.now() - t0 > 30_000) throw new Error(`${c.name} did not listen within 30 s`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return { ms: performance.now() - t0, child };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

const help: number[] = [];
for (let i = 0; i < 10; i++) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [BIN, '--help'], { stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`obspath --help exited with ${r.status}`);
  help.push(performance.now() - t0);
}
console.log(`obspath --help: mean ${mean(help).toFixed(0)} ms over 10 runs (min ${Math.min(...help).toFixed(0)}, max ${Math.max(...help).toFixed(0)})`);

const times = new Map<string, number[]>();
for (let r = 0; r < rounds; r++) {
  const dir = mkdtempSync(join(tmpdir(), 'obspath-startup-'));
  const plan = buildPlan({ dataDir: dir, basePort: await freePortRange(13), faults: [], logLevel: 'warn' });
  const children: ChildProcess[] = [];
  try {
    for (const c of plan.components) {
      const { ms, child } = await timeToListen(c, mainPort(c.name, plan.ports));
      children.push(child);
      times.set(c.name, [...(times.get(c.name) ?? []), ms]);
    }
  } finally {
    for (const c of children) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}
for (const [name, xs] of times) console.log(`${name}: listening after ${mean(xs).toFixed(0)} ms (mean of ${xs.length})`);
