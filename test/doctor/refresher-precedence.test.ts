// The doctor must see the refresher's settings where the refresher itself takes them from: the same flags,
// aliases and env vars, in the same order. Each case is resolved by the refresher's own configuration code
// and by the doctor (the shell's environment with --no-cluster, and a deployment's container), and compared.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { resolveConfig } from '../../src/config/load.js';
import { localConfigFromFlags } from '../../src/doctor/cluster-options.js';
import { readRefresherConfig } from '../../src/doctor/refresher-config.js';
import { refresherConfigSchema, refresherFields } from '../../src/refresher/config.js';

const REQUIRED = { OIDC_ISSUER_URL: 'http://127.0.0.1:1/auth/realms/r', CLIENT_ID: 'c', CLIENT_SECRET: 's' };

// UPSTREAM_URL, URL and OBSERVATORIUM_URL in every combination, empty values included (the refresher skips them).
const URL_ENVS: Record<string, string>[] = [
  { OBSERVATORIUM_URL: 'http://obs.example/o' },
  { UPSTREAM_URL: 'http://upstream.example/u', OBSERVATORIUM_URL: 'http://obs.example/o' },
  { URL: 'http://url.example/l', OBSERVATORIUM_URL: 'http://obs.example/o' },
  { UPSTREAM_URL: 'http://upstream.example/u', URL: 'http://url.example/l', OBSERVATORIUM_URL: 'http://obs.example/o' },
  { UPSTREAM_URL: '', OBSERVATORIUM_URL: 'http://obs.example/o' },
  { UPSTREAM_URL: 'http://upstream.example/u' },
];

function refresherUrl(env: Record<string, string>): string | undefined {
  return resolveConfig(refresherConfigSchema, { fields: refresherFields, flags: {}, env: { ...REQUIRED, ...env } }).upstreamUrl;
}

test('doctor --no-cluster reads the Observatorium URL from the env vars the refresher reads, in its order', () => {
  for (const env of URL_ENVS) {
    const expected = refresherUrl(env);
    assert.ok(expected, `the refresher takes a URL from ${JSON.stringify(env)}`);
    assert.equal(localConfigFromFlags({}, env, false).observatoriumUrl, expected, JSON.stringify(env));
  }
  // UPSTREAM_URL wins over OBSERVATORIUM_URL: the refresher's order, not the fleet manager template's name.
  assert.equal(localConfigFromFlags({}, URL_ENVS[1]!, false).observatoriumUrl, 'http://upstream.example/u');
});

test('doctor --no-cluster: the other refresher settings follow the refresher too; doctor flags win; a cluster ignores the shell', () => {
  const env = { OIDC_CLIENT_ID: 'oidc-id', CLIENT_ID: 'plain-id', ISSUER_URL: 'http://127.0.0.1:2/auth/realms/x', OIDC_ISSUER_URL: '', CLIENT_SECRET: 's', OIDC_AUDIENCE: 'aud', OBSERVATORIUM_URL: 'http://obs.example/o' };
  const resolved = resolveConfig(refresherConfigSchema, { fields: refresherFields, flags: {}, env });
  const local = localConfigFromFlags({}, env, false);
  assert.deepEqual(
    { clientId: local.clientId, clientSecret: local.clientSecret, issuerUrl: local.issuerUrl, audience: local.audience },
    { clientId: resolved.clientId, clientSecret: resolved.clientSecret, issuerUrl: resolved.issuerUrl, audience: resolved.audience },
  );
  assert.equal(localConfigFromFlags({ observatoriumUrl: 'http://flag.example/f' }, env, false).observatoriumUrl, 'http://flag.example/f');
  assert.equal(localConfigFromFlags({}, env, true).observatoriumUrl, undefined);
});

test('doctor on a deployment: env vars and flag aliases in the refresher\'s precedence', () => {
  for (const env of URL_ENVS) {
    const container = { name: 'token-refresher', env: Object.entries(env).map(([name, value]) => ({ name, value })) };
    const source = readRefresherConfig(container).observatoriumUrl;
    // The doctor reads a deployment's env as written (an empty value is a set, empty variable there).
    const firstSet = ['UPSTREAM_URL', 'URL', 'OBSERVATORIUM_URL'].find((n) => n in env)!;
    assert.deepEqual(source, { kind: 'literal', value: env[firstSet], from: `env ${firstSet}` }, JSON.stringify(env));
  }
  const withAlias = readRefresherConfig({ name: 'token-refresher', args: ['--upstream.url=http://alias.example/a'], env: [{ name: 'UPSTREAM_URL', value: 'http://upstream.example/u' }] });
  assert.deepEqual(withAlias.observatoriumUrl, { kind: 'literal', value: 'http://alias.example/a', from: '--upstream.url' });
});

test('cli: doctor --no-cluster checks the URL a refresher in the same shell would use (UPSTREAM_URL over OBSERVATORIUM_URL)', () => {
  const main = new URL('./doctor-cli-main.ts', import.meta.url).pathname;
  const r = spawnSync(process.execPath, ['--import', 'tsx', main, 'doctor', '--no-cluster', '--env', 'stage', '-o', 'json'], {
    encoding: 'utf8', timeout: 20_000,
    env: {
      PATH: process.env.PATH ?? '', HOME: '/nonexistent',
      UPSTREAM_URL: 'https://observatorium-mst.api.stage.openshift.com/api/metrics/v1/managedkafka',
      OBSERVATORIUM_URL: 'https://observatorium-mst.api.openshift.com/api/metrics/v1/managedkafka',
      CLIENT_ID: 'kas-fleet-manager', CLIENT_SECRET: 'env-secret-value-123', ISSUER_URL: 'https://sso.redhat.com/auth/realms/redhat-external', OIDC_AUDIENCE: 'observatorium-telemeter',
    },
  });
  assert.equal(r.status, 0, r.stderr + r.stdout);
  const report = JSON.parse(r.stdout) as { checks: { id: string; status: string }[] };
  assert.equal(report.checks.find((c) => c.id === 'observatorium-url')?.status, 'ok');
});
