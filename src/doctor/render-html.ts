// The report as one self-contained HTML page (`doctor -o html`, and `doctor serve`'s `/`): inline CSS, no
// script, no external asset, a Content-Security-Policy that forbids both anyway; light/dark by
// prefers-color-scheme; a print stylesheet that shows everything in black on white. Every string of the
// report goes through `esc`: evidence quotes log lines, and a log line can hold anything, `<script>` included.
// The caller passes a report that renderReport has already redacted.

import type { CheckResult, CheckStatus, DoctorReport, Evidence, Verdict } from './report.js';

const LABEL: Record<CheckStatus, string> = { ok: 'OK', warn: 'WARN', fail: 'FAIL', skipped: 'SKIP' };

/** HTML-escapes text for element content and double- or single-quoted attribute values. */
export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const CSS = `
:root{color-scheme:light dark;--bg:#fff;--fg:#1b1f23;--muted:#5a6270;--line:#d8dde3;--card:#f6f8fa;
--ok:#1a7f37;--warn:#9a6700;--fail:#cf222e;--skipped:#6e7781}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--line:#30363d;--card:#161b22;
--ok:#3fb950;--warn:#d29922;--fail:#f85149;--skipped:#8b949e}}
*{box-sizing:border-box}
body{margin:0 auto;max-width:60rem;padding:1.5rem;background:var(--bg);color:var(--fg);
font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
h1{font-size:1.4rem;margin:0 0 .25rem}h2{font-size:1.15rem;margin:2rem 0 .5rem;border-bottom:1px solid var(--line)}
h3{font-size:1rem;margin:0 0 .25rem}
.meta,.muted{color:var(--muted)}
.badge{display:inline-block;min-width:3.2rem;text-align:center;font:600 .75rem/1.6 ui-monospace,monospace;
border-radius:.25rem;padding:0 .35rem;color:#fff;vertical-align:middle}
.ok{background:var(--ok)}.warn{background:var(--warn)}.fail{background:var(--fail)}.skipped{background:var(--skipped)}
.card{background:var(--card);border:1px solid var(--line);border-left-width:4px;border-radius:.4rem;padding:.75rem 1rem;margin:.75rem 0;
break-inside:avoid}
.card.s-ok{border-left-color:var(--ok)}.card.s-warn{border-left-color:var(--warn)}.card.s-fail{border-left-color:var(--fail)}
.card.s-skipped{border-left-color:var(--skipped)}
ul{margin:.25rem 0;padding-left:1.25rem}li{margin:.15rem 0}
pre,code{font:.8rem/1.45 ui-monospace,SFMono-Regular,Menlo,monospace}
pre{white-space:pre-wrap;word-break:break-word;margin:.25rem 0;padding:.5rem;border:1px solid var(--line);border-radius:.3rem;
max-height:16rem;overflow:auto;background:var(--bg)}
.fix{border-left:3px solid var(--ok);padding-left:.6rem;margin:.5rem 0}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
ol.verdicts>li{margin:.75rem 0}
@media print{:root{--bg:#fff;--fg:#000;--muted:#333;--line:#999;--card:#fff}
body{max-width:none;padding:0;font-size:11pt}pre{max-height:none;overflow:visible}
.badge{color:#000;background:none;border:1px solid #000}h2{break-after:avoid}}
`;

function evidenceHtml(e: Evidence): string {
  const data = e.data && Object.keys(e.data).length > 0 ? `<pre class="data">${esc(JSON.stringify(e.data, null, 2))}</pre>` : '';
  const text = e.text.includes('\n') ? `<pre>${esc(e.text)}</pre>` : esc(e.text);
  return `<li>${text}${data}</li>`;
}

function fixHtml(fix: string | undefined): string {
  if (!fix) return '';
  return fix.includes('\n') ? `<div class="fix"><strong>Fix:</strong><pre>${esc(fix)}</pre></div>` : `<p class="fix"><strong>Fix:</strong> ${esc(fix)}</p>`;
}

function stepHtml(c: CheckResult): string {
  const evidence = c.evidence.length > 0 ? `<ul class="evidence">${c.evidence.map(evidenceHtml).join('')}</ul>` : '';
  return `<section class="card s-${c.status}" id="step-${esc(c.id)}">
<h3><span class="badge ${c.status}">${LABEL[c.status]}</span> ${esc(c.step)}. ${esc(c.title)}</h3>
<p>${c.status === 'skipped' ? `<span class="muted">Skipped:</span> ${esc(c.summary)}` : esc(c.summary)}</p>
${evidence}${fixHtml(c.fix)}</section>`;
}

