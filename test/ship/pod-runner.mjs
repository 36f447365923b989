// Runs inside the read-only sandbox of test/ship/runtime-tree.test.ts, as a kubelet would: starts one
// container's command, then reports (one JSON line on stdout) which of its ports listen and what its probes
// answer, and what writing to the root filesystem gives. Plain JavaScript: no TypeScript loader, which would
// need a writable cache directory.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const spec = JSON.parse(process.env.POD_SPEC ?? '{}');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const listening = (port) => new Promise((resolve) => {
  const s = connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
  s.on('error', () => resolve(false));
});
const probe = async (p) => {
  try {
    const res = await fetch(`http://127.0.0.1:${p.port}${p.path}`, { signal: AbortSignal.timeout(2000) });
    return { status: res.status, body: (await res.text()).slice(0, 400) };
  } catch (err) {
    return { status: 0, body: String(err?.cause?.code ?? err) };
  }
};

const writes = {};
// The sandbox's temp dir is part of the read-only root too (no emptyDir is mounted there).
for (const path of [...spec.writeChecks, join(tmpdir(), 'obspath-write-check')]) {
  try { writeFileSync(path, 'x'); writes[path] = 'written'; } catch (err) { writes[path] = err.code; }
}

let output = '';
const t0 = performance.now();
const child = spawn(process.execPath, spec.command, { env: spec.env, stdio: ['ignore', 'pipe', 'pipe'] });
child.stdout.on('data', (d) => (output += d));
child.stderr.on('data', (d) => (output += d));

const report = { uid: process.getuid(), gid: process.getgid(), writes, listening: [], msToListen: undefined, exitCode: null };
const deadline = Date.now() + spec.timeoutMs;
while (Date.now() < deadline && child.exitCode === null) {
  const up = await Promise.all(spec.ports.map(listening));
  if (up.every(Boolean)) {
    report.listening = spec.ports;
    report.msToListen = Math.round(performance.now() - t0);
    break;
  }
  await sleep(20);
}
// Probes as the kubelet runs them: again every 250 ms until both pass, for at most probeWindowMs.
const probeDeadline = Math.min(deadline, Date.now() + spec.probeWindowMs);
while (report.msToListen !== undefined && child.exitCode === null) {
  report.liveness = await probe(spec.liveness);
  report.readiness = await probe(spec.readiness);
  if ((report.liveness.status === 200 && report.readiness.status === 200) || Date.now() > probeDeadline) break;
  await sleep(250);
}
report.exitCode = child.exitCode;
child.kill('SIGTERM');
await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
report.output = output.slice(-3000);
process.stdout.write(JSON.stringify(report) + '\n');
