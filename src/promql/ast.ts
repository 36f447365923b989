// The PromQL abstract syntax tree: our own node types (not lezer's), shaped like Prometheus's promql/parser AST
// so evaluation, type checking and printing can follow Prometheus closely.

import type { LabelMatcher } from '../storage/interface.js';

export type ValueType = 'scalar' | 'vector' | 'matrix' | 'string';

/** Half-open byte range [start, end) in the query text. */
export interface PosRange {
  start: number;
  end: number;
}

export type AggregateOp =
  | 'sum' | 'avg' | 'min' | 'max' | 'count' | 'group' | 'stddev' | 'stdvar'
  | 'topk' | 'bottomk' | 'quantile' | 'count_values' | 'limitk' | 'limit_ratio';

export type ArithmeticOp = '+' | '-' | '*' | '/' | '%' | '^' | 'atan2';
export type ComparisonOp = '==' | '!=' | '>' | '<' | '>=' | '<=';
export type SetOp = 'and' | 'or' | 'unless';
export type BinaryOp = ArithmeticOp | ComparisonOp | SetOp;

/** `@ start()` / `@ end()` before they are resolved against a query's time range. */
export type AtPreprocessor = 'start' | 'end';

export interface NumberLiteral {
  type: 'NumberLiteral';
  value: number;
  pos: PosRange;
}

export interface StringLiteral {
  type: 'StringLiteral';
  value: string;
  pos: PosRange;
}

export interface VectorSelector {
  type: 'VectorSelector';
  /** The metric name when written as `name{...}` (it is also present as a `__name__` matcher). */
  name: string | null;
  matchers: LabelMatcher[];
  /** Offset in ms (may be negative). */
  offset: number;
  /** `@` timestamp in ms, or null. */
  at: number | null;
  atPreprocessor: AtPreprocessor | null;
  pos: PosRange;
}

export interface MatrixSelector {
  type: 'MatrixSelector';
  selector: VectorSelector;
  /** Range in ms. */
  range: number;
  pos: PosRange;
}

export interface SubqueryExpr {
  type: 'SubqueryExpr';
  expr: Expr;
  range: number;
  /** Resolution in ms; 0 means the engine's default (the query step, or 1m for instant queries). */
  step: number;
  offset: number;
  at: number | null;
  atPreprocessor: AtPreprocessor | null;
  pos: PosRange;
}

export interface AggregateExpr {
  type: 'AggregateExpr';
  op: AggregateOp;
  expr: Expr;
  param: Expr | null;
  grouping: string[];
  without: boolean;
  pos: PosRange;
}

export type VectorMatchCardinality = 'one-to-one' | 'many-to-one' | 'one-to-many' | 'many-to-many';

export interface VectorMatching {
  card: VectorMatchCardinality;
  /** Labels of `on(...)` or `ignoring(...)`. */
  labels: string[];
  on: boolean;
  /** Labels of `group_left(...)` / `group_right(...)`. */
  include: string[];
}

export interface BinaryExpr {
  type: 'BinaryExpr';
  op: BinaryOp;
  lhs: Expr;
  rhs: Expr;
  returnBool: boolean;
  /** Null when neither side is a vector. */
  matching: VectorMatching | null;
  pos: PosRange;
}

export interface Call {
  type: 'Call';
  func: string;
  args: Expr[];
  pos: PosRange;
}

export interface UnaryExpr {
  type: 'UnaryExpr';
  op: '-' | '+';
  expr: Expr;
  pos: PosRange;
}

export interface ParenExpr {
  type: 'ParenExpr';
  expr: Expr;
  pos: PosRange;
}

export type Expr =
  | NumberLiteral | StringLiteral | VectorSelector | MatrixSelector | SubqueryExpr
  | AggregateExpr | BinaryExpr | Call | UnaryExpr | ParenExpr;

export const COMPARISON_OPS: ReadonlySet<string> = new Set(['==', '!=', '>', '<', '>=', '<=']);
export const SET_OPS: ReadonlySet<string> = new Set(['and', 'or', 'unless']);

export function isComparisonOp(op: BinaryOp): op is ComparisonOp {
  return COMPARISON_OPS.has(op);
}
export function isSetOp(op: BinaryOp): op is SetOp {
  return SET_OPS.has(op);
}

/** The value type an expression evaluates to (after type checking). */
export function exprType(e: Expr): ValueType {
  switch (e.type) {
    case 'NumberLiteral':
      return 'scalar';
    case 'StringLiteral':
      return 'string';
    case 'VectorSelector':
      return 'vector';
    case 'MatrixSelector':
    case 'SubqueryExpr':
      return 'matrix';
    case 'AggregateExpr':
      return 'vector';
    case 'BinaryExpr':
      return exprType(e.lhs) === 'scalar' && exprType(e.rhs) === 'scalar' ? 'scalar' : 'vector';
    case 'Call':
      return callReturnType(e.func);
    case 'UnaryExpr':
    case 'ParenExpr':
      return exprType(e.expr);
  }
}

// Filled by functions/table.ts at import time; kept here as a hook so ast.ts has no import cycle.
let returnTypeOf: (name: string) => ValueType = () => 'vector';
export function setCallReturnTypeResolver(fn: (name: string) => ValueType): void {
  returnTypeOf = fn;
}
function callReturnType(name: string): ValueType {
  return returnTypeOf(name);
}

/** The direct children of a node, in source order. */
export function children(e: Expr): Expr[] {
  switch (e.type) {
    case 'MatrixSelector':
      return [e.selector];
    case 'SubqueryExpr':
    case 'UnaryExpr':
    case 'ParenExpr':
      return [e.expr];
    case 'AggregateExpr':
      return e.param ? [e.param, e.expr] : [e.expr];
    case 'BinaryExpr':
      return [e.lhs, e.rhs];
    case 'Call':
      return e.args;
    default:
      return [];
  }
}

/** Depth-first pre-order walk; `path` holds the ancestors of `node`. Return false to skip a subtree. */
export function walk(e: Expr, visit: (node: Expr, path: readonly Expr[]) => boolean | void, path: Expr[] = []): void {
  if (visit(e, path) === false) return;
  path.push(e);
  for (const c of children(e)) walk(c, visit, path);
  path.pop();
}

/**
 * Calls `visit` with every vector selector (including those inside range selectors and subqueries). The callback
 * may return a new matcher list, which replaces the selector's matchers (used e.g. to inject tenant matchers).
 */
export function visitSelectors(
  e: Expr,
  visit: (matchers: readonly LabelMatcher[], selector: VectorSelector) => LabelMatcher[] | void,
): void {
  walk(e, (node) => {
    if (node.type === 'VectorSelector') {
      const replaced = visit(node.matchers, node);
      if (replaced) node.matchers = replaced;
    }
  });
}
