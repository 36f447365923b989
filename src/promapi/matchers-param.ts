// match[] as series selectors, with Prometheus's rules and messages (web/api/v1).
import type { LabelMatcher } from '../storage/interface.js';
import { matchesEmpty } from '../promql/matcher.js';
import { parseExpr } from '../promql/parser.js';
import { ParamError } from './params.js';

/** match[] selectors: each must be a plain vector selector (Prometheus: "invalid parameter "match[]": ..."). */
export function parseMatchers(params: URLSearchParams): LabelMatcher[][] {
  return params.getAll('match[]').map((m) => {
    let expr;
    try {
      expr = parseExpr(m);
    } catch (err) {
      throw new ParamError(`invalid parameter "match[]": ${(err as Error).message}`);
    }
    if (expr.type !== 'VectorSelector') throw new ParamError(`invalid parameter "match[]": 1:1: parse error: expected vector selector, got ${expr.type}`);
    const matchers = expr.matchers as readonly LabelMatcher[];
    if (!matchers.some((x) => !matchesEmpty(x))) {
      throw new ParamError('invalid parameter "match[]": 1:1: parse error: vector selector must contain at least one non-empty matcher');
    }
    return [...matchers];
  });
}
