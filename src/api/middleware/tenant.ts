// The first middleware of the chain: the tenant of the URL must be configured (404 otherwise). It fixes
// the configuration snapshot the rest of the request runs under, so a reload mid-request is not seen.
import { HttpError } from '../../http/errors.js';
import type { Snapshot } from '../state.js';
import { reject, tenantParam, type ApiRequest } from './context.js';

export function unknownTenant(name: string): HttpError {
  return new HttpError(404, 'not_found', `api: unknown tenant "${name}": not in the tenants configuration`, { hop: 'api', reason: 'unknown_tenant', tenant: name });
}

/** Finds the URL's tenant in the current configuration; answers 404 for an unknown one. */
export function tenantMiddleware(config: { readonly snapshot: Snapshot }) {
  return function tenant(req: ApiRequest): void {
    const name = tenantParam(req);
    const snapshot = config.snapshot;
    const rt = snapshot.tenants.get(name);
    if (!rt) reject(req, 'not_found', unknownTenant(name));
    req.obs.snapshot = snapshot;
    req.obs.runtime = rt;
    req.obs.tenant = rt.tenant.id;
  };
}
