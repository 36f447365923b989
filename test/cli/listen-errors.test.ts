// A taken port: every component (and each of its listeners) says which flag chose it, and exits 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { freePort, freePortRange, tempDir, waitUntil } from '../../tools/testing/net.js';
import { startObspath } from '../../tools/testing/procs.js';

async function occupy(port: number): Promise<Server> {
  const s = createServer();
  await new Promise<void>((resolve, reject) => { s.once('error', reject); s.listen(port, '127.0.0.1', () => resolve()); });
  return s;
}

async function exitOf(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; output: string }> {
  const p = startObspath(args, env);
  await waitUntil(() => p.child.exitCode !== null, 60_000, `obspath ${args[0]} exits\n${p.output()}`);
  return { code: p.child.exitCode, output: p.output() };
}

const ISSUER = 'http://127.0.0.1:1/auth/realms/x';

test('EADDRINUSE names the component, the address and the flag (or env var); exit 2', { timeout: 300_000 }, async () => {
  const dir = await tempDir();
  const taken = await freePort();
  const blocker = await occupy(taken);
  const addr = `127.0.0.1:${taken}`;
  const free = () => freePort().then((p) => `127.0.0.1:${p}`);
  try {
    const cases: { args: string[]; env?: NodeJS.ProcessEnv; expect: string }[] = [
      { args: ['store', '--storage.path', dir.path, '--web.listen', addr], expect: `obspath store: cannot listen on ${addr} (--web.listen): address already in use` },
      { args: ['issuer', '--client', 'a:b', '--web.listen', addr], expect: `obspath issuer: cannot listen on ${addr} (--web.listen): address already in use` },
      { args: ['api', '--tenants.config', 'docs/examples/tenants.yaml', '--rbac.config', 'docs/examples/rbac.yaml', '--storage.path', dir.path, '--web.listen', await free(), '--web.internal.listen', addr], expect: `obspath api: cannot listen on ${addr} (--web.internal.listen): address already in use` },
      { args: ['token-refresher', '--oidc.issuer-url', ISSUER, '--oidc.client-id', 'a', '--oidc.client-secret', 'b', '--url', 'http://127.0.0.1:1', '--web.internal.listen', await free()], env: { WEB_LISTEN: addr }, expect: `obspath token-refresher: cannot listen on ${addr} (--web.listen from env WEB_LISTEN): address already in use` },
      { args: ['fleet-manager', '--instances-file', 'docs/examples/kafkas.yaml', '--observability-red-hat-sso-token-refresher-url', 'http://127.0.0.1:1', '--api-server-bindaddress', await free(), '--metrics-server-bindaddress', addr], expect: `obspath fleet-manager: cannot listen on ${addr} (--metrics-server-bindaddress): address already in use` },
      { args: ['probe', '--endpoint-write', 'http://127.0.0.1:1/api/v1/write', '--listen', addr], expect: `obspath probe: cannot listen on ${addr} (--listen): address already in use` },
    ];
    for (const c of cases) {
      const r = await exitOf(c.args, c.env);
      assert.ok(r.output.includes(c.expect), `expected "${c.expect}" in:\n${r.output}`);
      assert.equal(r.code, 2, `obspath ${c.args[0]}: exit code\n${r.output}`);
    }
  } finally {
    blocker.close();
    await dir.cleanup();
  }
});

test('obspath up: a taken port of its range names --ports and the component before starting anything; exit 2', { timeout: 60_000 }, async () => {
  const dir = await tempDir();
  const base = await freePortRange(13);
  const blocker = await occupy(base + 3);
  try {
    const r = await exitOf(['up', '--ports', String(base), '--data', dir.path]);
    assert.ok(r.output.includes(`obspath up: cannot listen on 127.0.0.1:${base + 3} (--ports ${base}: the apiInternal port): address already in use`), r.output);
    assert.equal(r.code, 2);
    assert.doesNotMatch(r.output, /"component":"issuer"/, 'nothing started');
  } finally {
    blocker.close();
    await dir.cleanup();
  }
});

test('a listen address that is not one names the flag too; exit 2', { timeout: 60_000 }, async () => {
  const dir = await tempDir();
  try {
    const r = await exitOf(['store', '--storage.path', dir.path, '--web.listen', '127.0.0.1:99999']);
    assert.ok(r.output.includes('obspath store: cannot listen on 127.0.0.1:99999 (--web.listen): invalid address: port 99999 is out of range'), r.output);
    assert.equal(r.code, 2);
  } finally {
    await dir.cleanup();
  }
});
