// The console's own answers (src/stack/console, hop console): live fault injection's refusals and failures.
import { entry, type CatalogEntry } from './catalog.js';

export const CONSOLE_ERRORS: readonly CatalogEntry[] = [
  entry('console', 400, 'bad_data', 'bad_data', ['console'], "a parameter the console's read-only proxies refuse (unknown, repeated, or invalid); the answer names it"),
  entry('console', 404, 'not_found', 'unknown_fault', ['console'], 'no fault of that name in the catalog (the answer lists the known ones)'),
  entry('console', 409, 'conflict', 'fault_conflict', ['console'], 'the fault cannot run together with one already active (both are named); clear that one first'),
  entry('console', 503, 'unavailable', 'stack_stopping', ['console'], 'the stack is stopping: faults are no longer injected or cleared'),
  entry('console', 500, 'internal', 'fault_change_failed', ['console'], 'injecting or clearing the fault failed half-way (a stand-in or component could not start); the stack log says why'),
];
