// Tenant enforcement on PromQL text. The query is parsed with Prometheus's own Lezer grammar and the
// tenant matcher is spliced into the source at every vector selector (inside functions, aggregations,
// binary operations, subqueries, range selectors alike); any caller matcher on the tenant label is
// dropped. The result is parsed again and checked: every selector carries exactly the tenant matcher.
// For an in-process engine (the embedded backend) enforceQueryParsed builds the expression from that same
// one parse and enforces the tenant on it instead, so the query is parsed once on the whole path.
import { parser } from '@prometheus-io/lezer-promql';
import type { SyntaxNode } from '@lezer/common';
import { visitSelectors, walk, type Expr } from '../../promql/ast.js';
import { exprFromTree } from '../../promql/parser.js';
import { EMPTY_QUERY_ERROR } from '../../promql/errors.js';
import { quote, unquote } from './strings.js';

export class EnforceError extends Error {
  constructor(message: string, readonly position?: number) {
    super(message);
    this.name = 'EnforceError';
  }
}

interface Edit {
  from: number;
  to: number;
  text: string;
}

function linecol(src: string, pos: number): string {
  let line = 1;
  let last = -1;
  for (let i = 0; i < pos && i < src.length; i++) {
    if (src.charCodeAt(i) === 10) {
      line++;
      last = i;
    }
  }
  return `${line}:${pos - last}`;
}

function firstError(top: SyntaxNode): SyntaxNode | null {
  const c = top.cursor();
  do {
    if (c.type.isError) return c.node;
  } while (c.next());
  return null;
}

function syntaxError(src: string, err: SyntaxNode): EnforceError {
  let pos = err.from;
  while (pos < src.length && /\s/.test(src[pos]!)) pos++;
  const near = pos >= src.length ? 'end of input' : JSON.stringify(src.slice(pos, pos + 12));
  return new EnforceError(`${linecol(src, pos)}: parse error: unexpected ${near}`, pos);
}

type Tree = ReturnType<typeof parser.parse>;

function parseTree(src: string): Tree {
  if (src.trim() === '') throw new EnforceError(EMPTY_QUERY_ERROR, 0);
  const tree = parser.parse(src);
  const err = firstError(tree.topNode);
  if (err) throw syntaxError(src, err);
  return tree;
}

function parse(src: string): SyntaxNode {
  return parseTree(src).topNode;
}

/** The label name a matcher node tests (unquoted or quoted), or null for a bare quoted metric name. */
function matcherLabel(src: string, m: SyntaxNode): string | null {
  if (m.name === 'UnquotedLabelMatcher') {
    const n = m.getChild('LabelName');
    if (!n) throw new EnforceError(`${linecol(src, m.from)}: parse error: matcher without a label name`, m.from);
    return src.slice(n.from, n.to);
  }
  if (m.name === 'QuotedLabelMatcher') {
    const q = m.getChild('QuotedLabelName')?.getChild('StringLiteral');
    if (!q) throw new EnforceError(`${linecol(src, m.from)}: parse error: matcher without a label name`, m.from);
    try {
      return unquote(src.slice(q.from, q.to));
    } catch (err) {
      throw new EnforceError(`${linecol(src, q.from)}: parse error: ${(err as Error).message}`, q.from);
    }
  }
  return null; // QuotedLabelName alone: {"metric_name"}
}

const MATCHER_NODES = new Set(['UnquotedLabelMatcher', 'QuotedLabelMatcher', 'QuotedLabelName']);

function matchersOf(lm: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = lm.firstChild; c; c = c.nextSibling) {
    if (MATCHER_NODES.has(c.name)) out.push(c);
    else if (c.name !== 'LineComment' && c.name !== ',' && c.name !== '{' && c.name !== '}') {
      throw new EnforceError(`unexpected ${c.name} in label matchers`, c.from);
    }
  }
  return out;
}

function collectSelectors(top: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  const c = top.cursor();
  do {
    if (c.name === 'VectorSelector') out.push(c.node);
  } while (c.next());
  return out;
}

function enforceSelectors(src: string, top: SyntaxNode, label: string, value: string): string {
  const matcher = `${label}=${quote(value)}`;
  const edits: Edit[] = [];
  for (const vs of collectSelectors(top)) {
    const lm = vs.getChild('LabelMatchers');
    if (lm) {
      const kept = matchersOf(lm).filter((m) => matcherLabel(src, m) !== label).map((m) => src.slice(m.from, m.to));
      edits.push({ from: lm.from, to: lm.to, text: `{${[...kept, matcher].join(', ')}}` });
    } else {
      const id = vs.getChild('Identifier');
      if (!id) throw new EnforceError(`${linecol(src, vs.from)}: parse error: selector without a metric name or matchers`, vs.from);
      edits.push({ from: id.to, to: id.to, text: `{${matcher}}` });
    }
  }
  edits.sort((a, b) => b.from - a.from);
  let out = src;
  for (const e of edits) out = out.slice(0, e.from) + e.text + out.slice(e.to);
  return out;
}

