// PromQL text → our AST, using @prometheus-io/lezer-promql for the syntax tree. Lezer never throws; we report its
// error nodes (and lexical problems found by our own scan) as positioned PromQLParseErrors in Prometheus's wording,
// then type-check (typecheck.ts).
//
// Two places where the lezer grammar's tree differs from Prometheus's, which we repair while building:
//  * postfix operators (`[5m]`, `[5m:1m]`, `offset`, `@`) bind to the rightmost operand, not to a whole binary or
//    unary expression (`a + b[5m]` is `a + (b[5m])`);
//  * a signed number literal (`-2`) is a unary minus in Prometheus, so `-2 ^ 2` is `-(2 ^ 2)`.

import { parser } from '@prometheus-io/lezer-promql';
import type {
  AggregateOp, AtPreprocessor, BinaryOp, Expr, MatrixSelector, NumberLiteral, PosRange, SubqueryExpr, VectorMatching, VectorSelector,
} from './ast.js';
import { NO_EXPRESSION, PromQLParseError } from './errors.js';
import { describeTokenAt, findLexicalError, LexError, parseDuration, parseNumber, unquoteString } from './lex.js';
import { FUNCTION_SIGNATURES } from './functions/signatures.js';
import { compileMatcher } from './matcher.js';
import { RegexError } from './regex.js';
import type { LabelMatcher, MatchType } from '../storage/interface.js';
import { checkAST } from './typecheck.js';
import { OPERATOR_NODES, OperatorParser, type Tok } from './precedence.js';

type Tree = ReturnType<typeof parser.parse>;
type SyntaxNode = Tree['topNode'];

export interface ParseOptions {
  /** Allow experimental functions and aggregations (limitk, limit_ratio, sort_by_label, mad_over_time, ...). Default true. */
  enableExperimentalFunctions?: boolean;
}

const EXPR_NODES = new Set([
  'AggregateExpr', 'BinaryExpr', 'FunctionCall', 'MatrixSelector', 'NumberDurationLiteral', 'OffsetExpr', 'ParenExpr',
  'StringLiteral', 'SubqueryExpr', 'UnaryExpr', 'VectorSelector', 'StepInvariantExpr', 'AnchoredExpr', 'SmoothedExpr',
]);

const BINARY_OPS: Record<string, BinaryOp> = {
  Pow: '^', Mul: '*', Div: '/', Mod: '%', Atan2: 'atan2', Add: '+', Sub: '-', Eql: '==', Gte: '>=', Gtr: '>', Lte: '<=',
  Lss: '<', Neq: '!=', And: 'and', Unless: 'unless', Or: 'or',
};
const MATCH_OPS: Record<string, MatchType> = { EqlSingle: '=', Neq: '!=', EqlRegex: '=~', NeqRegex: '!~' };
const PARAM_AGGREGATIONS = new Set(['topk', 'bottomk', 'quantile', 'count_values', 'limitk', 'limit_ratio']);
const EXPERIMENTAL_AGGREGATIONS = new Set(['limitk', 'limit_ratio']);

class Builder {
  /** Literals written with a sign (`-2`), which Prometheus parses as unary expressions. */
  constructor(readonly src: string, readonly opts: Required<ParseOptions>) {}

  fail(pos: PosRange | number, msg: string): never {
    const p = typeof pos === 'number' ? { start: pos, end: pos } : pos;
    throw new PromQLParseError(this.src, p, msg);
  }
  text(n: SyntaxNode): string {
    return this.src.slice(n.from, n.to);
  }
  pos(n: SyntaxNode): PosRange {
    return { start: n.from, end: n.to };
  }
  kids(n: SyntaxNode): SyntaxNode[] {
    const out: SyntaxNode[] = [];
    for (let c = n.firstChild; c; c = c.nextSibling) out.push(c);
    return out;
  }
  exprKids(n: SyntaxNode): SyntaxNode[] {
    return this.kids(n).filter((c) => EXPR_NODES.has(c.name));
  }
  string(n: SyntaxNode): string {
    try {
      return unquoteString(this.text(n), n.from);
    } catch (err) {
      if (err instanceof LexError) this.fail(err.pos, err.message);
      throw err;
    }
  }

