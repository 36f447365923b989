// The output formats of a report. Human: runbook numbering, colours only when asked (the caller passes
// `color: stream.isTTY && !NO_COLOR`). JSON: the report object as documented in src/doctor/README.md.
// Markdown: for a ticket or an incident channel. HTML: one self-contained page (render-html.ts). Every
// renderer scrubs the known secrets again.

import { redactValue } from './redact.js';
import { renderHtml } from './render-html.js';
import type { CheckResult, CheckStatus, DoctorReport, Verdict } from './report.js';

export type OutputFormat = 'human' | 'json' | 'markdown' | 'html';

export const OUTPUT_FORMATS: readonly OutputFormat[] = ['human', 'json', 'markdown', 'html'];

export interface RenderOptions {
  color?: boolean;
  secrets?: readonly string[];
}

const COLORS: Record<CheckStatus | 'dim' | 'bold', string> = { ok: '\x1b[32m', warn: '\x1b[33m', fail: '\x1b[31m', skipped: '\x1b[90m', dim: '\x1b[90m', bold: '\x1b[1m' };
const RESET = '\x1b[0m';
const LABEL: Record<CheckStatus, string> = { ok: 'OK', warn: 'WARN', fail: 'FAIL', skipped: 'SKIP' };

export function renderReport(report: DoctorReport, format: OutputFormat, opts: RenderOptions = {}): string {
  const r = redactValue(report, opts.secrets ?? []);
  switch (format) {
    case 'json': return `${JSON.stringify(r, null, 2)}\n`;
    case 'markdown': return renderMarkdown(r);
    case 'human': return renderHuman(r, opts.color ?? false);
    case 'html': return renderHtml(r);
  }
}

function renderHuman(r: DoctorReport, color: boolean): string {
  const c = (k: keyof typeof COLORS, s: string) => (color ? `${COLORS[k]}${s}${RESET}` : s);
  const lines: string[] = [];
  lines.push(c('bold', `obspath doctor: ${r.source.description}, namespace ${r.source.namespace}${r.environment ? `, ${r.environment}` : ''}`));
  lines.push('');
  for (const check of r.checks) {
    lines.push(`${c(check.status, `[${LABEL[check.status]}]`.padEnd(6))} ${check.step.padEnd(4)} ${check.title}`);
    lines.push(`            ${check.status === 'skipped' ? c('dim', `skipped: ${check.summary}`) : check.summary}`);
    for (const e of check.evidence) for (const [i, l] of e.text.split('\n').entries()) lines.push(c('dim', `            ${i === 0 ? '- ' : '  '}${l}`));
    if (check.fix) for (const [i, l] of check.fix.split('\n').entries()) lines.push(`            ${i === 0 ? 'fix: ' : '     '}${l}`);
  }
  lines.push('');
  if (r.checks.every((check) => check.status === 'skipped')) {
    lines.push(c('warn', 'Verdict: nothing could be checked (every step was skipped); see each step for what it needs.'));
  } else if (r.verdicts.length === 0) {
    lines.push(c(r.status, r.status === 'ok' ? 'Verdict: no fault found on the checked steps.' : 'Verdict: warnings only; no root cause identified.'));
  } else {
    lines.push(c('bold', 'Verdict:'));
    for (const v of r.verdicts.filter((x) => x.role !== 'explained')) {
      lines.push(`  ${v.role === 'top' ? '1.' : 'also:'} ${c(v.role === 'top' ? 'fail' : 'warn', v.cause)} (${v.confidence}, hop ${v.hop}): ${v.title}`);
      for (const b of v.because) lines.push(`     because ${b}`);
      lines.push(`     fix: ${v.fix}`);
      for (const s of symptomsOf(r, v.cause)) {
        lines.push(`     explains ${s.cause} (${s.confidence}, hop ${s.hop}): ${s.title}`);
        for (const b of s.because) lines.push(`       because ${b}`);
      }
    }
  }
  if (r.escalation) {
    lines.push('', c('bold', `Escalate to the ${r.escalation.team}`) + ` (${r.escalation.why}):`);
    lines.push(`  escalation policy: ${r.escalation.policyUrl ?? 'not configured (pass --escalation-url or set OBSPATH_DOCTOR_ESCALATION_URL)'}`);
    lines.push('  hand over: this report (obspath doctor -o markdown), the time the failures started, and the verdict above.');
  }
  return `${lines.join('\n')}\n`;
}

/** The symptoms listed under a cause: those it is the first-ranked explanation of. */
function symptomsOf(r: DoctorReport, cause: Verdict['cause']): Verdict[] {
  return r.verdicts.filter((v) => v.role === 'explained' && v.explainedBy?.[0] === cause);
}

function mdEscape(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function mdCheck(check: CheckResult): string[] {
  const out = [`### ${check.step}. ${check.title}: ${LABEL[check.status]}`, '', check.status === 'skipped' ? `Skipped: ${check.summary}` : check.summary, ''];
  if (check.evidence.length > 0) {
    for (const e of check.evidence) out.push(`- ${e.text.includes('\n') ? `\n\n  \`\`\`\n  ${e.text.split('\n').join('\n  ')}\n  \`\`\`` : `\`${e.text.replace(/`/g, "'")}\``}`);
    out.push('');
  }
  if (check.fix) out.push(check.fix.includes('\n') ? `**Fix:**\n\n\`\`\`\n${check.fix}\n\`\`\`` : `**Fix:** ${check.fix}`, '');
  return out;
}

function renderMarkdown(r: DoctorReport): string {
  const out: string[] = [
    `## obspath doctor: ${LABEL[r.status]}`,
    '',
    `Source: ${r.source.description}; namespace \`${r.source.namespace}\`${r.environment ? `; environment ${r.environment}` : ''}; generated ${r.generatedAt}.`,
    '',
    '| Step | Check | Status | Summary |',
    '|---|---|---|---|',
    ...r.checks.map((c) => `| ${c.step} | ${mdEscape(c.title)} | ${LABEL[c.status]} | ${mdEscape(c.summary)} |`),
    '',
    '### Verdict',
    '',
  ];
  if (r.verdicts.length === 0) out.push(r.status === 'ok' ? 'No fault found on the checked steps.' : 'Warnings only; no root cause identified.', '');
  r.verdicts.filter((v) => v.role !== 'explained').forEach((v, i) => {
    out.push(`${i + 1}. ${v.role === 'top' ? '' : 'Also: '}**${v.cause}** (${v.confidence}, hop ${v.hop}): ${v.title}`);
    for (const b of v.because) out.push(`   - ${b}`);
    out.push(`   - Fix: ${v.fix}`);
    for (const s of symptomsOf(r, v.cause)) {
      out.push(`   - Explains **${s.cause}** (${s.confidence}, hop ${s.hop}): ${s.title}`);
      for (const b of s.because) out.push(`     - ${b}`);
    }
  });
  if (r.escalation) {
    out.push('', `### Escalation: ${r.escalation.team}`, '', `${r.escalation.why}. Escalation policy: ${r.escalation.policyUrl ?? '_not configured (pass --escalation-url)_'}.`);
  }
  out.push('', '## Details', '');
  for (const c of r.checks) out.push(...mdCheck(c));
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}
