// Prints an AST back as PromQL (like Prometheus's Expr.String()); parse(formatExpr(e)) yields an equal AST.

import type { Expr, VectorMatching, VectorSelector } from './ast.js';
import { formatDuration, quoteString } from './lex.js';
import type { LabelMatcher } from '../storage/interface.js';

const LEGACY_LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const LEGACY_METRIC = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
// Words the lexer treats as keywords; as bare metric names they would not parse back as selectors.
const RESERVED = new Set([
  'and', 'or', 'unless', 'atan2', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset',
  'inf', 'nan', 'sum', 'avg', 'min', 'max', 'count', 'group', 'stddev', 'stdvar', 'topk', 'bottomk', 'quantile',
  'count_values', 'limitk', 'limit_ratio',
]);

export function formatLabelName(name: string): string {
  return LEGACY_LABEL.test(name) ? name : quoteString(name);
}

export function formatNumber(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function formatMatcher(m: LabelMatcher): string {
  return `${formatLabelName(m.name)}${m.type}${quoteString(m.value)}`;
}

function formatAt(at: number | null, pre: 'start' | 'end' | null): string {
  if (pre) return ` @ ${pre}()`;
  if (at !== null) return ` @ ${(at / 1000).toFixed(3)}`;
  return '';
}

function formatOffset(offset: number): string {
  return offset === 0 ? '' : ` offset ${formatDuration(offset)}`;
}

function selectorBody(vs: VectorSelector): string {
  let matchers = vs.matchers;
  let name = '';
  let quotedName = '';
  if (vs.name !== null) {
    const idx = matchers.findIndex((m) => m.name === '__name__' && m.type === '=' && m.value === vs.name);
    if (idx >= 0) {
      matchers = matchers.filter((_, i) => i !== idx);
      if (LEGACY_METRIC.test(vs.name) && !RESERVED.has(vs.name.toLowerCase())) name = vs.name;
      else quotedName = quoteString(vs.name);
    }
  }
  const parts = matchers.map(formatMatcher);
  if (quotedName) parts.unshift(quotedName);
  if (name && parts.length === 0) return name;
  return `${name}{${parts.join(', ')}}`;
}

function formatMatching(m: VectorMatching | null): string {
  if (!m) return '';
  let out = '';
  if (m.labels.length > 0 || m.on) out += ` ${m.on ? 'on' : 'ignoring'}(${m.labels.map(formatLabelName).join(', ')})`;
  if (m.card === 'many-to-one' || m.card === 'one-to-many') {
    out += ` ${m.card === 'many-to-one' ? 'group_left' : 'group_right'}`;
    if (m.include.length > 0) out += `(${m.include.map(formatLabelName).join(', ')})`;
  }
  return out;
}

export function formatExpr(e: Expr): string {
  switch (e.type) {
    case 'NumberLiteral':
      return formatNumber(e.value);
    case 'StringLiteral':
      return quoteString(e.value);
    case 'VectorSelector':
      return selectorBody(e) + formatOffset(e.offset) + formatAt(e.at, e.atPreprocessor);
    case 'MatrixSelector':
      return `${selectorBody(e.selector)}[${formatDuration(e.range)}]` + formatOffset(e.selector.offset) + formatAt(e.selector.at, e.selector.atPreprocessor);
    case 'SubqueryExpr':
      return `${formatExpr(e.expr)}[${formatDuration(e.range)}:${e.step ? formatDuration(e.step) : ''}]` + formatOffset(e.offset) + formatAt(e.at, e.atPreprocessor);
    case 'ParenExpr':
      return `(${formatExpr(e.expr)})`;
    case 'UnaryExpr':
      return `${e.op}${formatExpr(e.expr)}`;
    case 'Call':
      return `${e.func}(${e.args.map(formatExpr).join(', ')})`;
    case 'AggregateExpr': {
      let mod = '';
      if (e.without) mod = ` without (${e.grouping.map(formatLabelName).join(', ')}) `;
      else if (e.grouping.length > 0) mod = ` by (${e.grouping.map(formatLabelName).join(', ')}) `;
      const args = e.param ? `${formatExpr(e.param)}, ${formatExpr(e.expr)}` : formatExpr(e.expr);
      return `${e.op}${mod}(${args})`;
    }
    case 'BinaryExpr': {
      const lhs = formatExpr(e.lhs);
      const rhs = formatExpr(e.rhs);
      return `${lhs} ${e.op}${e.returnBool ? ' bool' : ''}${formatMatching(e.matching)} ${rhs}`;
    }
  }
}