  /** Builds an expression; operator chains are re-parsed with Prometheus's precedence (see file comment). */
  expr(n: SyntaxNode): Expr {
    if (OPERATOR_NODES.has(n.name) || (n.name === 'NumberDurationLiteral' && /^[+-]/.test(this.text(n)))) {
      const toks: Tok[] = [];
      this.flatten(n, toks);
      const p = new OperatorParser(toks, (pos, msg) => this.fail(pos, msg), this.src.length);
      const e = p.parseBinary(0);
      if (!p.done()) this.fail(this.pos(n), `unexpected ${describeTokenAt(this.src, n.from)}`);
      return e;
    }
    return this.atom(n);
  }

  /** Source-order tokens of an operator chain: operands, binary and unary operators, postfix modifiers. */
  flatten(n: SyntaxNode, out: Tok[]): void {
    switch (n.name) {
      case 'BinaryExpr': {
        const [l, r] = this.exprKids(n);
        this.flatten(l!, out);
        out.push(this.binaryToken(n));
        this.flatten(r!, out);
        return;
      }
      case 'UnaryExpr':
        out.push({ t: 'un', op: this.text(n.getChild('UnaryOp')!) as '-' | '+', from: n.from });
        this.flatten(this.exprKids(n)[0]!, out);
        return;
      case 'NumberDurationLiteral': {
        const t = this.text(n);
        const m = /^([+-])\s*/.exec(t);
        if (m) {
          out.push({ t: 'un', op: m[1] as '-' | '+', from: n.from });
          out.push({ t: 'atom', e: this.number(t.slice(m[0].length), { start: n.from + m[0].length, end: n.to }) });
        } else out.push({ t: 'atom', e: this.atom(n) });
        return;
      }
      case 'MatrixSelector':
        this.flatten(this.exprKids(n)[0]!, out);
        out.push({ t: 'post', apply: this.matrixSelector(n) });
        return;
      case 'SubqueryExpr':
        this.flatten(this.exprKids(n)[0]!, out);
        out.push({ t: 'post', apply: this.subquery(n) });
        return;
      case 'OffsetExpr':
        this.flatten(this.exprKids(n)[0]!, out);
        out.push({ t: 'post', apply: this.offset(n) });
        return;
      case 'StepInvariantExpr':
        this.flatten(this.exprKids(n)[0]!, out);
        out.push({ t: 'post', apply: this.at(n) });
        return;
      default:
        out.push({ t: 'atom', e: this.atom(n) });
    }
  }

  number(t: string, pos: PosRange): NumberLiteral {
    const v = parseNumber(t);
    if (v === null) this.fail(pos, `bad number or duration syntax: "${t}"`);
    return { type: 'NumberLiteral', value: v, pos };
  }

  atom(n: SyntaxNode): Expr {
    switch (n.name) {
      case 'NumberDurationLiteral':
        return this.number(this.text(n).replace(/\s+/g, ''), this.pos(n));
      case 'StringLiteral':
        return { type: 'StringLiteral', value: this.string(n), pos: this.pos(n) };
      case 'ParenExpr':
        return { type: 'ParenExpr', expr: this.expr(this.exprKids(n)[0]!), pos: this.pos(n) };
      case 'VectorSelector':
        return this.vectorSelector(n);
      case 'FunctionCall':
        return this.call(n);
      case 'AggregateExpr':
        return this.aggregate(n);
      case 'AnchoredExpr':
      case 'SmoothedExpr':
        this.fail(this.pos(n), `${n.name === 'AnchoredExpr' ? 'anchored' : 'smoothed'} modifier is not supported`);
      // falls through (fail never returns)
      default:
        if (OPERATOR_NODES.has(n.name)) return this.expr(n);
        this.fail(this.pos(n), `unexpected ${describeTokenAt(this.src, n.from)}`);
    }
  }

