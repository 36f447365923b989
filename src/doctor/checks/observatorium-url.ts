// Runbook step 2: is the Observatorium URL the right one? Pure comparison against the environment's URL that
// names the exact difference (scheme, host, the ".stage" label, port, path, tenant, stray whitespace), so the
// fix is one edit. Reachability of the URL is a live check and lives elsewhere.

import { EXPECTED_OBSERVATORIUM_URL, type Environment } from '../targets.js';

export type UrlPart = 'invalid' | 'whitespace' | 'scheme' | 'environment' | 'stage' | 'host' | 'port' | 'path' | 'tenant' | 'query' | 'trailing-slash';

export interface UrlDifference {
  part: UrlPart;
  expected?: string;
  actual?: string;
  /** One sentence naming the difference. */
  text: string;
  /** Trailing slash: harmless for the refresher (it joins paths), reported as a note, not a fault. */
  harmless?: boolean;
}

const TENANT_PATH = /^\/api\/metrics\/v1\/([^/]+)\/?$/;

/** Well-formedness alone: an absolute http(s) URL ending in /api/metrics/v1/<tenant>. */
export function urlShapeProblems(raw: string): UrlDifference[] {
  const out: UrlDifference[] = [];
  if (raw !== raw.trim()) out.push({ part: 'whitespace', actual: JSON.stringify(raw), text: 'the URL has leading or trailing whitespace (a copy-paste or a newline in the secret/env value)' });
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    return [...out, { part: 'invalid', actual: raw, text: `"${raw.trim()}" is not an absolute URL` }];
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') out.push({ part: 'scheme', actual: u.protocol.slice(0, -1), expected: 'https', text: `scheme is ${u.protocol.slice(0, -1)}, not https` });
  if (u.search || u.hash) out.push({ part: 'query', actual: `${u.search}${u.hash}`, text: `the URL carries a query or fragment (${u.search}${u.hash}); the refresher appends /api/v1/query itself` });
  if (!TENANT_PATH.test(u.pathname)) {
    out.push({ part: 'path', actual: u.pathname, expected: '/api/metrics/v1/<tenant>', text: `path is "${u.pathname}", expected /api/metrics/v1/<tenant> (the refresher appends /api/v1/query)` });
  } else if (u.pathname.endsWith('/')) {
    out.push({ part: 'trailing-slash', actual: u.pathname, text: 'trailing slash after the tenant (harmless: the refresher joins paths with one slash)', harmless: true });
  }
  return out;
}

/** Which environment's URL this is, if exactly one. */
export function environmentOfUrl(raw: string): Environment | undefined {
  for (const env of ['stage', 'production'] as const) {
    if (compareObservatoriumUrl(raw, env).every((d) => d.harmless)) return env;
  }
  return undefined;
}

/** Every difference between `raw` and the environment's expected URL; empty (or only harmless notes) when right. */
export function compareObservatoriumUrl(raw: string, env: Environment): UrlDifference[] {
  const expected = new URL(EXPECTED_OBSERVATORIUM_URL[env]);
  const other = new URL(EXPECTED_OBSERVATORIUM_URL[env === 'stage' ? 'production' : 'stage']);
  const shape = urlShapeProblems(raw);
  if (shape.some((d) => d.part === 'invalid')) return shape;
  const u = new URL(raw.trim());
  const out = shape.filter((d) => d.part !== 'path');
  if (u.protocol !== expected.protocol && !out.some((d) => d.part === 'scheme')) {
    out.push({ part: 'scheme', actual: u.protocol.slice(0, -1), expected: 'https', text: `scheme is ${u.protocol.slice(0, -1)}, not https` });
  }
  const host = u.hostname.toLowerCase();
  if (host !== expected.hostname) {
    if (host === other.hostname) {
      out.push({
        part: env === 'stage' ? 'environment' : 'stage', actual: host, expected: expected.hostname,
        text: env === 'stage'
          ? `host is the production Observatorium (${host}) but this is stage: add ".stage" (${expected.hostname})`
          : `host is the stage Observatorium (${host}) but this is production: remove ".stage" (${expected.hostname})`,
      });
    } else if (host.replace('.stage.', '.') === expected.hostname.replace('.stage.', '.')) {
      out.push({ part: 'stage', actual: host, expected: expected.hostname, text: `host differs in the ".stage" label: ${host} vs ${expected.hostname}` });
    } else {
      out.push({ part: 'host', actual: host, expected: expected.hostname, text: `host is ${host}, expected ${expected.hostname}${closeTo(host, expected.hostname) ? ' (a typo?)' : ''}` });
    }
  }
  if (u.port && u.port !== '443') out.push({ part: 'port', actual: u.port, expected: '443', text: `port ${u.port} is given; Observatorium listens on 443` });
  const m = TENANT_PATH.exec(u.pathname);
  const expectedTenant = TENANT_PATH.exec(expected.pathname)![1]!;
  if (!m) {
    out.push({ part: 'path', actual: u.pathname, expected: expected.pathname, text: `path is "${u.pathname}", expected ${expected.pathname}` });
  } else if (m[1] !== expectedTenant) {
    out.push({ part: 'tenant', actual: m[1], expected: expectedTenant, text: `tenant is "${m[1]}", expected "${expectedTenant}" (the API answers 401 tenant not found)` });
  }
  return out;
}

/** Levenshtein distance <= 2: worth saying "a typo?". */
function closeTo(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 2) return false;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]! <= 2;
}
