// The doctor's public API: what `obspath doctor` (src/cli/doctor.ts) and the live checks build on.

export { ROOT_CAUSES, ROOT_CAUSE_IDS, rootCause, type RootCause, type RootCauseId, type HopName } from './causes.js';
export { buildReport, deriveVerdicts, RUNBOOK_STEP, type CheckId, type CheckResult, type CheckStatus, type Confidence, type DoctorReport, type Evidence, type Suspect, type Verdict } from './report.js';
export { FactsError, type ClusterFacts, type FactsErrorKind, type LogRequest } from './facts.js';
export { LiveClusterFacts, type LiveSourceOptions } from './k8s/live-source.js';
export { SnapshotClusterFacts } from './k8s/snapshot-source.js';
export { loadKubeconfig, type ClusterConnection } from './k8s/kubeconfig.js';
export { evaluateConnection, evaluateDirection, effectivePolicyTypes, type ConnectionVerdict, type DirectionVerdict } from './netpol/evaluate.js';
export type { Endpoint, PodEndpoint, ExternalEndpoint, PortQuery } from './netpol/peers.js';
export { LOG_SIGNATURES, type LogSignature, type LogComponent } from './logs/signatures.js';
export { scanLogs, type ScanSummary } from './logs/scan.js';
export { compareObservatoriumUrl, urlShapeProblems, environmentOfUrl, type UrlDifference } from './checks/observatorium-url.js';
export { compareTokenClaims, type TenantExpectation } from './checks/token-claims.js';
export { runCredentialsCheck, runObservatoriumUrlCheck, type LocalConfig } from './checks/config.js';
export { runLogsCheck } from './checks/logs.js';
export { runNetworkPolicyCheck } from './checks/network-policy.js';
export { runRefresherHealthCheck, podHealth } from './checks/refresher-health.js';
export { createContext, type CheckContext } from './checks/context.js';
export { runDoctor, type DoctorOptions } from './run.js';
export { renderReport, type OutputFormat, type RenderOptions } from './render.js';
export { redactText, redactValue } from './redact.js';
export { defaultTargets, EXPECTED_OBSERVATORIUM_URL, EXPECTED_ISSUER_URL, EXPECTED_AUDIENCE, type DoctorTargets, type Environment } from './targets.js';
export { EXPLAINS, HOP_ORDER, rankVerdicts } from './ranking.js';
export { collectSnapshot, openSnapshot, type CollectOptions, type CollectResult, type CollectManifest, type OpenedSnapshot } from './collect/index.js';