/** The verdict's place in the chain (ranking.ts): the top cause, another fault ("also"), or a symptom it explains. */
function roleHtml(v: Verdict, i: number): string {
  if (v.role === 'explained') return `explained by <code>${esc((v.explainedBy ?? []).join(', '))}</code>; `;
  if (v.role === 'also') return 'also a fault; ';
  return i === 0 ? 'most likely cause; ' : '';
}

function verdictHtml(v: Verdict, i: number): string {
  return `<li class="verdict" id="verdict-${esc(v.cause)}"><h3><code>${esc(v.cause)}</code>: ${esc(v.title)}</h3>
<p class="meta">${roleHtml(v, i)}confidence <strong>${esc(v.confidence)}</strong>, hop <strong>${esc(v.hop)}</strong>,
from step(s) ${esc(v.checks.join(', '))}</p>
<p>Because:</p><ul class="because">${v.because.map((b) => `<li>${esc(b)}</li>`).join('')}</ul>
${fixHtml(v.fix)}</li>`;
}

function verdictSection(r: DoctorReport): string {
  if (r.verdicts.length > 0) return `<ol class="verdicts">${r.verdicts.map(verdictHtml).join('')}</ol>`;
  if (r.checks.every((c) => c.status === 'skipped')) return '<p>Nothing could be checked (every step was skipped); see each step for what it needs.</p>';
  return `<p>${r.status === 'ok' ? 'No fault found on the checked steps.' : 'Warnings only; no root cause identified.'}</p>`;
}

function fixSection(r: DoctorReport): string {
  const top = r.verdicts[0];
  if (top) return `<p>For the most likely cause, <code>${esc(top.cause)}</code>:</p>${fixHtml(top.fix)}`;
  const steps = r.checks.filter((c) => c.fix);
  if (steps.length === 0) return '<p>Nothing to fix.</p>';
  return `<ul>${steps.map((c) => `<li>Step ${esc(c.step)}: ${esc(c.fix!)}</li>`).join('')}</ul>`;
}

function escalationSection(r: DoctorReport): string {
  const e = r.escalation;
  if (!e) return '<p>No escalation needed: the cause (if any) is on the fleet manager\'s side of the path.</p>';
  // Only http(s) becomes a link: a configured "javascript:" URL stays inert text.
  const policy = e.policyUrl && /^https?:\/\//i.test(e.policyUrl)
    ? `<a href="${esc(e.policyUrl)}">${esc(e.policyUrl)}</a>`
    : e.policyUrl ? `<code>${esc(e.policyUrl)}</code>`
    : 'not configured (pass <code>--escalation-url</code> or set <code>OBSPATH_DOCTOR_ESCALATION_URL</code>)';
  return `<div class="card s-fail"><p><strong>Escalate to the ${esc(e.team)}</strong> (${esc(e.why)}).</p>
<p>Escalation policy: ${policy}</p>
<p>Hand over: this report, the time the failures started, and the verdict above.</p></div>`;
}

/** The whole page. `title` names the page (default: the report's source). */
export function renderHtml(r: DoctorReport, opts: { title?: string } = {}): string {
  const title = opts.title ?? `obspath doctor: ${LABEL[r.status]}: ${r.source.description}`;
  const rows = r.checks.map((c) => `<tr><td>${esc(c.step)}</td><td><a href="#step-${esc(c.id)}">${esc(c.title)}</a></td><td><span class="badge ${c.status}">${LABEL[c.status]}</span></td><td>${esc(c.summary)}</td></tr>`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${esc(title)}</title><style>${CSS}</style></head>
<body>
<header><h1><span class="badge ${r.status}">${LABEL[r.status]}</span> obspath doctor</h1>
<p class="meta">Source: ${esc(r.source.description)}; namespace <code>${esc(r.source.namespace)}</code>${r.environment ? `; environment ${esc(r.environment)}` : ''};
generated <time datetime="${esc(r.generatedAt)}">${esc(r.generatedAt)}</time>; runbook: Observatorium sending status codes other than 2xx.</p></header>
<main>
<section id="summary"><h2>Runbook steps</h2>
<table><thead><tr><th>Step</th><th>Check</th><th>Status</th><th>Summary</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>
<section id="verdict"><h2>Verdict</h2>${verdictSection(r)}</section>
<section id="fix"><h2>Fix</h2>${fixSection(r)}</section>
<section id="escalation"><h2>Escalation</h2>${escalationSection(r)}</section>
<section id="steps"><h2>Steps in detail</h2>${r.checks.map(stepHtml).join('\n')}</section>
</main>
<footer class="muted"><p>obspath doctor report, schema version ${r.schemaVersion}. Secrets are redacted.</p></footer>
</body></html>
`;
}
