// What every cluster check gets: the facts source, the targets, and a per-run memo so the pods and the
// deployment are fetched once however many checks look at them.

import { FactsError, type ClusterFacts } from '../facts.js';
import type { Deployment, KubeEvent, Pod } from '../k8s/types.js';
import type { DoctorTargets, Environment } from '../targets.js';

export interface CheckContext {
  facts: ClusterFacts;
  targets: DoctorTargets;
  environment?: Environment;
  /** Secret values known to the doctor (flags/env): scrubbed from every output. */
  secrets: string[];
  now: Date;
  /** How many recent lines of each log to scan (default 2000). */
  logTailLines: number;
  logSinceSeconds?: number;
  /** Restarts within this window count as recent (default 1 h). */
  recentRestartWindowMs: number;
  memo: Map<string, Promise<unknown>>;
}

export function createContext(facts: ClusterFacts, targets: DoctorTargets, opts: Partial<Omit<CheckContext, 'facts' | 'targets' | 'memo'>> = {}): CheckContext {
  return {
    facts, targets,
    environment: opts.environment,
    secrets: opts.secrets ?? [],
    now: opts.now ?? new Date(),
    logTailLines: opts.logTailLines ?? 2000,
    logSinceSeconds: opts.logSinceSeconds,
    recentRestartWindowMs: opts.recentRestartWindowMs ?? 3_600_000,
    memo: new Map(),
  };
}

export function memo<T>(ctx: CheckContext, key: string, fn: () => Promise<T>): Promise<T> {
  let p = ctx.memo.get(key) as Promise<T> | undefined;
  if (!p) {
    p = fn();
    ctx.memo.set(key, p);
  }
  return p;
}

export const refresherPods = (ctx: CheckContext): Promise<Pod[]> =>
  memo(ctx, 'refresher-pods', () => ctx.facts.listPods(ctx.targets.namespace, { matchLabels: ctx.targets.refresherSelector }));

export const fleetManagerPods = (ctx: CheckContext): Promise<Pod[]> => {
  const ns = ctx.targets.fleetManagerNamespace ?? ctx.targets.namespace;
  return memo(ctx, `fm-pods-${ns}`, () => ctx.facts.listPods(ns, { matchLabels: ctx.targets.fleetManagerSelector }));
};

export const deployments = (ctx: CheckContext): Promise<Deployment[]> =>
  memo(ctx, 'deployments', () => ctx.facts.listDeployments(ctx.targets.namespace));

export const events = (ctx: CheckContext): Promise<KubeEvent[]> =>
  memo(ctx, 'events', () => ctx.facts.listEvents(ctx.targets.namespace));

/** The refresher's Deployment: by name, else the one whose pod template carries the refresher's labels. */
export async function refresherDeployment(ctx: CheckContext): Promise<Deployment | undefined> {
  const all = await deployments(ctx);
  return all.find((d) => d.metadata.name === ctx.targets.refresherDeployment)
    ?? all.find((d) => Object.entries(ctx.targets.refresherSelector).every(([k, v]) => d.spec?.template?.metadata?.labels?.[k] === v));
}

/** A FactsError as the reason a check (or part of one) could not run; other errors are re-thrown. */
export function unavailableBecause(err: unknown): string {
  if (err instanceof FactsError) {
    const what = err.resource ? `cannot read ${err.resource}: ` : '';
    const hint = err.kind === 'forbidden' ? ' (ask for read access, or run from a snapshot)' : '';
    return `${what}${err.message}${hint}`;
  }
  throw err;
}

/** Runs `fn`; a FactsError becomes `{ error }` so a check can skip or degrade instead of failing the run. */
export async function tryFacts<T>(fn: () => Promise<T>): Promise<{ value: T; error?: undefined } | { value?: undefined; error: string }> {
  try {
    return { value: await fn() };
  } catch (err) {
    return { error: unavailableBecause(err) };
  }
}
