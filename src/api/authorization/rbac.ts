import type { Permission, RbacFile } from '../config/rbac.js';

export interface Subject {
  name: string;
  groups: readonly string[];
}

/**
 * Precomputed grants: (kind, subject) -> "resource/tenant/permission". Lookups on the request path are
 * a few Set probes.
 */
export class RbacAuthorizer {
  private readonly users = new Map<string, Set<string>>();
  private readonly groups = new Map<string, Set<string>>();

  constructor(file: RbacFile) {
    const roles = new Map(file.roles.map((r) => [r.name, r]));
    for (const b of file.roleBindings) {
      const grants = new Set<string>();
      for (const rn of b.roles) {
        const role = roles.get(rn);
        if (!role) continue;
        for (const res of role.resources) for (const t of role.tenants) for (const p of role.permissions) grants.add(`${res}/${t}/${p}`);
      }
      for (const s of b.subjects) {
        const m = s.kind === 'user' ? this.users : this.groups;
        let set = m.get(s.name);
        if (!set) m.set(s.name, (set = new Set()));
        for (const g of grants) set.add(g);
      }
    }
  }

  allowed(subject: Subject, tenantName: string, resource: string, permission: Permission): boolean {
    const key = `${resource}/${tenantName}/${permission}`;
    if (this.users.get(subject.name)?.has(key)) return true;
    for (const g of subject.groups) if (this.groups.get(g)?.has(key)) return true;
    return false;
  }
}
