// The hops' own deadlines, read from what runs them: the local stack's command lines (stack.json), or the
// refresher Deployment's args in a cluster. The live probes wait a margin longer (targets.ts timeoutsFromHops),
// so a hop that gives up on the next one is seen answering its typed 504, not as a silent hop.

import { parseGoDuration } from '../../duration/duration.js';
import { refresherDeployment, tryFacts, type CheckContext } from '../checks/context.js';
import { argValue } from '../local/stack-state.js';
import { refresherContainer } from '../refresher-config.js';
import { timeoutsFromHops, type HopDeadlines, type LiveTargets } from './targets.js';

/** A duration flag's value in ms; undefined when absent or not a duration. */
export function durationFlag(args: readonly string[], flag: string): number | undefined {
  const v = argValue(args, flag);
  if (v === undefined) return undefined;
  try { return parseGoDuration(v); } catch { return undefined; }
}

/** The deadlines the refresher's and the API's flags set. */
export function deadlinesFromArgs(refresherArgs: readonly string[], apiArgs: readonly string[]): HopDeadlines {
  return { refresherUpstreamMs: durationFlag(refresherArgs, '--upstream.timeout'), apiBackendMs: durationFlag(apiArgs, '--metrics.write-timeout') };
}

/** The targets with query timeouts from the refresher Deployment's args (the API runs elsewhere: its default stays). */
export async function withDeploymentDeadlines(t: LiveTargets, ctx: CheckContext): Promise<LiveTargets> {
  const dep = await tryFacts(() => refresherDeployment(ctx));
  const c = dep.value ? refresherContainer(dep.value) : undefined;
  if (!c) return t;
  const h = deadlinesFromArgs([...(c.command ?? []), ...(c.args ?? [])], []);
  return h.refresherUpstreamMs === undefined ? t : { ...t, timeouts: timeoutsFromHops(h, t.timeouts) };
}
