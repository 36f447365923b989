// The side panels: the doctor's latest verdict (evidence chain and fix), the firing and pending alerts with
// their runbook links, and the timeline of what happened (GET /api/v1/events).
import { html } from '{{preact.js}}';
import { ago, clock } from './api.js';
import { HOPS } from './diagram.js';

const CONFIDENCE_TEXT = { confirmed: 'confirmed', likely: 'likely', possible: 'possible' };

function VerdictBody({ report }) {
  const top = report.verdicts.find((v) => v.role === 'top') || report.verdicts[0];
  const others = report.verdicts.filter((v) => v !== top);
  const failing = report.checks.filter((c) => c.status === 'fail' || c.status === 'warn');
  if (!top) {
    return html`<p class="verdict-ok"><span aria-hidden="true">✓ </span>The last run found no fault (status ${report.status}).</p>`;
  }
  return html`
    <div class="verdict-top">
      <p class="verdict-title" role="status"><span class="icon" aria-hidden="true">⚠ </span><strong>${top.title}</strong></p>
      <p class="meta">cause <code>${top.cause}</code> · hop ${HOPS[top.hop] || top.hop} · ${CONFIDENCE_TEXT[top.confidence] || top.confidence}</p>
      <h3>Evidence</h3>
      <ol class="evidence">${top.because.map((b) => html`<li>${b}</li>`)}</ol>
      <h3>Fix</h3>
      <p class="fix">${top.fix}</p>
    </div>
    ${others.length ? html`
      <h3>Also found</h3>
      <ul class="also">${others.map((v) => html`<li><code>${v.cause}</code> (${v.role}${v.explainedBy ? `, explained by ${v.explainedBy.join(', ')}` : ''}): ${v.title}</li>`)}</ul>` : null}
    ${failing.length ? html`
      <details>
        <summary>Runbook checks that failed or warned (${failing.length})</summary>
        <ul class="checks">${failing.map((c) => html`<li><strong>[${c.step}] ${c.title}</strong>: ${c.summary}
          ${c.evidence.length ? html`<ul>${c.evidence.map((e) => html`<li>${e.text}</li>`)}</ul>` : null}</li>`)}</ul>
      </details>` : null}`;
}

/** `report`: the doctor's JSON report, or null when it has none yet; `error`: why it could not be read. */
export function VerdictPanel({ report, error }) {
  const top = report && (report.verdicts.find((v) => v.role === 'top') || report.verdicts[0]);
  return html`
    <section class="panel verdict" aria-labelledby="verdict-h"
             data-verdict-cause=${top ? top.cause : ''} data-generated-at=${report ? report.generatedAt : ''}>
      <h2 id="verdict-h">Doctor's verdict</h2>
      ${report ? html`<p class="meta">Run at ${clock(report.generatedAt)} (${ago(report.generatedAt)}), on a firing alert or by hand.</p>` : null}
      ${report ? html`<${VerdictBody} report=${report} />`
        : html`<p class="quiet">${error || 'No verdict yet: the doctor runs when an alert fires.'}</p>`}
    </section>`;
}

/** `alerts`: GET /api/v1/status's data.alerts ({name, state, since, summary, runbookUrl}). */
/** One entry per alert name and state (an alert fires once per `path` label); `count` series, the earliest `since`. */
function grouped(alerts) {
  const byKey = new Map();
  for (const a of alerts) {
    const key = `${a.state}/${a.name}`;
    const g = byKey.get(key);
    if (!g) byKey.set(key, { ...a, count: 1 });
    else {
      g.count += 1;
      if (a.since && (!g.since || a.since < g.since)) g.since = a.since;
    }
  }
  return [...byKey.values()].sort((a, b) => (a.state === b.state ? a.name.localeCompare(b.name) : a.state === 'firing' ? -1 : 1));
}

export function AlertsPanel({ alerts, error }) {
  const sorted = grouped(alerts);
  return html`
    <section class="panel alerts" aria-labelledby="alerts-h">
      <h2 id="alerts-h">Alerts <span class="count">${sorted.filter((a) => a.state === 'firing').length} firing, ${sorted.filter((a) => a.state === 'pending').length} pending</span></h2>
      ${error ? html`<p class="quiet error">${error}</p>` : null}
      ${!error && sorted.length === 0 ? html`<p class="quiet"><span aria-hidden="true">✓ </span>No alert is firing or pending.</p>` : null}
      <ul class="alert-list">
        ${sorted.map((a) => html`
          <li class=${`alert state-${a.state}`} data-alert=${a.name} data-alert-state=${a.state} data-alert-since=${a.since || ''}>
            <span class="badge"><span class="icon" aria-hidden="true">${a.state === 'firing' ? '●' : '◐'}</span> ${a.state}</span>
            <strong>${a.name}</strong>${a.count > 1 ? html`<span class="meta"> (${a.count} series)</span>` : null}
            ${a.since ? html`<span class="meta"> since ${clock(a.since)}</span>` : null}
            ${a.summary ? html`<p>${a.summary}</p>` : null}
            ${a.runbookUrl ? html`<a href=${a.runbookUrl} target="_blank" rel="noopener noreferrer">Runbook for ${a.name}</a>` : null}
          </li>`)}
      </ul>
    </section>`;
}

const KIND_ICON = {
  start: '▶', 'hop-state': '◆', 'alert-firing': '●', 'alert-resolved': '○', verdict: '⚕', restart: '↻', 'fault-injected': '⚡', 'fault-cleared': '✓',
};

/** `events`: newest last, as GET /api/v1/events returns them; shown newest first. */
export function Timeline({ events, error }) {
  const shown = events.slice(-200).reverse();
  return html`
    <section class="panel timeline" aria-labelledby="timeline-h">
      <h2 id="timeline-h">Timeline</h2>
      ${error ? html`<p class="quiet error">${error}</p>` : null}
      ${!error && shown.length === 0 ? html`<p class="quiet">Nothing has happened yet.</p>` : null}
      <ol class="events">
        ${shown.map((e) => html`
          <li key=${e.seq} class=${`event kind-${e.kind}`} data-kind=${e.kind}>
            <time datetime=${e.ts}>${clock(e.ts)}</time>
            <span class="icon" aria-hidden="true">${KIND_ICON[e.kind] || '•'}</span>
            <span class="kind">${e.kind}</span>
            <span class="text">${e.text}</span>
          </li>`)}
      </ol>
    </section>`;
}
