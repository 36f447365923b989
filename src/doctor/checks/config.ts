// Runbook steps 2 and 3 from configuration alone (no HTTP): the Observatorium URL the refresher is given,
// and whether the client id, client secret and issuer URL are populated — from the refresher Deployment and
// its Secret's key names in the cluster, or from the doctor's own flags/env. A token, when given, is compared
// with what the tenant verifies (aud, iss, exp). Secret values are never read from the cluster; a secret the
// user passes in is added to the redaction list before anything is rendered.

import type { Container } from '../k8s/types.js';
import { describeSource, readRefresherConfig, refresherContainer, type ConfigSource, type RefresherConfig, type RefresherSetting } from '../refresher-config.js';
import { checkResult, skipped, type CheckResult, type Evidence, type Suspect } from '../report.js';
import { EXPECTED_AUDIENCE, EXPECTED_ISSUER_URL, EXPECTED_OBSERVATORIUM_URL, environmentFromNamespace, type Environment } from '../targets.js';
import { refresherDeployment, tryFacts, type CheckContext } from './context.js';
import { compareObservatoriumUrl, environmentOfUrl, urlShapeProblems } from './observatorium-url.js';
import { compareTokenClaims } from './token-claims.js';

/** Values given to the doctor directly (flags or env), for when there is no cluster or to override it. */
export interface LocalConfig {
  observatoriumUrl?: string;
  clientId?: string;
  clientSecret?: string;
  issuerUrl?: string;
  audience?: string;
  /** An access token to compare with the tenant's expectations (never printed). */
  token?: string;
  /** Where these values come from, for evidence (default "doctor option"). */
  from?: string;
  /** What the values should be when no stage/production preset applies (the local stack's tenant). */
  expected?: { tenant?: string; issuerUrl?: string; audience?: string };
}

const URL_TITLE = 'Observatorium URL is correct';
const CRED_TITLE = 'Client ID, client secret and issuer URL are populated';

/** The refresher's configuration from the cluster, or why it is not available. */
async function clusterConfig(ctx: CheckContext | undefined): Promise<{ config?: RefresherConfig; container?: Container; why?: string }> {
  if (!ctx) return { why: 'no cluster or snapshot given' };
  const dep = await tryFacts(() => refresherDeployment(ctx));
  if (dep.error !== undefined) return { why: dep.error };
  if (!dep.value) return { why: `no ${ctx.targets.refresherDeployment} deployment in ${ctx.targets.namespace}` };
  const container = refresherContainer(dep.value);
  if (!container) return { why: `deployment ${dep.value.metadata.name} has no containers` };
  return { config: readRefresherConfig(container), container };
}

function safePath(url: string): string {
  try { return new URL(url.trim()).pathname; } catch { return ''; }
}

function literal(s: ConfigSource | undefined): string | undefined {
  return s?.kind === 'literal' ? s.value : undefined;
}

export async function runObservatoriumUrlCheck(ctx: CheckContext | undefined, local: LocalConfig = {}, environment?: Environment): Promise<CheckResult> {
  const { config, why } = local.observatoriumUrl ? { config: undefined, why: undefined } : await clusterConfig(ctx);
  const source = local.observatoriumUrl !== undefined ? { kind: 'literal', value: local.observatoriumUrl, from: local.from ?? 'doctor option' } as ConfigSource : config?.observatoriumUrl;
  if (!source) return skipped('observatorium-url', URL_TITLE, `no Observatorium URL to check: ${why}; pass --observatorium-url`);
  const evidence: Evidence[] = [{ text: `OBSERVATORIUM_URL: ${describeSource('observatoriumUrl', source)}` }];
  if (source.kind === 'missing') {
    return checkResult('observatorium-url', URL_TITLE, {
      status: 'fail', summary: 'the refresher has no upstream URL (--url / OBSERVATORIUM_URL)', evidence,
      suspects: [{ cause: 'wrong-observatorium-url', confidence: 'confirmed', because: 'OBSERVATORIUM_URL is not set on the refresher' }],
      fix: `set OBSERVATORIUM_URL=${EXPECTED_OBSERVATORIUM_URL[environment ?? 'stage']}`,
    });
  }
  const url = literal(source);
  if (url === undefined) return skipped('observatorium-url', URL_TITLE, `the URL comes ${describeSource('observatoriumUrl', source)}, which the doctor does not read`);
  const env = environment ?? (ctx ? environmentFromNamespace(ctx.targets.namespace) : undefined);
  const diffs = env ? compareObservatoriumUrl(url, env) : urlShapeProblems(url);
  const tenant = local.expected?.tenant;
  const actualTenant = /\/api\/metrics\/v1\/([^/]+)\/?$/.exec(safePath(url))?.[1];
  if (!env && tenant && actualTenant && actualTenant !== tenant) {
    diffs.push({ part: 'tenant', actual: actualTenant, expected: tenant, text: `tenant is "${actualTenant}", expected "${tenant}" (the API answers 404 unknown tenant)` });
  }
  const faults = diffs.filter((d) => !d.harmless);
  for (const d of diffs) evidence.push({ text: d.text, data: { part: d.part, expected: d.expected, actual: d.actual } });
  if (!env && local.expected) {
    evidence.push({ text: `host and port are checked live (step 2, live part); tenant expected: ${tenant ?? 'unknown'}` });
  } else if (!env) {
    const looks = environmentOfUrl(url);
    evidence.push({ text: `environment unknown (pass --env stage|production)${looks ? `; the URL is the ${looks} one` : ''}` });
  }
  if (faults.length === 0) {
    return checkResult('observatorium-url', URL_TITLE, {
      status: env || local.expected ? 'ok' : 'warn', evidence,
      summary: env ? `the URL is the ${env} Observatorium URL` : local.expected ? `the URL is well-formed${tenant ? ` and names tenant ${tenant}` : ''}` : 'the URL is well-formed; no environment to compare it with',
    });
  }
  const expected = env ? EXPECTED_OBSERVATORIUM_URL[env] : undefined;
  return checkResult('observatorium-url', URL_TITLE, {
    status: 'fail', evidence,
    summary: faults.map((d) => d.text).join('; '),
    suspects: [{ cause: 'wrong-observatorium-url', confidence: env && ctx && !environment ? 'likely' : 'confirmed', because: faults[0]!.text }],
    fix: expected ? `set OBSERVATORIUM_URL=${expected} on the refresher and restart it` : 'give the refresher an https URL ending in /api/metrics/v1/<tenant>',
  });
}