  vectorSelector(n: SyntaxNode): VectorSelector {
    const matchers: LabelMatcher[] = [];
    let name: string | null = null;
    const id = n.getChild('Identifier');
    if (id) {
      name = this.text(id);
      matchers.push({ type: '=', name: '__name__', value: name });
    }
    const lm = n.getChild('LabelMatchers');
    if (lm) {
      for (const m of this.kids(lm)) {
        if (m.name === 'QuotedLabelName') {
          const v = this.string(m.firstChild!);
          if (name !== null) this.fail(this.pos(m), `metric name must not be set twice: ${JSON.stringify(name)} or ${JSON.stringify(v)}`);
          name = v;
          matchers.push({ type: '=', name: '__name__', value: v });
          continue;
        }
        if (m.name !== 'UnquotedLabelMatcher' && m.name !== 'QuotedLabelMatcher') continue;
        const ln = m.firstChild!;
        const label = ln.name === 'LabelName' ? this.text(ln) : this.string(ln.firstChild!);
        const opNode = m.getChild('MatchOp')?.firstChild;
        const valNode = m.getChild('StringLiteral');
        if (!opNode || !valNode) this.fail(this.pos(m), `unexpected ${describeTokenAt(this.src, m.to)} in label matching, expected string`);
        const matcher: LabelMatcher = { type: MATCH_OPS[opNode.name]!, name: label, value: this.string(valNode) };
        if (matcher.type === '=~' || matcher.type === '!~') {
          try {
            compileMatcher(matcher);
          } catch (err) {
            if (err instanceof RegexError) this.fail(this.pos(valNode), err.message);
            throw err;
          }
        }
        if (label === '__name__' && matcher.type === '=' && name !== null && id) {
          this.fail(this.pos(m), `metric name must not be set twice: ${JSON.stringify(name)} or ${JSON.stringify(matcher.value)}`);
        }
        matchers.push(matcher);
      }
    }
    return { type: 'VectorSelector', name, matchers, offset: 0, at: null, atPreprocessor: null, pos: this.pos(n) };
  }

  duration(n: SyntaxNode): number {
    const ms = this.durationValue(n);
    if (!Number.isSafeInteger(ms)) this.fail(this.pos(n), 'duration out of range');
    return ms;
  }
  durationValue(n: SyntaxNode): number {
    const kids = this.kids(n);
    if (n.name === 'NumberDurationLiteralInDurationContext') {
      const t = this.text(n);
      const d = parseDuration(t);
      if (d !== null) return d;
      const v = parseNumber(t);
      if (v === null || !Number.isFinite(v)) this.fail(this.pos(n), `bad number or duration syntax: "${t}"`);
      return Math.round(v * 1000);
    }
    if (kids.length === 1) return this.durationValue(kids[0]!);
    this.fail(this.pos(n), 'experimental duration expressions are not supported');
  }

  matrixSelector(n: SyntaxNode): (operand: Expr) => Expr {
    const range = this.duration(n.getChild('DurationExpr')!);
    return (operand) => {
      if (operand.type !== 'VectorSelector') this.fail({ start: operand.pos.start, end: n.to }, 'ranges only allowed for vector selectors');
      if (operand.offset !== 0 || operand.at !== null || operand.atPreprocessor !== null) {
        this.fail({ start: operand.pos.start, end: n.to }, 'no offset modifiers allowed before range');
      }
      if (range <= 0) this.fail({ start: operand.pos.start, end: n.to }, `range must be greater than 0, got ${range}ms`);
      const m: MatrixSelector = { type: 'MatrixSelector', selector: operand, range, pos: { start: operand.pos.start, end: n.to } };
      return m;
    };
  }

  subquery(n: SyntaxNode): (operand: Expr) => Expr {
    const durs = n.getChildren('DurationExpr');
    const range = this.duration(durs[0]!);
    const step = durs[1] ? this.duration(durs[1]) : 0;
    return (operand) => {
      const pos = { start: operand.pos.start, end: n.to };
      if (range <= 0) this.fail(pos, `subquery range must be greater than 0, got ${range}ms`);
      if (step < 0) this.fail(pos, 'step must be positive');
      const sq: SubqueryExpr = { type: 'SubqueryExpr', expr: operand, range, step, offset: 0, at: null, atPreprocessor: null, pos };
      return sq;
    };
  }

  offset(n: SyntaxNode): (operand: Expr) => Expr {
    let d = n.getChild('OffsetDurationExpr')!;
    let sign = 1;
    for (;;) {
      const op = d.getChild('UnaryOp');
      if (!op) break;
      if (this.text(op) === '-') sign = -sign;
      d = d.getChild('OffsetDurationExpr')!;
    }
    const dk = this.kids(d);
    const ms = sign * (dk.length === 1 ? this.durationValue(dk[0]!) : this.durationValue(d));
    return (operand) => {
      const target = operand.type === 'MatrixSelector' ? operand.selector : operand;
      if (target.type !== 'VectorSelector' && target.type !== 'SubqueryExpr') {
        this.fail({ start: operand.pos.start, end: n.to }, 'offset modifier must be preceded by an instant vector selector or range vector selector or a subquery');
      }
      if (target.offset !== 0) this.fail({ start: operand.pos.start, end: n.to }, 'offset may not be set multiple times');
      target.offset = ms;
      return { ...operand, pos: { start: operand.pos.start, end: n.to } } as Expr;
    };
  }

