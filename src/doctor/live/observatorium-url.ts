// Runbook step 2, live: does the Observatorium URL the refresher is given answer as the Observatorium API?
// DNS, then one query (`vector(1)`, with the token of step 3 when there is one). An unknown tenant is a 404
// naming it; a path the API does not serve is a 404 too. When nothing answers at the URL, the API's own
// address (the environment's URL, or the API `obspath up` started) is tried: if the API answers there, the
// URL is wrong; if not, the API is down.

import type { RootCauseId } from '../causes.js';
import { checkResult, skipped, type CheckResult, type Confidence, type Evidence, type Suspect } from '../report.js';
import { describeProbe, errorBody, probeHttp, resolveHost, type HttpProbe } from './http-probe.js';
import { urlNamesExpectedTenant } from './observatorium-health.js';
import type { LiveTargets } from './targets.js';

const TITLE = 'Observatorium URL is correct';

const origin = (u: string) => { try { return new URL(u.trim()).origin; } catch { return u; } };

export function queryUrl(base: string): string {
  return `${base.trim().replace(/\/+$/, '')}/api/v1/query?query=${encodeURIComponent('vector(1)')}`;
}

/** An answer that only an Observatorium API (or a Prometheus behind it) gives: a Prometheus-shaped JSON body. */
function isPrometheusAnswer(p: HttpProbe): boolean {
  const b = p.body as { status?: unknown } | undefined;
  return p.outcome === 'answered' && typeof b === 'object' && b !== null && (b.status === 'success' || b.status === 'error');
}

/** The URL is the API's own and names the expected tenant, yet the API does not know the tenant: its configuration lacks it. */
function tenantNotRegistered(t: LiveTargets, tenant: string, evidence: Evidence[]): CheckResult {
  if (t.tenantsFile) evidence.push({ text: `the API's tenants file ${t.tenantsFile} ${t.tenantInTenantsFile === false ? `has no tenant "${tenant}"` : t.tenantInTenantsFile ? `lists tenant "${tenant}" (a reload not done yet, or a configuration it refused?)` : 'could not be read'}`, data: { tenantsFile: t.tenantsFile, listed: t.tenantInTenantsFile } });
  const because = `the URL is the API's own and names the expected tenant "${tenant}", but the API answers 404 unknown tenant: the tenant is not registered in the API's tenants configuration`;
  return checkResult('observatorium-url', TITLE, {
    status: 'fail', summary: because, evidence,
    suspects: [{ cause: 'tenant-not-registered', confidence: t.tenantInTenantsFile === true ? 'likely' : 'confirmed', because }],
    fix: `add tenant "${tenant}" (its id, OIDC issuer and clientID) to the API's tenants configuration and reload the API (SIGHUP) or restart it; the refresher's URL is right`,
  });
}