interface Presence { setting: RefresherSetting; label: string; state: 'ok' | 'missing' | 'unknown' | 'inline'; text: string }

async function presenceOf(ctx: CheckContext | undefined, setting: RefresherSetting, label: string, s: ConfigSource): Promise<Presence> {
  const desc = describeSource(setting, s);
  switch (s.kind) {
    case 'missing': return { setting, label, state: 'missing', text: `${label}: not set` };
    case 'literal':
      if (s.value.trim() === '') return { setting, label, state: 'missing', text: `${label}: empty (${s.from})` };
      if (/\$\([A-Za-z_]/.test(s.value)) return { setting, label, state: 'missing', text: `${label}: "${setting === 'clientSecret' ? '$(...)' : s.value}" refers to an env variable the container does not define` };
      // Inline in a Deployment spec is worth a warning; given to the doctor directly it is just the value under test.
      return { setting, label, state: setting === 'clientSecret' && (s.from.startsWith('env ') || s.from.startsWith('--')) ? 'inline' : 'ok', text: `${label}: ${desc}` };
    case 'secret': {
      if (!ctx) return { setting, label, state: 'unknown', text: `${label}: ${desc}; not checked` };
      const r = await tryFacts(() => ctx.facts.getSecret(ctx.targets.namespace, s.secret));
      if (r.error !== undefined) return { setting, label, state: 'unknown', text: `${label}: ${desc}; cannot check the secret: ${r.error}` };
      if (!r.value) return { setting, label, state: s.optional ? 'missing' : 'missing', text: `${label}: ${desc}; secret ${s.secret} does not exist` };
      if (!r.value.keys.includes(s.key)) return { setting, label, state: 'missing', text: `${label}: ${desc}; secret ${s.secret} has no key ${s.key} (keys: ${r.value.keys.join(', ') || 'none'})` };
      return { setting, label, state: 'ok', text: `${label}: ${desc}; key present (value not read)` };
    }
    default: return { setting, label, state: 'unknown', text: `${label}: ${desc}; not checked` };
  }
}

export async function runCredentialsCheck(ctx: CheckContext | undefined, local: LocalConfig = {}): Promise<CheckResult> {
  const fromLocal = local.clientId !== undefined || local.clientSecret !== undefined || local.issuerUrl !== undefined;
  const cluster = fromLocal ? {} : await clusterConfig(ctx);
  const lit = (v: string | undefined, from: string): ConfigSource => (v === undefined ? { kind: 'missing' } : { kind: 'literal', value: v, from });
  const from = local.from ?? 'doctor option';
  // With a local stack's expectations, an unknown one (the tenant is not in the API's tenants file) is not
  // compared with the runbook's defaults: that would name a mismatch with a value nobody configured.
  const expectedIssuer = local.expected ? local.expected.issuerUrl : EXPECTED_ISSUER_URL;
  const expectedAudience = local.expected ? local.expected.audience : EXPECTED_AUDIENCE;
  const config: Partial<RefresherConfig> | undefined = fromLocal
    ? { clientId: lit(local.clientId, from), clientSecret: lit(local.clientSecret, from), issuerUrl: lit(local.issuerUrl, from), audience: lit(local.audience, from) }
    : cluster.config;
  if (!config && !local.token) return skipped('credentials', CRED_TITLE, `no refresher configuration to check: ${cluster.why}`);
  // An inline secret in the spec (or one passed in) is known now: make sure no renderer can print it.
  for (const v of [literal(config?.clientSecret), local.clientSecret, local.token]) if (v && ctx) ctx.secrets.push(v);

  const evidence: Evidence[] = [];
  const suspects: Suspect[] = [];
  let status: CheckResult['status'] = 'ok';
  if (config) {
    const items = await Promise.all([
      presenceOf(ctx, 'clientId', 'client ID', config.clientId ?? { kind: 'missing' }),
      presenceOf(ctx, 'clientSecret', 'client secret', config.clientSecret ?? { kind: 'missing' }),
      presenceOf(ctx, 'issuerUrl', 'issuer URL', config.issuerUrl ?? { kind: 'missing' }),
    ]);
    for (const i of items) evidence.push({ text: i.text, data: { setting: i.setting, state: i.state } });
    const missing = items.filter((i) => i.state === 'missing');
    if (missing.length > 0) {
      status = 'fail';
      suspects.push({ cause: 'missing-client-credentials', confidence: 'confirmed', because: missing.map((m) => m.text).join('; ') });
    } else if (items.some((i) => i.state === 'unknown' || i.state === 'inline')) {
      status = 'warn';
    }
    const issuer = literal(config.issuerUrl);
    if (expectedIssuer === undefined || expectedAudience === undefined) {
      evidence.push({ text: `the tenant's ${expectedIssuer === undefined ? 'issuer' : 'audience'} is not known (the tenant is not in the API's tenants file): ISSUER_URL and --oidc.audience not compared` });
    }
    if (issuer && expectedIssuer !== undefined && issuer.trim() !== expectedIssuer) {
      evidence.push({ text: `issuer URL is "${issuer}", the ${local.expected?.issuerUrl ? 'tenant\'s' : 'runbook\'s'} is ${expectedIssuer}` });
      suspects.push({ cause: 'issuer-mismatch', confidence: 'possible', because: `ISSUER_URL is ${issuer}, not ${expectedIssuer}` });
      if (status === 'ok') status = 'warn';
    }
    const audience = literal(config.audience);
    if (expectedAudience !== undefined && audience === undefined) {
      evidence.push({ text: `no --oidc.audience: the token's aud may not contain ${expectedAudience}` });
      if (status === 'ok') status = 'warn';
    } else if (expectedAudience !== undefined && audience !== expectedAudience) {
      evidence.push({ text: `--oidc.audience is "${audience}", the tenant expects ${expectedAudience}` });
      suspects.push({ cause: 'audience-mismatch', confidence: 'likely', because: `the refresher asks for audience "${audience}", not ${expectedAudience}` });
      status = 'fail';
    }
  }
  if (local.token) {
    const issuer = local.expected?.issuerUrl ?? literal(config?.issuerUrl)?.trim() ?? EXPECTED_ISSUER_URL;
    const cmp = compareTokenClaims(local.token, { audience: expectedAudience ?? EXPECTED_AUDIENCE, issuer });
    evidence.push({ text: `token claims: iss=${cmp.claims.iss ?? '-'} aud=[${(cmp.claims.aud ?? []).join(', ')}] exp=${cmp.claims.exp ?? '-'}`, data: { ...cmp.claims } });
    for (const f of cmp.findings) {
      evidence.push({ text: f.text });
      suspects.push({ cause: f.cause, confidence: 'confirmed', because: f.text });
      status = 'fail';
    }
  }
  const summary = status === 'ok' ? 'client ID, client secret and issuer URL are populated' : suspects[0]?.because ?? evidence.find((e) => /not checked|cannot check|inline|no --oidc/.test(e.text))?.text ?? 'see evidence';
  return checkResult('credentials', CRED_TITLE, {
    status, summary, evidence, suspects,
    ...(status !== 'ok' ? { fix: ctx ? `populate CLIENT_ID/CLIENT_SECRET from secret ${ctx.targets.credentialsSecret} (keys ${ctx.targets.clientIdKey}, ${ctx.targets.clientSecretKey}) and ISSUER_URL=${EXPECTED_ISSUER_URL}` : `set CLIENT_ID, CLIENT_SECRET and ISSUER_URL=${EXPECTED_ISSUER_URL}` } : {}),
  });
}
