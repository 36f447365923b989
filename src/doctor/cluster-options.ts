// `obspath doctor` against a cluster, a snapshot, or (with no cluster) the shell's refresher settings, as a
// library call: the runDoctor options for given flag values and environment. The CLI only parses the flags.

import type { LocalConfig } from './checks/config.js';
import type { ClusterFacts } from './facts.js';
import { DEFAULT_TIMEOUTS, liveCheckBoundMs, liveChecks, MAX_QUERY_MS, type LiveTargets } from './live/index.js';
import { refresherSettingsFromEnv, type RefresherSetting } from './refresher-config.js';
import type { DoctorOptions } from './run.js';
import { EXPECTED_AUDIENCE, EXPECTED_ISSUER_URL, EXPECTED_OBSERVATORIUM_URL, type Environment } from './targets.js';

/** Settings given as doctor flags: they win over the environment. */
export interface SettingOverrides {
  observatoriumUrl?: string;
  clientId?: string;
  issuerUrl?: string;
  audience?: string;
}

/**
 * The configuration under test when no cluster is: doctor flags, then the refresher's own env vars in the
 * refresher's precedence (a refresher started in this shell would see the same), the secret and DOCTOR_TOKEN
 * only from the environment. With a cluster, the shell's variables are not the configuration under test.
 */
export function localConfigFromFlags(overrides: SettingOverrides, env: NodeJS.ProcessEnv, withCluster: boolean): LocalConfig {
  const fromEnv: Partial<Record<RefresherSetting | 'token', string>> = withCluster ? {} : { ...refresherSettingsFromEnv(env), token: env.DOCTOR_TOKEN };
  const pick = <T>(flag: T | undefined, fallback: T | undefined) => (flag !== undefined ? flag : fallback);
  return {
    observatoriumUrl: pick(overrides.observatoriumUrl, fromEnv.observatoriumUrl),
    clientId: pick(overrides.clientId, fromEnv.clientId),
    clientSecret: fromEnv.clientSecret,
    issuerUrl: pick(overrides.issuerUrl, fromEnv.issuerUrl),
    audience: pick(overrides.audience, fromEnv.audience),
    token: fromEnv.token,
  };
}

export interface ClusterDoctorInput {
  facts?: ClusterFacts;
  /** stage or production: the runbook's URLs are expected. */
  preset?: Environment;
  local: LocalConfig;
  /** Also probe the endpoints. */
  live: boolean;
  /** Live-check addresses and alert sources given as flags. */
  extra: Partial<LiveTargets>;
  logTailLines: number;
  logSinceSeconds?: number;
  targets: { namespace?: string; fleetManagerNamespace?: string; prometheusNamespace?: string };
  escalationUrl?: string;
}

export function clusterDoctorOptions(i: ClusterDoctorInput): DoctorOptions {
  const { preset, local } = i;
  const live = i.live ? liveChecks({
    origin: preset ? `${preset} preset` : 'flags',
    observatoriumUrl: local.observatoriumUrl ?? (preset ? EXPECTED_OBSERVATORIUM_URL[preset] : undefined),
    expectedObservatoriumUrl: preset ? EXPECTED_OBSERVATORIUM_URL[preset] : undefined,
    tenant: 'managedkafka',
    issuerUrl: local.issuerUrl ?? (preset ? EXPECTED_ISSUER_URL : undefined),
    clientId: local.clientId, clientSecret: local.clientSecret, audience: local.audience ?? EXPECTED_AUDIENCE,
    tenantExpectation: { issuer: EXPECTED_ISSUER_URL, audience: EXPECTED_AUDIENCE },
    timeouts: DEFAULT_TIMEOUTS,
    ...i.extra,
  }) : [];
  return {
    facts: i.facts, environment: preset, local, liveChecks: live,
    // The refresher's deadline is read from its Deployment during the run: bound the run for the longest it may set.
    ...(i.live ? { liveCheckTimeoutMs: liveCheckBoundMs({ ...(i.extra.timeouts ?? DEFAULT_TIMEOUTS), refresherQueryMs: MAX_QUERY_MS }) } : {}), logTailLines: i.logTailLines, logSinceSeconds: i.logSinceSeconds,
    targets: {
      ...(i.targets.namespace ? { namespace: i.targets.namespace } : {}),
      ...(i.targets.fleetManagerNamespace ? { fleetManagerNamespace: i.targets.fleetManagerNamespace } : {}),
      ...(i.targets.prometheusNamespace ? { prometheusNamespace: i.targets.prometheusNamespace } : {}),
    },
    escalation: { policyUrl: i.escalationUrl },
  };
}
