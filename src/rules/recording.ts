// A recording rule (rules/recording.go): the expression's result, renamed to the rule's name with the rule's
// labels applied, is written back as new series.
import { labelsKey, setLabel } from '../promql/value.js';
import { RuleEvalError, type RuleSample } from './alerting.js';
import type { RecordingRuleSpec } from './file.js';

export class RecordingRule {
  readonly kind = 'recording';

  constructor(readonly spec: RecordingRuleSpec) {}

  get name(): string {
    return this.spec.name;
  }

  /** The samples to record from the expression's result; throws on a label collision or past `limit`. */
  eval(result: readonly RuleSample[], limit = 0): RuleSample[] {
    const seen = new Set<string>();
    const out: RuleSample[] = [];
    for (const s of result) {
      let labels = setLabel(s.labels, '__name__', this.spec.name);
      for (const [k, v] of Object.entries(this.spec.labels)) labels = setLabel(labels, k, v);
      const key = labelsKey(labels);
      if (seen.has(key)) throw new RuleEvalError('vector contains metrics with the same labelset after applying rule labels');
      seen.add(key);
      out.push({ labels, value: s.value });
    }
    if (limit > 0 && out.length > limit) throw new RuleEvalError(`exceeded limit of ${limit} with ${out.length} series`);
    return out;
  }
}
