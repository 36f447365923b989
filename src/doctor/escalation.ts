// When the cause is on Observatorium's side, or unknown, the runbook ends in an escalation: who to page, and
// the escalation policy (a link from the doctor's configuration: --escalation-url or the environment).

import type { RootCauseId } from './causes.js';
import type { Verdict } from './report.js';

export interface EscalationConfig {
  team?: string;
  policyUrl?: string;
}

export interface Escalation {
  team: string;
  /** Omitted when none is configured; the renderers then say how to configure it. */
  policyUrl?: string;
  why: string;
}

/** Causes the fleet manager's owners cannot fix themselves. */
export const ESCALATE_CAUSES: ReadonlySet<RootCauseId> = new Set(['observatorium-unreachable', 'observatorium-down', 'backend-down', 'rate-limited', 'unknown']);

export const DEFAULT_ESCALATION_TEAM = 'Control Plane team';

/** The escalation policy the runbook links to (its "Escalations" section); --escalation-url overrides it. */
export const DEFAULT_ESCALATION_POLICY_URL =
  'https://gitlab.cee.redhat.com/service/app-interface/-/blob/master/data/teams/managed-services/escalation-policies/kas-fleet-manager.yaml';

export function escalationFor(verdicts: readonly Verdict[], config: EscalationConfig = {}): Escalation | undefined {
  const top = verdicts[0];
  if (!top || !ESCALATE_CAUSES.has(top.cause)) return undefined;
  return {
    team: config.team ?? DEFAULT_ESCALATION_TEAM,
    policyUrl: config.policyUrl ?? DEFAULT_ESCALATION_POLICY_URL,
    why: top.cause === 'unknown' ? 'no known cause matched the evidence' : `the cause (${top.cause}) is on Observatorium's side`,
  };
}
