// Prometheus's Expr.Pretty(0) (promql/parser/prettier.go), what /api/v1/format_query answers: a node
// whose one-line form is longer than 100 characters is split, its children one level deeper.
import type { Expr } from '../promql/ast.js';
import { formatExpr, formatLabelName } from '../promql/format.js';

const MAX_LINE = 100;
const indent = (level: number) => '  '.repeat(level);

/** The text between the two operands of a binary expression: op, bool, on/ignoring, group_left/right. */
function binaryMiddle(e: Extract<Expr, { type: 'BinaryExpr' }>): string {
  const full = formatExpr(e);
  const lhs = formatExpr(e.lhs);
  const rhs = formatExpr(e.rhs);
  return full.slice(lhs.length + 1, full.length - rhs.length - 1);
}

/** `sum by (a) ` / `sum without (a) ` / `sum`: what comes before the opening parenthesis. */
function aggregatePrefix(e: Extract<Expr, { type: 'AggregateExpr' }>): string {
  const labels = e.grouping.map(formatLabelName).join(', ');
  if (e.without) return `${e.op} without (${labels}) `;
  return e.grouping.length > 0 ? `${e.op} by (${labels}) ` : e.op;
}

export function prettyExpr(e: Expr, level = 0): string {
  const oneLine = formatExpr(e);
  const split = oneLine.length > MAX_LINE;
  switch (e.type) {
    case 'AggregateExpr': {
      if (!split) return indent(level) + oneLine;
      const param = e.param ? `${prettyExpr(e.param, level + 1)},\n` : '';
      return `${indent(level)}${aggregatePrefix(e)}(\n${param}${prettyExpr(e.expr, level + 1)}\n${indent(level)})`;
    }
    case 'BinaryExpr':
      if (!split) return indent(level) + oneLine;
      return `${prettyExpr(e.lhs, level + 1)}\n${indent(level)}${binaryMiddle(e)}\n${prettyExpr(e.rhs, level + 1)}`;
    case 'Call':
      if (!split) return indent(level) + oneLine;
      return `${indent(level)}${e.func}(\n${e.args.map((a) => prettyExpr(a, level + 1)).join(',\n')}\n${indent(level)})`;
    case 'ParenExpr':
      if (!split) return indent(level) + oneLine;
      return `${indent(level)}(\n${prettyExpr(e.expr, level + 1)}\n${indent(level)})`;
    case 'SubqueryExpr':
      // As Prometheus: no indent of its own when it fits on a line.
      if (!split) return oneLine;
      return prettyExpr(e.expr, level) + oneLine.slice(formatExpr(e.expr).length);
    case 'UnaryExpr':
      return `${indent(level)}${e.op}${prettyExpr(e.expr, level).trim()}`;
    default:
      return indent(level) + oneLine;
  }
}
