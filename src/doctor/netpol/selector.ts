// Kubernetes label-selector semantics (apimachinery labels.SelectorFromSet + LabelSelectorAsSelector):
// all matchLabels and all matchExpressions must hold; an empty selector matches everything.

import type { LabelSelector, LabelSelectorRequirement, Labels } from '../k8s/types.js';

export interface SelectorMismatch {
  /** The requirement that failed, written the way kubectl prints selectors. */
  requirement: string;
  /** Why, against these labels. */
  why: string;
}

export function formatRequirement(r: LabelSelectorRequirement): string {
  const values = (r.values ?? []).join(',');
  switch (r.operator) {
    case 'In': return `${r.key} in (${values})`;
    case 'NotIn': return `${r.key} notin (${values})`;
    case 'Exists': return r.key;
    case 'DoesNotExist': return `!${r.key}`;
    default: return `${r.key} ${r.operator} (${values})`;
  }
}

/** The selector as kubectl prints it ("app=x,tier in (a,b)"); "<all>" for the empty selector. */
export function formatSelector(sel: LabelSelector | undefined): string {
  const parts = [
    ...Object.entries(sel?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`),
    ...(sel?.matchExpressions ?? []).map(formatRequirement),
  ];
  return parts.length === 0 ? '<all>' : parts.join(',');
}

export function formatLabels(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
  return parts.length === 0 ? '<none>' : parts.join(',');
}

function requirementMismatch(r: LabelSelectorRequirement, labels: Labels): string | undefined {
  const has = Object.hasOwn(labels, r.key);
  const value = labels[r.key];
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
      if (!has) return `label ${r.key} is absent`;
      return values.includes(value!) ? undefined : `${r.key}=${value} is not one of (${values.join(',')})`;
    case 'NotIn':
      return has && values.includes(value!) ? `${r.key}=${value} is excluded` : undefined;
    case 'Exists':
      return has ? undefined : `label ${r.key} is absent`;
    case 'DoesNotExist':
      return has ? `label ${r.key} is present (=${value})` : undefined;
    default:
      // The API server rejects unknown operators; a hand-written snapshot might not have been validated.
      return `operator "${r.operator}" is not a valid selector operator`;
  }
}

/** Every requirement of `sel` that `labels` fail; empty when the selector matches. */
export function selectorMismatches(sel: LabelSelector | undefined, labels: Labels): SelectorMismatch[] {
  const out: SelectorMismatch[] = [];
  for (const [k, v] of Object.entries(sel?.matchLabels ?? {})) {
    if (!Object.hasOwn(labels, k)) out.push({ requirement: `${k}=${v}`, why: `label ${k} is absent` });
    else if (labels[k] !== v) out.push({ requirement: `${k}=${v}`, why: `${k}=${labels[k]}` });
  }
  for (const r of sel?.matchExpressions ?? []) {
    const why = requirementMismatch(r, labels);
    if (why) out.push({ requirement: formatRequirement(r), why });
  }
  return out;
}

export function selectorMatches(sel: LabelSelector | undefined, labels: Labels): boolean {
  return selectorMismatches(sel, labels).length === 0;
}
