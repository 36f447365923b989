// Tenants, their authenticators and the RBAC rules, swapped as a whole on reload (SIGHUP): requests in
// flight keep the snapshot they started with; an invalid file keeps the previous configuration.
import type { Logger } from '../telemetry/logger.js';
import { OidcAuthenticator, type OidcOptions } from './authentication/oidc.js';
import { MtlsAuthenticator } from './authentication/mtls.js';
import { RbacAuthorizer } from './authorization/rbac.js';
import { loadRbacFile } from './config/rbac.js';
import { loadTenantsFile, type Tenant } from './config/tenants.js';
import type { ApiMetrics } from './metrics.js';

export interface TenantRuntime {
  tenant: Tenant;
  auth: OidcAuthenticator | MtlsAuthenticator;
}

export interface Snapshot {
  tenants: ReadonlyMap<string, TenantRuntime>;
  rbac: RbacAuthorizer;
  loadedAt: number;
}

export interface StateOptions {
  tenantsFile: string;
  rbacFile: string;
  logger: Logger;
  metrics: ApiMetrics;
  oidc: Omit<OidcOptions, 'logger' | 'onRegistrationFailure'>;
}

const sameOidc = (a: Tenant, b: Tenant) => a.oidc !== undefined && JSON.stringify(a.oidc) === JSON.stringify(b.oidc);

export class ApiState {
  private snap: Snapshot;

  private constructor(private readonly opts: StateOptions, snap: Snapshot) {
    this.snap = snap;
  }

  /** Loads both files (throws ConfigFileError naming file, path and reason) and starts discovery for every tenant. */
  static load(opts: StateOptions): ApiState {
    const state = new ApiState(opts, { tenants: new Map(), rbac: new RbacAuthorizer({ roles: [], roleBindings: [] }), loadedAt: 0 });
    state.snap = state.build(loadTenantsFile(opts.tenantsFile), loadRbacFile(opts.rbacFile), new Map());
    opts.metrics.configReloads.inc({ result: 'success' }, 0);
    opts.metrics.configReloads.inc({ result: 'failure' }, 0);
    opts.metrics.configLastReload.set(Date.now() / 1000);
    return state;
  }

  get snapshot(): Snapshot {
    return this.snap;
  }

  private build(tenants: Tenant[], rbac: ReturnType<typeof loadRbacFile>, previous: ReadonlyMap<string, TenantRuntime>): Snapshot {
    const map = new Map<string, TenantRuntime>();
    for (const t of tenants) {
      const prev = previous.get(t.name);
      if (prev && sameOidc(prev.tenant, t)) {
        map.set(t.name, { tenant: t, auth: prev.auth });
        continue;
      }
      if (t.mtls) {
        map.set(t.name, { tenant: t, auth: new MtlsAuthenticator(t.name, t.mtls.cas) });
        continue;
      }
      const auth = new OidcAuthenticator(t.name, t.oidc!, {
        ...this.opts.oidc,
        logger: this.opts.logger,
        onRegistrationFailure: () => this.opts.metrics.failedRegistrations.inc({ tenant: t.id, provider: 'oidc' }),
      });
      this.opts.metrics.failedRegistrations.inc({ tenant: t.id, provider: 'oidc' }, 0);
      auth.start();
      map.set(t.name, { tenant: t, auth });
    }
    return { tenants: map, rbac: new RbacAuthorizer(rbac), loadedAt: Date.now() };
  }

  /** Re-reads both files. On error the current configuration stays and the error is returned. */
  reload(): Error | null {
    const old = this.snap;
    try {
      const next = this.build(loadTenantsFile(this.opts.tenantsFile), loadRbacFile(this.opts.rbacFile), old.tenants);
      this.snap = next;
      const kept = new Set([...next.tenants.values()].map((r) => r.auth));
      for (const r of old.tenants.values()) if (!kept.has(r.auth)) void r.auth.close();
      for (const r of old.tenants.values()) if (!next.tenants.has(r.tenant.name)) this.opts.metrics.tenantReady.remove({ tenant: r.tenant.id });
      this.opts.metrics.configReloads.inc({ result: 'success' });
      this.opts.metrics.configLastReload.set(Date.now() / 1000);
      this.opts.logger.info({ tenants: [...next.tenants.keys()] }, 'configuration reloaded');
      return null;
    } catch (err) {
      this.opts.metrics.configReloads.inc({ result: 'failure' });
      this.opts.logger.error({ err: (err as Error).message }, 'configuration reload failed: keeping the previous configuration');
      return err as Error;
    }
  }

  /** Per-tenant readiness (keys held). */
  tenantStatus(): Array<{ tenant: string; id: string; ready: boolean; reason?: string; error?: string }> {
    return [...this.snap.tenants.values()].map((r) => {
      const s = r.auth.status();
      this.opts.metrics.tenantReady.set({ tenant: r.tenant.id }, s.ready ? 1 : 0);
      return { tenant: r.tenant.name, id: r.tenant.id, ready: s.ready, ...(s.reason ? { reason: s.reason } : {}), ...(s.lastError && !s.ready ? { error: s.lastError } : {}) };
    });
  }

  async close(): Promise<void> {
    await Promise.all([...this.snap.tenants.values()].map((r) => r.auth.close()));
  }
}
