// Label matcher predicates, shared by the engine, the in-memory test querier and the embedded store.
// A missing label matches like the empty string (Prometheus semantics).

import { compileLabelRegex, type ValuePredicate } from './regex.js';
import type { Label, LabelMatcher, Labels } from '../storage/interface.js';

export type { ValuePredicate };

/** A predicate over a label value for one matcher. Throws RegexError for a regex that is not valid RE2. */
export function compileMatcher(m: LabelMatcher): ValuePredicate {
  switch (m.type) {
    case '=': {
      const v = m.value;
      return (s) => s === v;
    }
    case '!=': {
      const v = m.value;
      return (s) => s !== v;
    }
    case '=~':
      return compileLabelRegex(m.value);
    case '!~': {
      const re = compileLabelRegex(m.value);
      return (s) => !re(s);
    }
  }
}

/** True when the matcher accepts the empty string (i.e. also matches series without the label). */
export function matchesEmpty(m: LabelMatcher): boolean {
  return compileMatcher(m)('');
}

function labelValue(labels: Labels, name: string): string {
  for (let i = 0; i < labels.length; i++) {
    const l: Label = labels[i]!;
    if (l.name === name) return l.value;
  }
  return '';
}

/** Compiles all matchers into one label-set predicate. */
export function compileMatchers(matchers: readonly LabelMatcher[]): (labels: Labels) => boolean {
  const preds = matchers.map((m) => ({ name: m.name, pred: compileMatcher(m) }));
  return (labels) => {
    for (let i = 0; i < preds.length; i++) {
      const p = preds[i]!;
      if (!p.pred(labelValue(labels, p.name))) return false;
    }
    return true;
  };
}
