// The labels of scraped series, as Prometheus makes them: the target's labels (job, instance, static labels)
// added to every sample; on a name clash the target wins and the exposed value moves to exported_<name>,
// unless honor_labels keeps the exposed value. Empty values mean "no such label" and are dropped later.
import type { ExposedSample } from '../../exposition/parse.js';
import { METRIC_NAME, type Label } from '../labels.js';

/** The target's public labels, sorted: static labels, then job, then instance (= the address unless given). */
export function targetLabels(jobName: string, address: string, staticLabels: Record<string, string>): Label[] {
  const m = new Map<string, string>(Object.entries(staticLabels));
  m.set('job', jobName);
  if (!m.has('instance')) m.set('instance', address);
  return [...m]
    .filter(([name]) => !name.startsWith('__'))
    .map(([name, value]) => ({ name, value }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

const EXPORTED_PREFIX = 'exported_';

/** Exposed values that clashed with target labels, under names free in both sets (shortest names first). */
function resolveConflicts(conflicts: Label[], exposed: Label[], target: Label[]): Label[] {
  conflicts.sort((a, b) => a.name.length - b.name.length);
  const taken = (n: string, i: number) => exposed.some((l) => l.name === n) || target.some((l) => l.name === n) || conflicts.slice(0, i).some((l) => l.name === n);
  return conflicts.map((c, i) => {
    let name = c.name;
    do name = EXPORTED_PREFIX + name;
    while (taken(name, i));
    return { name, value: c.value };
  });
}

/**
 * The stored labels of one exposed sample, or "<reason>" when the exposed labels name one label twice (the
 * scrape then fails, as in Prometheus).
 */
export function sampleLabels(s: ExposedSample, target: readonly Label[], honorLabels: boolean): Label[] | string {
  const exposed: Label[] = [{ name: METRIC_NAME, value: s.name }, ...s.labels];
  if (exposed.length > 1) {
    const names = new Set<string>();
    for (const l of exposed) {
      if (names.has(l.name)) return `label name "${l.name}" is not unique: invalid sample`;
      names.add(l.name);
    }
  }
  const out = exposed.slice();
  if (honorLabels) {
    for (const t of target) if (!exposed.some((l) => l.name === t.name)) out.push(t);
    return out;
  }
  const conflicts: Label[] = [];
  for (const t of target) {
    const i = out.findIndex((l) => l.name === t.name);
    if (i < 0) {
      out.push(t);
      continue;
    }
    if (out[i]!.value !== '') conflicts.push({ ...out[i]! });
    out[i] = t;
  }
  if (conflicts.length > 0) out.push(...resolveConflicts(conflicts, exposed, target as Label[]));
  return out;
}