  at(n: SyntaxNode): (operand: Expr) => Expr {
    let at: number | null = null;
    let pre: AtPreprocessor | null = null;
    const num = n.getChild('NumberDurationLiteral');
    if (num) {
      const v = parseNumber(this.text(num));
      if (v === null || !Number.isFinite(v)) this.fail(this.pos(num), `timestamp out of bounds for @ modifier: ${this.text(num)}`);
      at = Math.round(v * 1000);
    } else {
      pre = n.getChild('AtModifierPreprocessors')!.firstChild!.name === 'AtStart' ? 'start' : 'end';
    }
    return (operand) => {
      const target = operand.type === 'MatrixSelector' ? operand.selector : operand;
      if (target.type !== 'VectorSelector' && target.type !== 'SubqueryExpr') {
        this.fail({ start: operand.pos.start, end: n.to }, '@ modifier must be preceded by an instant vector selector or range vector selector or a subquery');
      }
      if (target.at !== null || target.atPreprocessor !== null) this.fail({ start: operand.pos.start, end: n.to }, '@ <timestamp> may not be set multiple times');
      target.at = at;
      target.atPreprocessor = pre;
      return { ...operand, pos: { start: operand.pos.start, end: n.to } } as Expr;
    };
  }

  call(n: SyntaxNode): Expr {
    const name = this.text(n.getChild('FunctionIdentifier')!);
    const sig = FUNCTION_SIGNATURES.get(name);
    if (!sig) this.fail(this.pos(n), `unknown function with name ${JSON.stringify(name)}`);
    if (sig.experimental && !this.opts.enableExperimentalFunctions) this.fail(this.pos(n), `function ${JSON.stringify(name)} is not enabled`);
    const body = n.getChild('FunctionCallBody')!;
    const args = this.exprKids(body).map((c) => this.expr(c));
    return { type: 'Call', func: name, args, pos: this.pos(n) };
  }

  groupingLabels(n: SyntaxNode): string[] {
    return this.kids(n)
      .filter((c) => c.name === 'LabelName' || c.name === 'QuotedLabelName')
      .map((c) => (c.name === 'LabelName' ? this.text(c) : this.string(c.firstChild!)));
  }

  aggregate(n: SyntaxNode): Expr {
    const op = this.text(n.getChild('AggregateOp')!).toLowerCase() as AggregateOp;
    if (EXPERIMENTAL_AGGREGATIONS.has(op) && !this.opts.enableExperimentalFunctions) {
      this.fail(this.pos(n), 'limitk() and limit_ratio() are experimental and must be enabled with --enable-feature=promql-experimental-functions');
    }
    const mod = n.getChild('AggregateModifier');
    let grouping: string[] = [];
    let without = false;
    if (mod) {
      without = mod.getChild('Without') !== null;
      grouping = this.groupingLabels(mod.getChild('GroupingLabels')!);
    }
    const body = n.getChild('FunctionCallBody')!;
    const args = this.exprKids(body).map((c) => this.expr(c));
    const want = PARAM_AGGREGATIONS.has(op) ? 2 : 1;
    if (args.length === 0) this.fail(this.pos(n), 'no arguments for aggregate expression provided');
    if (args.length !== want) {
      this.fail(this.pos(n), `wrong number of arguments for aggregate expression provided, expected ${want}, got ${args.length}`);
    }
    return {
      type: 'AggregateExpr', op, expr: args[want - 1]!, param: want === 2 ? args[0]! : null, grouping, without, pos: this.pos(n),
    };
  }

  binaryToken(n: SyntaxNode): Tok {
    const opNode = this.kids(n).find((c) => c.name in BINARY_OPS || c.name === 'TrimUpper' || c.name === 'TrimLower')!;
    if (!(opNode.name in BINARY_OPS)) this.fail(this.pos(opNode), `operator ${JSON.stringify(this.text(opNode))} is not supported`);
    if (n.getChild('FillModifier')) this.fail(this.pos(n.getChild('FillModifier')!), 'fill modifiers are not supported');
    const op = BINARY_OPS[opNode.name]!;
    const returnBool = n.getChild('BoolModifier') !== null;
    const matching: VectorMatching = { card: 'one-to-one', labels: [], on: false, include: [] };
    const mm = n.getChild('MatchingModifierClause');
    if (mm) {
      const lists = mm.getChildren('GroupingLabels');
      matching.on = mm.getChild('On') !== null;
      matching.labels = this.groupingLabels(lists[0]!);
      if (mm.getChild('GroupLeft')) matching.card = 'many-to-one';
      if (mm.getChild('GroupRight')) matching.card = 'one-to-many';
      if (lists[1]) matching.include = this.groupingLabels(lists[1]);
    }
    if ((op === 'and' || op === 'or' || op === 'unless') && matching.card === 'one-to-one') matching.card = 'many-to-many';
    return { t: 'bin', op, returnBool, matching };
  }
}

