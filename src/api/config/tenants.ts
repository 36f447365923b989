// The tenants file (--tenants.config), compatible with observatorium/api's format. OIDC and mTLS tenants
// are supported; OpenShift and OPA blocks are refused with a clear message instead of ignored.
import { readFileSync } from 'node:fs';
import type { X509Certificate } from 'node:crypto';
import { parsePemCertificates } from '../../http/tls.js';
import { z } from 'zod';
import { httpUrl } from '../../config/validators.js';
import { parseDuration } from '../../config/duration.js';
import { ConfigFileError, loadYamlFile } from './files.js';

/** Go duration string ("1s", "1m30s") or an integer number of nanoseconds (Go's JSON encoding). */
const goDuration = z.union([z.number().int().positive(), z.string()]).transform((v, ctx) => {
  if (typeof v === 'number') return v / 1e6;
  try {
    const ms = parseDuration(v);
    if (ms <= 0) throw new Error(`duration "${v}" must be positive`);
    return ms;
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

const regex = z.string().min(1).transform((v, ctx) => {
  try {
    return new RegExp(v);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `invalid regular expression: ${(err as Error).message}` });
    return z.NEVER;
  }
});

const oidcSchema = z.strictObject({
  issuerURL: httpUrl,
  clientID: z.string().min(1, 'is required: tokens must carry it in "aud"'),
  /** Accepted for compatibility (browser login flow); not used. */
  clientSecret: z.string().optional(),
  /** obspath extension: the audience tokens must carry (default: clientID). */
  audience: z.string().min(1).optional(),
  redirectURL: z.string().optional(),
  usernameClaim: z.string().min(1).optional(),
  groupClaim: z.string().min(1).optional(),
  issuerCA: z.string().optional(),
  issuerCAPath: z.string().optional(),
});

const unsupported = (what: string) => z.unknown().optional().refine((v) => v === undefined, `${what} is not supported by obspath api; use an oidc block`);

const rateLimitSchema = z.strictObject({
  endpoint: regex,
  limit: z.number().int().positive(),
  window: goDuration,
  failOpen: z.boolean().optional(),
  retryAfterMin: goDuration.optional(),
  retryAfterMax: goDuration.optional(),
});

const tenantSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9._~-]+$/, 'must be a non-empty URL path segment (letters, digits, . _ ~ -)'),
  id: z.string().min(1, 'is required (the tenant ID sent upstream and enforced as the tenant label)'),
  oidc: oidcSchema.optional(),
  authenticator: z.strictObject({ type: z.literal('oidc', 'only type "oidc" is supported by obspath api'), config: oidcSchema }).optional(),
  rateLimits: z.array(rateLimitSchema).optional(),
  mTLS: z.strictObject({ ca: z.string().min(1).optional(), caPath: z.string().min(1).optional() }).optional(),
  openshift: unsupported('OpenShift authentication'),
  opa: unsupported('OPA authorization'),
});

export const tenantsFileSchema = z.strictObject({ tenants: z.array(tenantSchema) });

export interface TenantOidc {
  issuerURL: string;
  clientID: string;
  audience: string;
  usernameClaim: string;
  groupClaim?: string;
  /** PEM bundle to trust for the issuer (issuerCA, or the content of issuerCAPath). */
  issuerCA?: string;
}

export interface RateLimit {
  endpoint: RegExp;
  limit: number;
  windowMs: number;
  /** Shared limiter only: forward the request when the limiter cannot decide (observatorium's failOpen). */
  failOpen?: boolean;
}

/** An mTLS tenant: client certificates signed by one of these CAs (observatorium's mTLS ca / caPath). */
export interface TenantMtls {
  cas: X509Certificate[];
}

export interface Tenant {
  name: string;
  id: string;
  /** Exactly one of oidc and mtls. */
  oidc?: TenantOidc;
  mtls?: TenantMtls;
  rateLimits: RateLimit[];
}

/** The CAs of an mTLS block: caPath (a PEM file) or ca (PEM text); observatorium reads caPath. */
function mtlsOf(block: { ca?: string; caPath?: string }, at: string, issues: Array<{ path: string; message: string }>): TenantMtls | undefined {
  if (Boolean(block.ca) === Boolean(block.caPath)) {
    issues.push({ path: at, message: 'give exactly one of "caPath" (a PEM file) and "ca" (PEM text)' });
    return undefined;
  }
  const where = block.caPath ? `${at}.caPath` : `${at}.ca`;
  try {
    const pem = block.caPath ? readFileSync(block.caPath, 'utf8') : block.ca!;
    return { cas: parsePemCertificates(pem, block.caPath ?? 'ca') };
  } catch (err) {
    issues.push({ path: where, message: (err as Error).message });
    return undefined;
  }
}

/** Reads and validates a tenants file; throws ConfigFileError naming the file, path and reason. */
export function loadTenantsFile(file: string): Tenant[] {
  const data = loadYamlFile(file, tenantsFileSchema, 'tenants configuration');
  const issues: Array<{ path: string; message: string }> = [];
  const names = new Map<string, number>();
  const tenants: Tenant[] = [];
  data.tenants.forEach((t, i) => {
    const at = `tenants[${i}]`;
    if (names.has(t.name)) issues.push({ path: `${at}.name`, message: `duplicate tenant name "${t.name}" (also tenants[${names.get(t.name)}])` });
    names.set(t.name, i);
    if ([t.oidc, t.authenticator, t.mTLS].filter(Boolean).length > 1) issues.push({ path: at, message: 'has more than one of "oidc", "authenticator" and "mTLS": give exactly one' });
    const rateLimits = (t.rateLimits ?? []).map((r) => ({ endpoint: r.endpoint, limit: r.limit, windowMs: r.window, ...(r.failOpen !== undefined ? { failOpen: r.failOpen } : {}) }));
    if (t.mTLS) {
      const mtls = mtlsOf(t.mTLS, `${at}.mTLS`, issues);
      if (mtls) tenants.push({ name: t.name, id: t.id, mtls, rateLimits });
      return;
    }
    const o = t.oidc ?? t.authenticator?.config;
    if (!o) {
      issues.push({ path: at, message: `tenant "${t.name}" has no authenticator: add an "oidc" or "mTLS" block` });
      return;
    }
    let ca = o.issuerCA;
    if (o.issuerCAPath) {
      try {
        ca = readFileSync(o.issuerCAPath, 'utf8');
      } catch (err) {
        issues.push({ path: `${at}.oidc.issuerCAPath`, message: `cannot read ${o.issuerCAPath}: ${(err as Error).message}` });
      }
    }
    tenants.push({
      name: t.name,
      id: t.id,
      oidc: { issuerURL: o.issuerURL, clientID: o.clientID, audience: o.audience ?? o.clientID, usernameClaim: o.usernameClaim ?? 'sub', groupClaim: o.groupClaim, issuerCA: ca },
      rateLimits,
    });
  });
  if (issues.length > 0) throw new ConfigFileError(file, issues, 'tenants configuration');
  return tenants;
}
