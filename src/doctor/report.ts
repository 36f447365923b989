// The doctor's result model: one CheckResult per runbook step, and verdicts naming root causes from
// causes.ts. This is the shape `--output json` prints (schema in src/doctor/README.md).

import { ROOT_CAUSES, type HopName, type RootCauseId } from './causes.js';
import type { Escalation } from './escalation.js';
import { rankVerdicts, type UnrankedVerdict } from './ranking.js';

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skipped';

export type CheckId =
  | 'logs'
  | 'observatorium-url'
  | 'credentials'
  | 'network-policy'
  | 'refresher-health'
  | 'observatorium-health';

/** Where a check sits in the runbook (observatorium-non-2xx.md): step and bullet. */
export const RUNBOOK_STEP: Readonly<Record<CheckId, string>> = {
  logs: '1',
  'observatorium-url': '2',
  credentials: '3',
  'network-policy': '4.1',
  'refresher-health': '4.3',
  'observatorium-health': '5',
};

export interface Evidence {
  /** One sentence a human reads. */
  text: string;
  /** The same fact, structured (object names, counts, labels); never a secret value. */
  data?: Record<string, unknown>;
}

export type Confidence = 'confirmed' | 'likely' | 'possible';

/** A root cause a check's evidence points at. */
export interface Suspect {
  cause: RootCauseId;
  confidence: Confidence;
  because: string;
}

export interface CheckResult {
  id: CheckId;
  step: string;
  title: string;
  status: CheckStatus;
  /** One line: what was found (or, when skipped, why it could not run). */
  summary: string;
  evidence: Evidence[];
  /** What to do, when status is warn or fail. */
  fix?: string;
  suspects: Suspect[];
}

export interface Verdict {
  cause: RootCauseId;
  title: string;
  hop: HopName;
  confidence: Confidence;
  /** Each reason prefixed with the runbook step it came from, e.g. "[4.1] ...". */
  because: string[];
  fix: string;
  checks: CheckId[];
  /**
   * `top`: the first fault along the path from the fleet manager; `also`: every other fault with its own
   * evidence, in path order; `explained`: a symptom of the causes in `explainedBy` (ranking.ts, EXPLAINS).
   */
  role: 'top' | 'also' | 'explained';
  explainedBy?: RootCauseId[];
}

export interface ReportSource {
  kind: 'cluster' | 'snapshot' | 'local';
  /** Context and server, or the snapshot directory. */
  description: string;
  namespace: string;
}

export interface DoctorReport {
  schemaVersion: 1;
  generatedAt: string;
  source: ReportSource;
  environment?: 'stage' | 'production' | 'local';
  status: Exclude<CheckStatus, 'skipped'>;
  checks: CheckResult[];
  verdicts: Verdict[];
  /** Who to hand over to, when the top verdict is on Observatorium's side or unknown. */
  escalation?: Escalation;
}

export function checkResult(id: CheckId, title: string, fields: Partial<Omit<CheckResult, 'id' | 'step' | 'title'>> & { status: CheckStatus; summary: string }): CheckResult {
  return { id, step: RUNBOOK_STEP[id], title, evidence: [], suspects: [], ...fields };
}

export function skipped(id: CheckId, title: string, why: string): CheckResult {
  return checkResult(id, title, { status: 'skipped', summary: why });
}

const CONFIDENCE_RANK: Record<Confidence, number> = { confirmed: 3, likely: 2, possible: 1 };
const STATUS_RANK: Record<CheckStatus, number> = { skipped: 0, ok: 0, warn: 1, fail: 2 };

export function worstStatus(checks: readonly CheckResult[]): DoctorReport['status'] {
  const worst = Math.max(0, ...checks.map((c) => STATUS_RANK[c.status]));
  return worst === 2 ? 'fail' : worst === 1 ? 'warn' : 'ok';
}

/**
 * Folds the checks' suspects into verdicts: one per cause, at the highest confidence any check gave it, then
 * ranked (ranking.ts): causes before the symptoms they explain, faults along the path from the fleet manager.
 * When something failed and nothing was suspected, the verdict is `unknown` so the report never ends without
 * a next step.
 */
export function deriveVerdicts(checks: readonly CheckResult[]): Verdict[] {
  const byCause = new Map<RootCauseId, UnrankedVerdict>();
  checks.forEach((check, order) => {
    for (const s of check.suspects) {
      const cause = ROOT_CAUSES[s.cause];
      let v = byCause.get(s.cause);
      if (!v) {
        v = { cause: s.cause, title: cause.title, hop: cause.hop, confidence: s.confidence, because: [], fix: cause.fix, checks: [], order };
        byCause.set(s.cause, v);
      }
      if (CONFIDENCE_RANK[s.confidence] > CONFIDENCE_RANK[v.confidence]) v.confidence = s.confidence;
      v.because.push(`[${check.step}] ${s.because}`);
      if (!v.checks.includes(check.id)) v.checks.push(check.id);
    }
  });
  const verdicts = rankVerdicts([...byCause.values()]);
  if (verdicts.length === 0 && checks.some((c) => c.status === 'fail')) {
    const u = ROOT_CAUSES.unknown;
    const failed = checks.filter((c) => c.status === 'fail');
    verdicts.push({
      cause: 'unknown', title: u.title, hop: u.hop, confidence: 'possible',
      because: failed.map((c) => `[${c.step}] ${c.summary}`), fix: u.fix, checks: failed.map((c) => c.id), role: 'top',
    });
  }
  return verdicts;
}

export function buildReport(source: ReportSource, checks: CheckResult[], opts: { environment?: 'stage' | 'production' | 'local'; now?: Date } = {}): DoctorReport {
  return {
    schemaVersion: 1,
    generatedAt: (opts.now ?? new Date()).toISOString(),
    source,
    ...(opts.environment ? { environment: opts.environment } : {}),
    status: worstStatus(checks),
    checks,
    verdicts: deriveVerdicts(checks),
  };
}