/** Checks the invariant on the rewritten text: every selector has exactly one tenant matcher, `label="value"`. */
function verify(out: string, label: string, value: string, selectors: number): void {
  const top = parse(out);
  const all = collectSelectors(top);
  if (all.length !== selectors) throw new EnforceError(`internal: enforcement changed the number of selectors (${selectors} -> ${all.length})`);
  for (const vs of all) {
    const lm = vs.getChild('LabelMatchers');
    const ms = lm ? matchersOf(lm).filter((m) => matcherLabel(out, m) === label) : [];
    const ok = ms.length === 1 && ms[0]!.name === 'UnquotedLabelMatcher' && ms[0]!.getChild('MatchOp')?.firstChild?.name === 'EqlSingle'
      && (() => {
        const s = ms[0]!.getChild('StringLiteral');
        return s !== null && unquote(out.slice(s.from, s.to)) === value;
      })();
    if (!ok) throw new EnforceError(`internal: tenant matcher missing after enforcement at ${linecol(out, vs.from)}`);
  }
}

const cache = new Map<string, string>();
const CACHE_MAX = 4096;

/** `query` with `label="value"` enforced on every selector. Throws EnforceError (a 400 for the caller). */
export function enforceQuery(query: string, label: string, value: string): string {
  const key = `${label}\u0000${value}\u0000${query}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const top = parse(query);
  const n = collectSelectors(top).length;
  const out = enforceSelectors(query, top, label, value);
  verify(out, label, value, n);
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(key, out);
  return out;
}

export interface EnforcedQuery {
  /** The query text with the tenant enforced, as enforceQuery returns it. */
  query: string;
  /**
   * The same query as an expression, from the one parse of the text, with the tenant matcher on every
   * selector; null when it must come from parsing `query` after all (our PromQL parser refuses the text as
   * written: the evaluating side parses `query` and reports why, as before).
   */
  expr: Expr | null;
}

const parsedCache = new Map<string, EnforcedQuery>();
const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * enforceQuery for an in-process engine: also the enforced expression, built from the tree that enforcement
 * parsed. The text is only verified by a re-parse when it is what gets evaluated (`expr` null).
 * Cached expressions are shared between requests: evaluation never mutates an expression.
 */
export function enforceQueryParsed(query: string, label: string, value: string): EnforcedQuery {
  const key = `${label}\u0000${value}\u0000${query}`;
  const hit = parsedCache.get(key);
  if (hit !== undefined) return hit;
  const tree = parseTree(query);
  const n = collectSelectors(tree.topNode).length;
  const out = enforceSelectors(query, tree.topNode, label, value);
  const expr = tenantExpr(query, tree, label, value, n);
  if (expr === null) verify(out, label, value, n);
  const res: EnforcedQuery = { query: out, expr };
  if (parsedCache.size >= CACHE_MAX) parsedCache.clear();
  parsedCache.set(key, res);
  return res;
}

/**
 * The expression of `query` with the tenant matcher replacing any caller matcher on the label, exactly what
 * parsing the spliced text gives; null when our parser refuses the text as written (a refused tenant matcher
 * that enforcement drops, say) or the tenant matcher would not print and read back as itself.
 */
function tenantExpr(query: string, tree: Tree, label: string, value: string, selectors: number): Expr | null {
  if (!LABEL_NAME_RE.test(label) || label === '__name__' || value === '' || /[\ud800-\udfff]/u.test(value)) return null;
  let expr: Expr;
  try {
    expr = exprFromTree(query, tree);
  } catch {
    return null;
  }
  visitSelectors(expr, (ms) => [...ms.filter((m) => m.name !== label), { type: '=', name: label, value }]);
  // The invariant verify() checks on the text, checked on what will be evaluated.
  let seen = 0;
  let ok = true;
  walk(expr, (node) => {
    if (node.type !== 'VectorSelector') return;
    seen++;
    const ms = node.matchers.filter((m) => m.name === label);
    if (ms.length !== 1 || ms[0]!.type !== '=' || ms[0]!.value !== value) ok = false;
  });
  if (!ok) throw new EnforceError('internal: tenant matcher missing after enforcement');
  return seen === selectors ? expr : null;
}

/** A `match[]` series selector with the tenant matcher enforced; anything but a plain selector is refused. */
export function enforceSeriesSelector(selector: string, label: string, value: string): string {
  const top = parse(selector);
  let expr: SyntaxNode | null = null;
  for (let c = top.firstChild; c; c = c.nextSibling) {
    if (c.name === 'LineComment') continue;
    if (expr) throw new EnforceError(`1:${c.from + 1}: parse error: unexpected ${c.name}`, c.from);
    expr = c;
  }
  if (!expr || expr.name !== 'VectorSelector') {
    throw new EnforceError(`1:1: parse error: expected a series selector such as up{job="x"}, got ${expr?.name ?? 'nothing'}`, 0);
  }
  const out = enforceSelectors(selector, top, label, value);
  verify(out, label, value, 1);
  return out;
}

/** The selector `{label="value"}`, added where a caller gave no match[]. */
export function tenantSelector(label: string, value: string): string {
  return `{${label}=${quote(value)}}`;
}
