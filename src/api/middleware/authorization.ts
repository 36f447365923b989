// Authorization: RBAC over (subject or its groups, tenant, "metrics", read|write). 403 naming the subject,
// its groups and the missing permission.
import { HttpError } from '../../http/errors.js';
import type { Permission } from '../config/rbac.js';
import { reject, tenantParam, type CallerIdentity, type ApiRequest } from './context.js';

export type { Permission };

export function forbidden(identity: CallerIdentity, tenant: string, permission: Permission): HttpError {
  const groups = identity.groups.length > 0 ? ` (groups: ${identity.groups.join(', ')})` : '';
  return new HttpError(403, 'forbidden', `auth: subject "${identity.subject}"${groups} has no "${permission}" permission on metrics of tenant "${tenant}"`, {
    hop: 'auth', reason: 'rbac_denied', subject: identity.subject, tenant, permission,
  });
}

/** Checks the caller's `permission` on the tenant's metrics, with the request's configuration snapshot. */
export function authorizationMiddleware(permission: Permission) {
  return function authorize(req: ApiRequest): void {
    const { identity, snapshot } = req.obs;
    if (!identity || !snapshot) throw new Error('api: route wired without the tenant and authentication middlewares');
    const name = tenantParam(req);
    if (!snapshot.rbac.allowed({ name: identity.subject, groups: identity.groups }, name, 'metrics', permission)) {
      reject(req, 'rbac', forbidden(identity, name, permission));
    }
  };
}
