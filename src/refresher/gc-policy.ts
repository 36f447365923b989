// V8's allocation-site pretenuring, turned off in a process that proxies. Measured (bench/gc-count.ts, 100k
// requests c16): V8 saw a few object and array literals of the request path (Node's Readable `_events`, http
// parser and timer code, undici's parser callbacks) surviving a scavenge while the young generation was still
// small, and once it reached its full size marked those allocation sites "tenure": their objects were then made
// in the old generation. Dead there, they keep what they point to (the request, response, bodies, listeners)
// alive through the scavenges that follow, so those are promoted too: 3.8 KB per request ended up as old-space
// garbage and the refresher ran 6-8 mark-compacts per 100k requests, where the Node floor ran none. With the
// sites never tenured, 147 B per request reach the old generation (mostly undici's per-request timers, which
// stay in its timer list for up to a second) and 2 mark-compacts run per 100k; CPU per request fell about 14%
// at c16. The proxy keeps little that lives long (a token, pools, metrics), so nothing gains from pretenuring.
import { setFlagsFromString } from 'node:v8';
import { nodeFlagGiven } from '../config/node-flags.js';

/** Set to "on" to keep V8's default (allocation-site pretenuring on) in the refresher. */
export const PRETENURING_ENV = 'OBSPATH_REFRESHER_PRETENURING';
const PRETENURING_FLAG = /^--(no-)?allocation[-_]site[-_]pretenuring$/;
const OFF = '--no-allocation-site-pretenuring';
const OFF_FLAG = /^--no-allocation[-_]site[-_]pretenuring$/;

/**
 * The V8 flag the proxy sets, or undefined when it must not: OBSPATH_REFRESHER_PRETENURING=on, or either form of
 * the flag on node's command line or in NODE_OPTIONS (the operator's choice wins). Throws on a setting that is neither "on" nor "off".
 */
export function pretenuringFlag(env: NodeJS.ProcessEnv, execArgv: readonly string[]): string | undefined {
  const setting = env[PRETENURING_ENV]?.trim() ?? '';
  if (setting !== '' && setting !== 'on' && setting !== 'off') throw new Error(`${PRETENURING_ENV} must be "on" or "off", got "${setting}"`);
  if (setting === 'on' || nodeFlagGiven(PRETENURING_FLAG, env, execArgv)) return undefined;
  return OFF;
}

/**
 * Applies pretenuringFlag for this process; returns whether V8 pretenures (for the startup log line). V8 reads
 * the flag at each decision, so setting it before the first proxied request is enough.
 */
export function applyProxyGcPolicy(env: NodeJS.ProcessEnv = process.env, execArgv: readonly string[] = process.execArgv): { pretenuring: boolean } {
  const flag = pretenuringFlag(env, execArgv);
  if (flag) setFlagsFromString(flag);
  return { pretenuring: flag === undefined && !nodeFlagGiven(OFF_FLAG, env, execArgv) };
}
