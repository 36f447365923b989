// The RBAC file (--rbac.config), compatible with observatorium/api: roles grant permissions on resources
// of tenants (by name); role bindings give roles to users and groups. No wildcards.
import { z } from 'zod';
import { ConfigFileError, loadYamlFile } from './files.js';

export type Permission = 'read' | 'write';

const roleSchema = z.strictObject({
  name: z.string().min(1),
  resources: z.array(z.string().min(1)),
  tenants: z.array(z.string().min(1)),
  permissions: z.array(z.enum(['read', 'write'], 'must be "read" or "write"')),
});

const bindingSchema = z.strictObject({
  name: z.string().min(1),
  roles: z.array(z.string().min(1)),
  subjects: z.array(z.strictObject({ name: z.string().min(1), kind: z.enum(['user', 'group'], 'must be "user" or "group"') })),
});

export const rbacFileSchema = z.strictObject({
  roles: z.array(roleSchema).default([]),
  roleBindings: z.array(bindingSchema).default([]),
});

export type RbacFile = z.output<typeof rbacFileSchema>;

/** Reads and validates an RBAC file. A binding naming an unknown role is an error (the Go API only warned). */
export function loadRbacFile(file: string): RbacFile {
  const data = loadYamlFile(file, rbacFileSchema, 'RBAC configuration');
  const issues: Array<{ path: string; message: string }> = [];
  const roles = new Set<string>();
  data.roles.forEach((r, i) => {
    if (roles.has(r.name)) issues.push({ path: `roles[${i}].name`, message: `duplicate role "${r.name}"` });
    roles.add(r.name);
  });
  data.roleBindings.forEach((b, i) =>
    b.roles.forEach((r, j) => {
      if (!roles.has(r)) issues.push({ path: `roleBindings[${i}].roles[${j}]`, message: `unknown role "${r}"; defined roles: ${[...roles].join(', ') || '(none)'}` });
    }),
  );
  if (issues.length > 0) throw new ConfigFileError(file, issues, 'RBAC configuration');
  return data;
}
