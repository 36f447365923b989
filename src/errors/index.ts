// Every obspath component's error catalog, in one list (see catalog.ts).

import { API_ERRORS, AUTH_ERRORS, BACKEND_ERRORS } from './api.js';
import { CLIENT_ERRORS, FLEET_ERRORS, HTTP_ERRORS, ISSUER_ERRORS, type CatalogEntry } from './catalog.js';
import { CONSOLE_ERRORS } from './console.js';
import { REFRESHER_ERRORS } from './refresher.js';
import { STORE_ERRORS } from './store.js';

export { API_ERRORS, AUTH_401_REASONS, AUTH_503_REASONS, AUTH_ERRORS, BACKEND_ERRORS, type AuthFailureReason } from './api.js';
export { CLIENT_ERRORS, FLEET_ERRORS, HTTP_ERRORS, ISSUER_ERRORS, NET_FAILURE_REASONS, NET_TIMEOUT_REASONS, type CatalogEntry, type ErrorSource } from './catalog.js';
export { CONSOLE_ERRORS } from './console.js';
export { REFRESHER_ERRORS, TOKEN_FAILURE_REASONS } from './refresher.js';
export { PROMQL_ERROR_STATUS, STORE_ERRORS } from './store.js';

/** Component catalogs first, the shared HTTP answers last: the most specific entry is found first. */
export const ERROR_CATALOG: readonly CatalogEntry[] = [
  ...AUTH_ERRORS, ...API_ERRORS, ...BACKEND_ERRORS, ...REFRESHER_ERRORS, ...STORE_ERRORS, ...FLEET_ERRORS, ...ISSUER_ERRORS, ...CLIENT_ERRORS, ...CONSOLE_ERRORS, ...HTTP_ERRORS,
];
