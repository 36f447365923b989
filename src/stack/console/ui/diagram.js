// The path as a diagram: user -> fleet manager -> (network) -> token refresher -> Observatorium API -> store,
// the issuer beside the refresher, the probe beside the API. Each hop shows its state in colour AND in words
// with an icon; its reason shows on hover and on keyboard focus (every hop is focusable).
import { html } from '{{preact.js}}';
import { ago, clock } from './api.js';

/** Hop ids as GET /api/v1/status names them, with the label the diagram shows. */
export const HOPS = {
  user: 'User (dashboard)',
  'fleet-manager': 'Fleet manager',
  network: 'Network',
  'token-refresher': 'Token refresher',
  issuer: 'Issuer (OIDC)',
  api: 'Observatorium API',
  store: 'Store',
  probe: 'Probe',
};

const STATE_TEXT = { ok: 'ok', degraded: 'degraded', down: 'down', unknown: 'unknown' };
const STATE_ICON = { ok: '✓', degraded: '!', down: '✕', unknown: '?' };

function stateOf(hops, id) {
  return hops.find((h) => h.hop === id) || { hop: id, state: 'unknown', reason: 'no status yet' };
}

function Hop({ hop, kind = 'hop', col }) {
  const state = STATE_TEXT[hop.state] ? hop.state : 'unknown';
  const tipId = `tip-${hop.hop}`;
  const since = hop.since ? ` Since ${clock(hop.since)} (${ago(hop.since)}).` : '';
  return html`
    <div class=${`${kind} state-${state} col-${col}`} data-hop=${hop.hop} data-state=${state} tabindex="0"
         aria-label=${`${HOPS[hop.hop] || hop.hop}: ${state}`} aria-describedby=${tipId}>
      <span class="hop-name">${HOPS[hop.hop] || hop.hop}</span>
      <span class="badge"><span class="icon" aria-hidden="true">${STATE_ICON[state]}</span> ${state}</span>
      <span class="tip" role="tooltip" id=${tipId}>${hop.reason || 'no reason given'}${since}</span>
    </div>`;
}

const Arrow = ({ label, col, up }) => html`<div class=${`${up ? 'arrow-up' : 'arrow'} col-${col}`} aria-hidden="true"><span>${label}</span></div>`;

/**
 * The diagram, one grid: the path on the first row (the network link between the fleet manager and the
 * refresher), the issuer under the refresher and the probe under the API. DOM order is the focus order.
 * `hops` is GET /api/v1/status's data.hops.
 */
export function PathDiagram({ hops }) {
  const h = (id) => stateOf(hops, id);
  return html`
    <div class="path" role="group" aria-label="The metrics path, hop by hop">
      <${Hop} hop=${h('user')} col="1" />
      <${Arrow} label="reads" col="2" />
      <${Hop} hop=${h('fleet-manager')} col="3" />
      <${Hop} hop=${h('network')} kind="link" col="4" />
      <${Hop} hop=${h('token-refresher')} col="5" />
      <${Arrow} label="token + query" col="6" />
      <${Hop} hop=${h('api')} col="7" />
      <${Arrow} label="read / write" col="8" />
      <${Hop} hop=${h('store')} col="9" />
      <${Arrow} label="tokens" col="5" up />
      <${Hop} hop=${h('issuer')} col="5" />
      <${Arrow} label="write, read back" col="7" up />
      <${Hop} hop=${h('probe')} col="7" />
    </div>`;
}

/** One line over the diagram: how many hops are not ok. */
export function pathSummary(hops) {
  const bad = hops.filter((x) => x.state === 'down' || x.state === 'degraded');
  if (hops.length === 0) return 'no status yet';
  if (bad.length === 0) return `all ${hops.length} hops ok`;
  return `${bad.length} of ${hops.length} hops not ok: ${bad.map((x) => `${HOPS[x.hop] || x.hop} ${x.state}`).join(', ')}`;
}
