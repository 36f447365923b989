// The V8 flag the store process runs with. V8 sizes the young generation when the process starts (v8's
// setFlagsFromString cannot change it later), so whoever starts the store passes it: `obspath up` through the
// child's NODE_OPTIONS, and `obspath store` started any other way re-runs itself once with it (cli/store-relay).
// Why 8 MB semi-spaces: Node's default grows them to 16 MB while modules load, before any data arrives; at 8 the
// store's resident memory after a 10k-series load fell 173.6 -> 149.8 MB with no measurable ingest cost, while 4
// promoted request buffers to the old generation and came out worse (183.3 MB).

import { nodeFlagGiven } from './node-flags.js';

/** Environment variable that sets the store's semi-space size in MB, or turns the flag off with "off". */
export const STORE_SEMI_SPACE_ENV = 'OBSPATH_STORE_SEMI_SPACE_MB';
const DEFAULT_SEMI_SPACE_MB = 8;
const SEMI_SPACE_FLAG = /^--max[-_]semi[-_]space[-_]size(=|$)/;

/**
 * The flag the store should be started with, or undefined when it must not be added: turned off by
 * OBSPATH_STORE_SEMI_SPACE_MB=off, or already chosen by the operator (node's own arguments or NODE_OPTIONS),
 * whose choice wins. Throws on a value that is neither a whole number of MB nor "off".
 */
export function storeSemiSpaceFlag(env: NodeJS.ProcessEnv, execArgv: readonly string[]): string | undefined {
  const setting = env[STORE_SEMI_SPACE_ENV]?.trim();
  if (setting === 'off') return undefined;
  if (nodeFlagGiven(SEMI_SPACE_FLAG, env, execArgv)) return undefined;
  if (setting === undefined || setting === '') return `--max-semi-space-size=${DEFAULT_SEMI_SPACE_MB}`;
  if (!/^[1-9]\d{0,3}$/.test(setting)) throw new Error(`${STORE_SEMI_SPACE_ENV} must be a whole number of MB (1-9999) or "off", got "${setting}"`);
  return `--max-semi-space-size=${setting}`;
}

/**
 * NODE_OPTIONS for a store process this one starts: the flag, then the operator's own NODE_OPTIONS (V8 takes
 * the last of a repeated flag, and an operator's flag there turns ours off anyway). Unchanged without a flag.
 */
export function storeNodeOptions(env: NodeJS.ProcessEnv): string | undefined {
  const flag = storeSemiSpaceFlag(env, []);
  const own = env.NODE_OPTIONS;
  if (flag === undefined) return own;
  return own === undefined || own.trim() === '' ? flag : `${flag} ${own}`;
}

/** The environment to add for a store process this one starts: its NODE_OPTIONS when that changes. */
export function storeNodeEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const nodeOptions = storeNodeOptions(env);
  return nodeOptions === undefined || nodeOptions === env.NODE_OPTIONS ? {} : { NODE_OPTIONS: nodeOptions };
}
