// Posting a verdict: a Slack-compatible message (`text` as the fallback and the notification, `blocks` for the
// layout; Slack's incoming webhooks and Mattermost take it) or the doctor's own JSON report. Posted when the
// verdicts of a target change (a new cause, another confidence, or the fault gone), never twice for the same
// diagnosis. Every post is bounded by a timeout; a receiver that fails is logged and counted, not retried.

import type { Logger } from '../../telemetry/logger.js';
import type { DoctorReport, Verdict } from '../report.js';
import type { RunRecord } from './scheduler.js';

export type NotifyFormat = 'slack' | 'json';

export interface NotifyTarget {
  url: string;
  format: NotifyFormat;
}

/** Slack's limits: section text 3000 characters, header 150, 50 blocks. */
const SECTION_MAX = 3000;
const HEADER_MAX = 150;

/** Slack's mrkdwn control characters (&, <, >): escaped, so a log line cannot mention @channel or forge a link. */
export function slackEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A receiver's URL without its path and query (where webhook secrets live). */
export function receiverName(url: string): string {
  try { return new URL(url).origin; } catch { return '(invalid URL)'; }
}

function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/** The verdicts as a comparable key: what "changed" means for a notification. */
export function verdictKey(report: DoctorReport | undefined): string {
  return (report?.verdicts ?? []).map((v) => `${v.cause}:${v.confidence}`).join(',');
}

function section(text: string): Record<string, unknown> {
  return { type: 'section', text: { type: 'mrkdwn', text: clip(text, SECTION_MAX) } };
}

function verdictBlocks(v: Verdict, top: boolean): Record<string, unknown>[] {
  const head = `${top ? '*Most likely cause*' : '*Also suspected*'}: \`${slackEscape(v.cause)}\`: ${slackEscape(v.title)}\nconfidence *${v.confidence}*, hop *${slackEscape(v.hop)}*`;
  const because = v.because.map((b) => `• ${slackEscape(b)}`).join('\n');
  return top
    ? [section(head), section(`*Because*\n${because}`), section(`*Fix*\n${slackEscape(v.fix)}`)]
    : [section(`${head}\n${because}`)];
}

/** The Slack message for a finished run; `reportUrl` links the HTML report when the service knows its address. */
export function slackMessage(record: RunRecord, report: DoctorReport, reportUrl?: string): { text: string; blocks: Record<string, unknown>[] } {
  const top = report.verdicts[0];
  const where = report.source.description;
  const text = top
    ? `obspath doctor: ${top.cause} (${top.confidence}, hop ${top.hop}) on ${where}: ${top.title}`
    : `obspath doctor: no fault found any more on ${where} (status ${report.status})`;
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: clip(top ? `obspath doctor: ${top.cause}` : 'obspath doctor: resolved', HEADER_MAX) } },
  ];
  if (top) report.verdicts.slice(0, 5).forEach((v, i) => blocks.push(...verdictBlocks(v, i === 0)));
  else blocks.push(section(`No verdict on the checked steps of ${slackEscape(where)}: the earlier cause is gone.`));
  if (report.escalation) {
    const policy = report.escalation.policyUrl ? ` Escalation policy: ${slackEscape(report.escalation.policyUrl)}` : '';
    blocks.push(section(`*Escalate to the ${slackEscape(report.escalation.team)}* (${slackEscape(report.escalation.why)}).${policy}`));
  }
  const context = [
    `${slackEscape(where)}`,
    record.trigger === 'manual' ? 'run by hand' : `alerts: ${slackEscape(record.alerts.join(', ') || 'none')}`,
    `run ${record.id}, ${record.durationMs ?? 0} ms`,
    ...(reportUrl ? [`<${slackEscape(reportUrl)}|report>`] : []),
  ].join(' · ');
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: clip(context, SECTION_MAX) }] });
  return { text, blocks };
}

export interface NotifierOptions {
  targets: readonly NotifyTarget[];
  timeoutMs: number;
  logger: Logger;
  reportUrl?: string;
  /** Counts each post by outcome (metrics). */
  onPosted?: (format: NotifyFormat, result: 'success' | 'error') => void;
}

/** Remembers each target's last posted verdicts and posts when they change. */
export class VerdictNotifier {
  private readonly lastKey = new Map<string, string>();
  private readonly posting = new Set<Promise<void>>();
  /** Where the HTML report is, for the link in the message (known once the server listens). */
  reportUrl: string | undefined;

  constructor(private readonly opts: NotifierOptions) {
    this.reportUrl = opts.reportUrl;
  }

  /** Posts the run's verdict if it changed since the last one posted for its target (runs without a report post nothing). */
  onRun(record: RunRecord): void {
    const report = record.report;
    if (!report || this.opts.targets.length === 0) return;
    const key = verdictKey(report);
    // Before any post the target counts as healthy: a healthy first run has nothing to say.
    if ((this.lastKey.get(record.target) ?? '') === key) return;
    this.lastKey.set(record.target, key);
    for (const t of this.opts.targets) {
      const body = t.format === 'slack' ? slackMessage(record, report, this.reportUrl) : report;
      const p = this.post(t, body).finally(() => this.posting.delete(p));
      this.posting.add(p);
    }
  }

  private async post(t: NotifyTarget, body: unknown): Promise<void> {
    // A Slack webhook's path is its secret: logs name the receiver by origin only.
    const log = this.opts.logger.child({ receiver: receiverName(t.url), format: t.format });
    try {
      const res = await fetch(t.url, {
        method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': 'obspath-doctor' },
        body: JSON.stringify(body), signal: AbortSignal.timeout(this.opts.timeoutMs), redirect: 'error',
      });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`answered ${res.status}`);
      this.opts.onPosted?.(t.format, 'success');
      log.info('verdict posted');
    } catch (err) {
      this.opts.onPosted?.(t.format, 'error');
      const e = err as Error;
      const why = e.name === 'TimeoutError' ? `no answer within ${this.opts.timeoutMs} ms` : (e.cause as Error | undefined)?.message ?? e.message;
      log.warn({ error: why }, 'posting the verdict failed');
    }
  }

  /** Waits for the posts under way (each bounded by the timeout). */
  async drain(): Promise<void> {
    await Promise.all([...this.posting]);
  }
}