export async function runLiveObservatoriumUrlCheck(t: LiveTargets): Promise<CheckResult> {
  const url = t.observatoriumUrl?.trim();
  if (!url) return skipped('observatorium-url', TITLE, 'no Observatorium URL to probe');
  let parsed: URL;
  try { parsed = new URL(url); } catch { return skipped('observatorium-url', TITLE, `"${url}" is not a URL (see the configuration check)`); }
  const evidence: Evidence[] = [];
  const suspects: Suspect[] = [];
  const suspect = (cause: RootCauseId, confidence: Confidence, because: string) => suspects.push({ cause, confidence, because });

  const dns = await resolveHost(url, t.timeouts.httpMs);
  evidence.push({ text: dns.ok ? `DNS: ${dns.host} resolves to ${dns.addresses.join(', ')}` : `DNS: ${dns.host} does not resolve: ${dns.detail}`, data: { host: dns.host, addresses: dns.addresses } });
  // Without a token on purpose: the API answers 404 (unknown tenant or path) or 401 (known tenant) itself,
  // before any backend, rate limit or RBAC; whether a token gets data is step 5's question.
  const headers: Record<string, string> = {};
  const p = dns.ok ? await probeHttp(queryUrl(url), { timeoutMs: t.timeouts.httpMs, headers }) : undefined;
  if (p) evidence.push({ text: `GET ${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}/api/v1/query?query=vector(1) without a token: ${describeProbe(p)}${p.status === 401 ? ' (the API knows the tenant and asks for a token)' : ''}`, data: { status: p.status, outcome: p.outcome, ms: p.ms, ...errorBody(p) } });
  if (parsed.protocol === 'https:' && p && p.outcome !== 'tls' && p.outcome !== 'dns') evidence.push({ text: `TLS: the certificate of ${parsed.host} verifies` });

  const expected = t.expectedObservatoriumUrl;
  const elsewhere = expected && origin(expected) !== parsed.origin;
  // Nothing (or something that is no Observatorium) answered at the URL: does the API answer where it should?
  if (!p || p.outcome !== 'answered' || !isPrometheusAnswer(p)) {
    let apiAnswers: boolean | undefined;
    if (elsewhere) {
      const q = await probeHttp(queryUrl(expected), { timeoutMs: t.timeouts.httpMs, headers });
      apiAnswers = isPrometheusAnswer(q);
      evidence.push({ text: `the Observatorium API's own address ${origin(expected)}: ${describeProbe(q)}`, data: { status: q.status, outcome: q.outcome } });
    }
    const api = t.components?.find((c) => c.name === 'api');
    if (t.components) evidence.push({ text: api ? `process api: ${api.running ? 'running' : 'NOT running'}, ${api.restarts} restart(s)` : 'process api: not started by obspath up' });
    const what = !p ? `the host ${dns.host} does not resolve` : p.outcome === 'answered' ? `${parsed.origin} answers ${p.status} without a Prometheus API body: not an Observatorium API` : `${parsed.origin}: ${describeProbe(p)}`;
    if (apiAnswers) suspect('wrong-observatorium-url', 'confirmed', `${what}, while the Observatorium API answers at ${origin(expected!)}`);
    else if (!p || p.outcome === 'dns') suspect('wrong-observatorium-url', elsewhere ? 'confirmed' : 'likely', `${what}${elsewhere ? ` and it is not the API's host (${new URL(expected!).host})` : ''}`);
    else if (p.outcome === 'refused') suspect(elsewhere ? 'wrong-observatorium-url' : 'observatorium-down', elsewhere ? 'likely' : 'confirmed', elsewhere ? `${what}, and the API's own address does not answer either` : `${what}: the Observatorium API does not accept connections at its address`);
    else if (p.outcome === 'answered') suspect('wrong-observatorium-url', 'likely', what);
    else if (p.outcome === 'tls') suspect('tls-untrusted', 'confirmed', what);
    else suspect('observatorium-unreachable', 'likely', what);
    return checkResult('observatorium-url', TITLE, { status: 'fail', summary: suspects[0]!.because, evidence, suspects, fix: apiAnswers || elsewhere ? `set OBSERVATORIUM_URL to ${expected} and restart the refresher` : 'check the Observatorium API (its process or pods, its listen address) and the network path to it' });
  }
  const e = errorBody(p);
  if (p.status === 404) {
    const tenant = e?.reason === 'unknown_tenant' ? (/tenant "([^"]+)"/.exec(e.error ?? '')?.[1] ?? parsed.pathname.split('/').pop()) : undefined;
    if (tenant && tenant === t.tenant && urlNamesExpectedTenant(t)) return tenantNotRegistered(t, tenant, evidence);
    const because = tenant
      ? `the API answers 404: unknown tenant "${tenant}"${t.tenant && t.tenant !== tenant ? ` (the tenant is "${t.tenant}")` : ''}`
      : `the API answers 404 for ${parsed.pathname}/api/v1/query: no such route (${e?.error ?? 'not found'})`;
    suspect('wrong-observatorium-url', 'confirmed', because);
    return checkResult('observatorium-url', TITLE, { status: 'fail', summary: because, evidence, suspects, fix: `set OBSERVATORIUM_URL to ${expected ?? '<api>/api/metrics/v1/<tenant>'} and restart the refresher` });
  }
  // Any other Prometheus-shaped answer (200, 401, 429, 5xx) comes from the API at this URL: the URL is right;
  // what the answer means is step 3's and step 5's business.
  return checkResult('observatorium-url', TITLE, {
    status: 'ok', evidence, suspects,
    summary: `the Observatorium API answers on the URL (${p.status}${e?.errorType ? ` ${e.errorType}` : ''})`,
  });
}
