// /api/v1/rules and /api/v1/alerts answer for the whole backend; only the tenant's own rules and alerts
// (those carrying its tenant label) are passed back.

interface Alert {
  labels?: Record<string, string>;
  [k: string]: unknown;
}
interface Rule {
  labels?: Record<string, string>;
  alerts?: Alert[];
  [k: string]: unknown;
}
interface Group {
  rules?: Rule[];
  [k: string]: unknown;
}

const mine = (labels: Record<string, string> | undefined, label: string, id: string) => labels?.[label] === id;

/** Filters a Prometheus rules or alerts response body; returns null when it is not a success body. */
export function filterRulesBody(kind: 'rules' | 'alerts', body: string, label: string, id: string): string | null {
  let doc: { status?: string; data?: { groups?: Group[]; alerts?: Alert[] } };
  try {
    doc = JSON.parse(body) as typeof doc;
  } catch {
    return null;
  }
  if (doc.status !== 'success' || !doc.data) return null;
  if (kind === 'alerts') {
    doc.data.alerts = (doc.data.alerts ?? []).filter((a) => mine(a.labels, label, id));
  } else {
    doc.data.groups = (doc.data.groups ?? [])
      .map((g) => ({
        ...g,
        rules: (g.rules ?? [])
          .filter((r) => mine(r.labels, label, id))
          .map((r) => (r.alerts ? { ...r, alerts: r.alerts.filter((a) => mine(a.labels, label, id)) } : r)),
      }))
      .filter((g) => g.rules.length > 0);
  }
  return JSON.stringify(doc);
}
