// The fault catalog with inject / clear buttons: POST and DELETE /api/v1/faults/{name} apply a fault live
// (only the affected component is reconfigured or restarted). One button per fault, its label the action.
import { html, useState } from '{{preact.js}}';
import { call, clock } from './api.js';
import { HOPS } from './diagram.js';

/** The catalog's hop `backend` is the console's `store`. */
export const hopOfFault = (f) => (f.hop === 'backend' ? 'store' : f.hop);

function FaultRow({ fault, busy, onAct }) {
  const verb = fault.active ? 'Clear' : 'Inject';
  const label = busy ? (fault.active ? 'Clearing…' : 'Injecting…') : verb;
  return html`
    <tr class=${fault.active ? 'active' : ''} data-fault=${fault.name} data-active=${fault.active ? 'true' : 'false'}>
      <th scope="row"><code>${fault.name}</code>${fault.active ? html`<span class="badge active-badge">active${fault.since ? ` since ${clock(fault.since)}` : ''}</span>` : null}
        <div class="injects">${fault.injects}</div></th>
      <td>${HOPS[hopOfFault(fault)] || fault.hop}<div class="meta">step ${fault.runbookStep}</div></td>
      <td><span class="meta">code</span> ${fault.fleetCode}${fault.failureReason ? ` (${fault.failureReason})` : ''}
        <div class="meta">${fault.alerts.join(', ')}</div>
        <div class="meta">verdict <code>${fault.verdict}</code></div></td>
      <td><button type="button" class=${fault.active ? 'clear' : 'inject'} disabled=${busy}
        aria-label=${`${verb} ${fault.name}`} onClick=${() => onAct(fault)}>${label}</button></td>
    </tr>`;
}

/** `faults`: GET /api/v1/faults's data.faults; `reload`: re-reads the catalog and the status after a change. */
export function FaultCatalog({ faults, error, reload }) {
  const [busy, setBusy] = useState(null);
  const [message, setMessage] = useState(null);
  const act = async (f) => {
    setBusy(f.name);
    setMessage({ kind: 'info', text: `${f.active ? 'Clearing' : 'Injecting'} ${f.name}…` });
    const r = await call(f.active ? 'DELETE' : 'POST', `/api/v1/faults/${encodeURIComponent(f.name)}`, { timeoutMs: 60_000 });
    setBusy(null);
    setMessage(r.ok ? { kind: 'info', text: `${f.name} ${f.active ? 'cleared' : 'injected'}.` } : { kind: 'error', text: r.error });
    await reload();
  };
  return html`
    <section class="panel faults" id="faults" aria-labelledby="faults-h">
      <h2 id="faults-h">Fault catalog <span class="count">${faults.filter((f) => f.active).length} active</span></h2>
      <p class="meta">Each fault is applied live to the running stack; watch the path, the alerts and the verdict follow.</p>
      <p class=${`fault-msg ${message?.kind || ''}`} role="status" aria-live="polite">${message?.text || ''}</p>
      ${error ? html`<p class="quiet error">${error}</p>` : null}
      <table>
        <thead><tr><th scope="col">Fault</th><th scope="col">Hop</th><th scope="col">Fleet manager sees</th><th scope="col"><span class="sr-only">Action</span></th></tr></thead>
        <tbody>${faults.map((f) => html`<${FaultRow} key=${f.name} fault=${f} busy=${busy === f.name} onAct=${act} />`)}</tbody>
      </table>
    </section>`;
}
