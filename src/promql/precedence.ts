// Operator precedence for chains of binary, unary and postfix operators. The lezer grammar does not encode
// Prometheus's precedence for postfix modifiers and signed literals, so the parser flattens such chains into
// source-order tokens and rebuilds the tree here with Prometheus's yacc precedences.

import type { BinaryOp, Expr, VectorMatching } from './ast.js';

export type Tok =
  | { t: 'atom'; e: Expr }
  | { t: 'bin'; op: BinaryOp; returnBool: boolean; matching: VectorMatching }
  | { t: 'un'; op: '-' | '+'; from: number }
  | { t: 'post'; apply: (operand: Expr) => Expr };

export const OPERATOR_NODES = new Set(['BinaryExpr', 'UnaryExpr', 'MatrixSelector', 'SubqueryExpr', 'OffsetExpr', 'StepInvariantExpr']);

// Prometheus's yacc precedences: or < and/unless < comparisons < +,- < *,/,%,atan2 < ^ (right-assoc);
// unary minus binds like `*` (so `-a ^ b` is `-(a ^ b)`), postfix modifiers bind tightest.
const PRECEDENCE: Record<BinaryOp, number> = {
  or: 1, and: 2, unless: 2, '==': 3, '!=': 3, '<=': 3, '<': 3, '>=': 3, '>': 3, '+': 4, '-': 4, '*': 5, '/': 5, '%': 5, atan2: 5, '^': 6,
};

export class OperatorParser {
  private i = 0;
  constructor(private readonly toks: Tok[], private readonly fail: (pos: number, msg: string) => never, private readonly srcLength: number) {}

  done(): boolean {
    return this.i === this.toks.length;
  }

  parseBinary(minPrec: number): Expr {
    let left = this.parseUnary();
    for (;;) {
      const tok = this.toks[this.i];
      if (!tok || tok.t !== 'bin' || PRECEDENCE[tok.op] < minPrec) return left;
      this.i++;
      const prec = PRECEDENCE[tok.op];
      const right = this.parseBinary(tok.op === '^' ? prec : prec + 1);
      left = {
        type: 'BinaryExpr', op: tok.op, lhs: left, rhs: right, returnBool: tok.returnBool,
        matching: { ...tok.matching, labels: [...tok.matching.labels], include: [...tok.matching.include] },
        pos: { start: left.pos.start, end: right.pos.end },
      };
    }
  }

  private parseUnary(): Expr {
    const tok = this.toks[this.i++];
    if (!tok) this.fail(this.srcLength, 'unexpected end of input');
    if (tok.t === 'un') {
      const operand = this.parseBinary(PRECEDENCE['^']);
      const pos = { start: tok.from, end: operand.pos.end };
      if (operand.type === 'NumberLiteral') return { type: 'NumberLiteral', value: tok.op === '-' ? -operand.value : operand.value, pos };
      return { type: 'UnaryExpr', op: tok.op, expr: operand, pos };
    }
    if (tok.t !== 'atom') this.fail(this.srcLength, 'unexpected operator');
    let e = tok.e;
    while (this.toks[this.i]?.t === 'post') e = (this.toks[this.i++] as { apply: (x: Expr) => Expr }).apply(e);
    return e;
  }
}
