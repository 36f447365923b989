// A supervisor that dies without stopping its components (SIGKILL, OOM killer) must not leave them running:
// each component watches its link to the supervisor and stops itself, through its normal shutdown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { freePortRange, tempDir, waitUntil } from '../../tools/testing/net.js';
import { REPO_ROOT, processGone, processGroupMembers, startObspath, startProcess } from '../../tools/testing/procs.js';

const dist = (module: string) => pathToFileURL(join(REPO_ROOT, 'dist', module)).href;

/** A component stand-in: watches its supervisor as obspath's components do, and notes how it was stopped. */
const WATCHER = `
import { writeFileSync } from 'node:fs';
import { stopWhenSupervisorGone } from ${JSON.stringify(dist('stack/supervised.js'))};
stopWhenSupervisorGone();
process.on('SIGTERM', () => { writeFileSync(process.env.MARKER, 'graceful SIGTERM'); process.exit(0); });
console.log('ready; variable left for forked processes: ' + (process.env.OBSPATH_SUPERVISOR_FD ?? 'none'));
setInterval(() => {}, 1000);
`;

/** A supervisor (the stack's own class) running one watcher, printing its pid. */
const SUPERVISOR = `
import { LogMux } from ${JSON.stringify(dist('stack/log-stream.js'))};
import { Supervisor } from ${JSON.stringify(dist('stack/supervisor.js'))};
const sup = new Supervisor(new LogMux(process.stdout, false));
sup.start({ name: 'watcher', command: process.execPath, args: ['--input-type=module', '-e', process.env.WATCHER], restart: true });
console.log('watcher pid ' + sup.status()[0].pid);
`;

test('a SIGKILLed supervisor: its child reads EOF on the link, gets SIGTERM (its normal shutdown) and exits', async () => {
  const dir = await tempDir('obspath-orphans-');
  const marker = join(dir.path, 'stopped');
  const sup = startProcess(process.execPath, ['--input-type=module', '-e', SUPERVISOR], { env: { WATCHER, MARKER: marker } });
  try {
    await waitUntil(() => /watcher +\| ready/.test(sup.output()), 15_000, `watcher ready\n${sup.output()}`);
    const pid = Number(/watcher pid (\d+)/.exec(sup.output())![1]);
    assert.match(sup.output(), /variable left for forked processes: none/, 'the fd variable is not inherited further');
    assert.equal(processGone(pid), false);
    await sup.kill('SIGKILL');
    await waitUntil(() => processGone(pid), 10_000, `watcher ${pid} to exit after its supervisor was killed`);
    assert.equal(existsSync(marker) ? readFileSync(marker, 'utf8') : 'no marker: not stopped through SIGTERM', 'graceful SIGTERM');
  } finally {
    await sup.kill('SIGKILL');
    await dir.cleanup();
  }
});

test('obspath up SIGKILLed: every component (Alertmanager included) is gone soon after', { timeout: 90_000 }, async () => {
  const dir = await tempDir('obspath-orphans-up-');
  const base = await freePortRange(13);
  const up = startObspath(['up', '--ports', String(base), '--data', dir.path, '--alertmanager']);
  let pids: number[] = [];
  try {
    await waitUntil(() => /obspath up: ready in/.test(up.output()), 30_000, `up ready\n${up.output()}`);
    const state = JSON.parse(readFileSync(join(dir.path, 'stack.json'), 'utf8')) as { components: { name: string; pid?: number; running: boolean }[] };
    const names = state.components.map((c) => c.name);
    for (const name of ['issuer', 'store', 'api', 'token-refresher', 'fleet-manager', 'probe', 'doctor', 'alertmanager']) assert.ok(names.includes(name), `${name} in ${names.join(', ')}`);
    // Each component leads its own process group: the group holds whatever it started too.
    pids = state.components.flatMap((c) => (c.pid === undefined ? [] : processGroupMembers(c.pid)));
    assert.ok(pids.length >= state.components.length, `every component runs: ${pids.join(', ')}`);
    await up.kill('SIGKILL');
    await waitUntil(() => pids.every(processGone), 30_000, 'every component to exit');
  } finally {
    await up.kill('SIGKILL');
    // Whatever a failed run left behind is not left to the next test.
    for (const pid of pids.filter((p) => !processGone(p))) process.kill(pid, 'SIGKILL');
    await dir.cleanup();
  }
});
