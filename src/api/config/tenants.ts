// The tenants file (--tenants.config), compatible with observatorium/api's format. Only OIDC tenants
// are supported; mTLS, OpenShift and OPA blocks are refused with a clear message instead of ignored.
import { readFileSync } from 'node:fs';
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
  mTLS: unsupported('mTLS authentication'),
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
}

export interface Tenant {
  name: string;
  id: string;
  oidc: TenantOidc;
  rateLimits: RateLimit[];
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
    if (t.oidc && t.authenticator) issues.push({ path: at, message: 'has both "oidc" and "authenticator": give exactly one' });
    const o = t.oidc ?? t.authenticator?.config;
    if (!o) {
      issues.push({ path: at, message: `tenant "${t.name}" has no authenticator: add an "oidc" block` });
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
      rateLimits: (t.rateLimits ?? []).map((r) => ({ endpoint: r.endpoint, limit: r.limit, windowMs: r.window })),
    });
  });
  if (issues.length > 0) throw new ConfigFileError(file, issues, 'tenants configuration');
  return tenants;
}
