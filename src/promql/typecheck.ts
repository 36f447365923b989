// Type checking of a parsed expression, with Prometheus's checkAST rules and error messages.

import { exprType, isComparisonOp, isSetOp, type BinaryExpr, type Call, type Expr, type PosRange, type ValueType } from './ast.js';
import { PromQLParseError } from './errors.js';
import { FUNCTION_SIGNATURES } from './functions/signatures.js';
import { matchesEmpty } from './matcher.js';

/** Prometheus's user-facing names of value types. */
export function documentedType(t: ValueType): string {
  switch (t) {
    case 'vector':
      return 'instant vector';
    case 'matrix':
      return 'range vector';
    default:
      return t;
  }
}

/** Checks types below `e` (children first, like Prometheus); throws the first error. Normalises `matching`. */
export function checkAST(e: Expr, src: string): ValueType {
  switch (e.type) {
    case 'NumberLiteral':
    case 'StringLiteral':
      break;
    case 'ParenExpr':
      checkAST(e.expr, src);
      break;
    case 'UnaryExpr': {
      const t = checkAST(e.expr, src);
      if (t !== 'scalar' && t !== 'vector') {
        fail(src, e.pos, `unary expression only allowed on expressions of type scalar or instant vector, got ${JSON.stringify(documentedType(t))}`);
      }
      break;
    }
    case 'VectorSelector': {
      if (!e.matchers.some((m) => !matchesEmpty(m))) fail(src, e.pos, 'vector selector must contain at least one non-empty matcher');
      const names = e.matchers.filter((m) => m.name === '__name__' && m.type === '=');
      if (e.name !== null && names.length > 1) {
        fail(src, e.pos, `metric name must not be set twice: ${JSON.stringify(e.name)} or ${JSON.stringify(names[1]!.value)}`);
      }
      break;
    }
    case 'MatrixSelector':
      checkAST(e.selector, src);
      break;
    case 'SubqueryExpr': {
      const t = checkAST(e.expr, src);
      if (t !== 'vector') fail(src, e.pos, `subquery is only allowed on instant vector, got ${documentedType(t)} instead`);
      break;
    }
    case 'AggregateExpr':
      expectType(e.expr, 'vector', 'aggregation expression', src);
      if (e.param) {
        if (e.op === 'count_values') expectType(e.param, 'string', 'aggregation parameter', src);
        else expectType(e.param, 'scalar', 'aggregation parameter', src);
      }
      break;
    case 'Call':
      checkCall(e, src);
      break;
    case 'BinaryExpr':
      checkBinary(e, src);
      break;
  }
  return exprType(e);
}

function fail(src: string, pos: PosRange, msg: string): never {
  throw new PromQLParseError(src, pos, msg);
}

/** Checks `node` and fails unless it has type `want`. */
function expectType(node: Expr, want: ValueType, context: string, src: string): void {
  const t = checkAST(node, src);
  if (t !== want) fail(src, node.pos, `expected type ${documentedType(want)} in ${context}, got ${documentedType(t)}`);
}

/** A function call: arity first, then each argument against the signature (variadic ones repeat the last type). */
function checkCall(e: Call, src: string): void {
  const sig = FUNCTION_SIGNATURES.get(e.func)!;
  const nargs = sig.argTypes.length;
  if (sig.variadic === 0) {
    if (nargs !== e.args.length) fail(src, e.pos, `expected ${nargs} argument(s) in call to ${JSON.stringify(e.func)}, got ${e.args.length}`);
  } else {
    const na = nargs - 1;
    if (na > e.args.length) fail(src, e.pos, `expected at least ${na} argument(s) in call to ${JSON.stringify(e.func)}, got ${e.args.length}`);
    const max = na + sig.variadic;
    if (sig.variadic > 0 && max < e.args.length) fail(src, e.pos, `expected at most ${max} argument(s) in call to ${JSON.stringify(e.func)}, got ${e.args.length}`);
  }
  e.args.forEach((arg, i) => {
    let idx = i;
    if (idx >= nargs) {
      if (sig.variadic === 0) return;
      idx = nargs - 1;
    }
    expectType(arg, sig.argTypes[idx]!, `call to function ${JSON.stringify(e.func)}`, src);
  });
}

/** A binary expression: operand types, bool/matching modifiers; drops `matching` unless both sides are vectors. */
function checkBinary(e: BinaryExpr, src: string): void {
  const lt = checkAST(e.lhs, src);
  const rt = checkAST(e.rhs, src);
  const opPos = operatorRange(e, src);
  if (e.returnBool && !isComparisonOp(e.op)) fail(src, opPos, 'bool modifier can only be used on comparison operators');
  if (isComparisonOp(e.op) && !e.returnBool && lt === 'scalar' && rt === 'scalar') fail(src, opPos, 'comparisons between scalars must use BOOL modifier');
  const m = e.matching;
  if (m && m.on) {
    for (const l of m.labels) {
      if (m.include.includes(l)) fail(src, opPos, `label ${JSON.stringify(l)} must not occur in ON and GROUP clause at once`);
    }
  }
  if (lt !== 'scalar' && lt !== 'vector') fail(src, e.lhs.pos, 'binary expression must contain only scalar and instant vector types');
  if (rt !== 'scalar' && rt !== 'vector') fail(src, e.rhs.pos, 'binary expression must contain only scalar and instant vector types');
  if ((lt !== 'vector' || rt !== 'vector') && m) {
    if (m.labels.length > 0) fail(src, e.pos, 'vector matching only allowed between instant vectors');
    e.matching = null;
  } else if (isSetOp(e.op) && m) {
    if (m.card === 'one-to-many' || m.card === 'many-to-one') fail(src, opPos, `no grouping allowed for ${JSON.stringify(e.op)} operation`);
    if (m.card !== 'many-to-many') fail(src, opPos, 'set operations must always be many-to-many');
  }
  if ((lt === 'scalar' || rt === 'scalar') && isSetOp(e.op)) fail(src, opPos, `set operator ${JSON.stringify(e.op)} not allowed in binary scalar expression`);
}

/** The operator's range (Prometheus's opRange): between the operands, whitespace trimmed. */
function operatorRange(e: BinaryExpr, src: string): PosRange {
  let opStart = e.lhs.pos.end;
  while (opStart < e.rhs.pos.start && /\s/.test(src[opStart]!)) opStart++;
  return { start: opStart, end: e.rhs.pos.start };
}