function firstErrorNode(top: SyntaxNode): SyntaxNode | null {
  let found: SyntaxNode | null = null;
  const cursor = top.cursor();
  do {
    if (cursor.type.isError) {
      found = cursor.node;
      break;
    }
  } while (cursor.next());
  return found;
}

/** Parses a PromQL expression. Throws PromQLParseError (Prometheus-style message and position). */
export function parseExpr(src: string, options: ParseOptions = {}): Expr {
  return exprFromTree(src, null, options);
}

/**
 * parseExpr for a caller that already holds lezer's tree of `src` (`parser.parse(src)`, as tenant enforcement
 * does): the same checks and result, without parsing the text again.
 */
export function exprFromTree(src: string, tree: Tree | null, options: ParseOptions = {}): Expr {
  const opts: Required<ParseOptions> = { enableExperimentalFunctions: options.enableExperimentalFunctions ?? true };
  const lexErr = findLexicalError(src);
  if (lexErr) throw new PromQLParseError(src, { start: lexErr.pos, end: lexErr.end }, lexErr.message);
  if (src.trim() === '' || /^(\s|#[^\n]*)*$/.test(src)) throw new PromQLParseError(src, { start: 0, end: src.length }, NO_EXPRESSION);
  // Go accepts `1.` as a number, lezer does not: blank out such trailing dots (same length keeps positions).
  // A given tree is of the text as written, so it serves only when there is nothing to blank.
  const text = blankTrailingDots(src);
  const top = (tree !== null && text === src ? tree : parser.parse(text)).topNode;
  const err = firstErrorNode(top);
  if (err) throw syntaxError(src, err);
  const b = new Builder(src, opts);
  const exprs = b.exprKids(top);
  if (exprs.length !== 1) throw new PromQLParseError(src, { start: 0, end: src.length }, NO_EXPRESSION);
  try {
    const expr = b.expr(exprs[0]!);
    checkAST(expr, src);
    return expr;
  } catch (err) {
    // Long operator chains (`1+1+1+...`) recurse without brackets; report instead of crashing.
    if (err instanceof RangeError) throw new PromQLParseError(src, { start: 0, end: src.length }, 'expression too complex');
    throw err;
  }
}

function syntaxError(src: string, err: SyntaxNode): PromQLParseError {
  // `foo(...)` with an unknown function name: lezer errors right after the identifier.
  const before = src.slice(0, err.from);
  const fn = /([a-zA-Z_][\w]*)\s*$/.exec(before);
  if (fn && /^\s*\(/.test(src.slice(err.from)) && !FUNCTION_SIGNATURES.has(fn[1]!)) {
    const start = before.length - fn[0].length;
    return new PromQLParseError(src, { start, end: err.from }, `unknown function with name ${JSON.stringify(fn[1])}`);
  }
  const desc = describeTokenAt(src, err.from);
  let pos = err.from;
  while (pos < src.length && /\s/.test(src[pos]!)) pos++;
  return new PromQLParseError(src, { start: pos, end: Math.max(pos, err.to) }, `unexpected ${desc}`);
}

/** Replaces the dot of numbers like `1.` (not followed by a digit) with a space, outside strings and comments. */
function blankTrailingDots(src: string): string {
  if (!src.includes('.')) return src;
  let out = '';
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      while (j < src.length && src[j] !== c) j += c !== '`' && src[j] === '\\' ? 2 : 1;
      out += src.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (c === '#') {
      const j = src.indexOf('\n', i);
      const end = j < 0 ? src.length : j;
      out += src.slice(i, end);
      i = end;
      continue;
    }
    if (c === '.' && i > 0 && /\d/.test(src[i - 1]!) && !/[\w.]/.test(src[i + 1] ?? '')) {
      let k = i - 1;
      while (k >= 0 && /\d/.test(src[k]!)) k--;
      if (k < 0 || !/[\w.:]/.test(src[k]!)) {
        out += ' ';
        i++;
        continue;
      }
    }
    out += c;
    i++;
  }
  return out;
}
