// Whether the operator already chose a V8/node flag, on node's command line or in NODE_OPTIONS: a component
// that sets one of its own (the store's semi-space size, the refresher's pretenuring) leaves the choice to them.

/** True when `flag` matches an argument of node's command line (`execArgv`) or of NODE_OPTIONS. */
export function nodeFlagGiven(flag: RegExp, env: NodeJS.ProcessEnv, execArgv: readonly string[]): boolean {
  return execArgv.some((a) => flag.test(a)) || (env.NODE_OPTIONS ?? '').split(/\s+/).some((a) => flag.test(a));
}
