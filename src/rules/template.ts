// The subset of Go's text/template that Prometheus rule labels and annotations use: text, `{{ pipeline }}`
// with `|`, variables (`$labels.path`, `$value`), fields (`.Labels.x`), string/number literals, parentheses,
// `$x := ...`, `if`/`else if`/`else`/`end`, `with`, `range` over a map or list, comments and `{{-`/`-}}`
// trimming. Missing map keys print as "" (Prometheus sets missingkey=zero).
import { formatV } from './gofmt.js';
import { TEMPLATE_FUNCS, truth, type TemplateFunc } from './template-funcs.js';

export class TemplateError extends Error {}

type Operand =
  | { kind: 'lit'; value: unknown }
  | { kind: 'var'; name: string; fields: string[] }
  | { kind: 'field'; fields: string[] }
  | { kind: 'func'; name: string }
  | { kind: 'paren'; pipe: Pipeline };
interface Command { operands: Operand[] }
interface Pipeline { decl: string[]; commands: Command[] }
type Node =
  | { kind: 'text'; text: string }
  | { kind: 'action'; pipe: Pipeline }
  | { kind: 'if' | 'with'; pipe: Pipeline; then: Node[]; else: Node[] }
  | { kind: 'range'; pipe: Pipeline; body: Node[] };

const TOKEN = /\s*(?:("(?:[^"\\]|\\.)*")|(`[^`]*`)|(\$[\w]*(?:\.[\w]+)*)|((?:\.[\w]+)+|\.)|([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)|([A-Za-z_]\w*)|(:=|=|\||\(|\)|,))/y;

function tokenize(src: string): string[] {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  let pos = 0;
  while (pos < src.length) {
    if (/^\s*$/.test(src.slice(pos))) break;
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(src);
    if (!m) throw new TemplateError(`unexpected ${JSON.stringify(src.slice(pos).trim()[0])} in command`);
    out.push(m[0].trim());
    pos = TOKEN.lastIndex;
  }
  return out;
}

function operand(tok: string, rest: string[]): Operand {
  if (tok.startsWith('"')) return { kind: 'lit', value: JSON.parse(tok) as string };
  if (tok.startsWith('`')) return { kind: 'lit', value: tok.slice(1, -1) };
  if (tok.startsWith('$')) {
    const [name, ...fields] = tok.split('.');
    return { kind: 'var', name: name!, fields };
  }
  if (tok === '.') return { kind: 'field', fields: [] };
  if (tok.startsWith('.')) return { kind: 'field', fields: tok.slice(1).split('.') };
  if (/^[-+]?[\d.]/.test(tok)) return { kind: 'lit', value: Number(tok) };
  if (tok === 'true' || tok === 'false') return { kind: 'lit', value: tok === 'true' };
  if (tok === 'nil') return { kind: 'lit', value: null };
  if (tok === '(') {
    const pipe = parsePipeline(rest, true);
    if (rest.shift() !== ')') throw new TemplateError('unclosed left paren');
    return { kind: 'paren', pipe };
  }
  if (/^[A-Za-z_]\w*$/.test(tok)) {
    if (!(tok in TEMPLATE_FUNCS)) throw new TemplateError(`function "${tok}" not defined`);
    return { kind: 'func', name: tok };
  }
  throw new TemplateError(`unexpected ${JSON.stringify(tok)} in operand`);
}

/** Parses tokens (consumed from the front) up to the end or a `)` when inside parentheses. */
function parsePipeline(toks: string[], inParen = false): Pipeline {
  const decl: string[] = [];
  const assign = toks.findIndex((t) => t === ':=' || t === '=');
  if (assign > 0 && toks.slice(0, assign).every((t) => /^\$\w*$/.test(t) || t === ',')) {
    for (const t of toks.splice(0, assign + 1)) if (t.startsWith('$')) decl.push(t);
  }
  const commands: Command[] = [{ operands: [] }];
  while (toks.length > 0 && !(inParen && toks[0] === ')')) {
    const tok = toks.shift()!;
    if (tok === '|') {
      if (commands.at(-1)!.operands.length === 0) throw new TemplateError('missing command before "|"');
      commands.push({ operands: [] });
      continue;
    }
    commands.at(-1)!.operands.push(operand(tok, toks));
  }
  if (commands.at(-1)!.operands.length === 0) throw new TemplateError('missing value for command');
  return { decl, commands };
}

interface Action { text: string; trimLeft: boolean; trimRight: boolean }

/** Splits the source into text and `{{ }}` actions. */
function scan(src: string): Array<string | Action> {
  const parts: Array<string | Action> = [];
  let pos = 0;
  while (pos < src.length) {
    const open = src.indexOf('{{', pos);
    if (open < 0) {
      parts.push(src.slice(pos));
      break;
    }
    parts.push(src.slice(pos, open));
    const close = src.indexOf('}}', open + 2);
    if (close < 0) throw new TemplateError('unclosed action');
    let inner = src.slice(open + 2, close);
    const trimLeft = /^-\s/.test(inner);
    const trimRight = /\s-$/.test(inner);
    inner = inner.slice(trimLeft ? 1 : 0, trimRight ? -1 : undefined).trim();
    parts.push({ text: inner, trimLeft, trimRight });
    pos = close + 2;
  }
  // Apply trim markers to the neighbouring text.
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (typeof p === 'string') continue;
    if (p.trimLeft && typeof parts[i - 1] === 'string') parts[i - 1] = (parts[i - 1] as string).trimEnd();
    if (p.trimRight && typeof parts[i + 1] === 'string') parts[i + 1] = (parts[i + 1] as string).trimStart();
  }
  return parts;
}

/** Builds the node tree; returns the nodes and the keyword (`end`/`else ...`) that ended this list. */
function parseList(parts: Array<string | Action>, end: boolean): { nodes: Node[]; stop: string | null } {
  const nodes: Node[] = [];
  while (parts.length > 0) {
    const p = parts.shift()!;
    if (typeof p === 'string') {
      if (p !== '') nodes.push({ kind: 'text', text: p });
      continue;
    }
    if (p.text.startsWith('/*')) continue;
    const [kw] = p.text.split(/\s+/, 1) as [string];
    if (kw === 'end' || kw === 'else') {
      if (!end) throw new TemplateError(`unexpected {{${kw}}}`);
      return { nodes, stop: p.text };
    }
    if (kw === 'if' || kw === 'with' || kw === 'range') nodes.push(parseBlock(kw, p.text.slice(kw.length), parts));
    else nodes.push({ kind: 'action', pipe: parsePipeline(tokenize(p.text)) });
  }
  if (end) throw new TemplateError('unexpected EOF');
  return { nodes, stop: null };
}

function parseBlock(kw: 'if' | 'with' | 'range', rest: string, parts: Array<string | Action>): Node {
  const pipe = parsePipeline(tokenize(rest));
  const body = parseList(parts, true);
  if (kw === 'range') {
    if (body.stop !== 'end') throw new TemplateError('{{else}} in range is not supported');
    return { kind: 'range', pipe, body: body.nodes };
  }
  let elseNodes: Node[] = [];
  if (body.stop !== null && body.stop.startsWith('else')) {
    const chained = body.stop.slice(4).trim();
    if (chained.startsWith('if ') || chained.startsWith('with ')) {
      const k = chained.startsWith('if ') ? 'if' : 'with';
      elseNodes = [parseBlock(k, chained.slice(k.length), parts)];
    } else {
      const e = parseList(parts, true);
      if (e.stop !== 'end') throw new TemplateError('expected {{end}}');
      elseNodes = e.nodes;
    }
  }
  return { kind: kw, pipe, then: body.nodes, else: elseNodes };
}

/** A parsed template; `execute` never throws for data it was not written for (missing keys are ""). */
export class Template {
  private readonly nodes: Node[];

  constructor(readonly source: string, private readonly funcs: Record<string, TemplateFunc> = TEMPLATE_FUNCS) {
    this.nodes = parseList(scan(source), false).nodes;
  }

  execute(data: unknown, vars: Record<string, unknown>): string {
    const scope = new Map<string, unknown>(Object.entries(vars).map(([k, v]) => [k.startsWith('$') ? k : `$${k}`, v]));
    scope.set('$', data);
    return this.run(this.nodes, data, scope);
  }

  private run(nodes: Node[], dot: unknown, scope: Map<string, unknown>): string {
    let out = '';
    for (const n of nodes) {
      if (n.kind === 'text') out += n.text;
      else if (n.kind === 'action') {
        const v = this.pipeline(n.pipe, dot, scope);
        if (n.pipe.decl.length === 0) out += v === null || v === undefined ? '<no value>' : formatV(v);
      } else if (n.kind === 'range') out += this.range(n, dot, scope);
      else {
        const v = this.pipeline(n.pipe, dot, scope);
        out += truth(v) ? this.run(n.then, n.kind === 'with' ? v : dot, new Map(scope)) : this.run(n.else, dot, new Map(scope));
      }
    }
    return out;
  }

  private range(n: Extract<Node, { kind: 'range' }>, dot: unknown, scope: Map<string, unknown>): string {
    const decl = n.pipe.decl;
    const v = this.pipeline({ decl: [], commands: n.pipe.commands }, dot, scope);
    const entries: Array<[unknown, unknown]> = Array.isArray(v) ? v.map((x, i) => [i, x])
      : v !== null && typeof v === 'object' ? Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]]) : [];
    let out = '';
    for (const [k, x] of entries) {
      const inner = new Map(scope);
      if (decl.length === 1) inner.set(decl[0]!, x);
      if (decl.length === 2) (inner.set(decl[0]!, k), inner.set(decl[1]!, x));
      out += this.run(n.body, x, inner);
    }
    return out;
  }

  private pipeline(p: Pipeline, dot: unknown, scope: Map<string, unknown>): unknown {
    let v: unknown = undefined;
    p.commands.forEach((c, i) => (v = this.command(c, dot, scope, i === 0 ? [] : [v])));
    if (p.decl.length > 0) scope.set(p.decl.at(-1)!, v);
    return v;
  }

  private command(c: Command, dot: unknown, scope: Map<string, unknown>, piped: unknown[]): unknown {
    const [head, ...args] = c.operands as [Operand, ...Operand[]];
    if (head.kind === 'func') {
      const values = args.map((a) => this.operand(a, dot, scope));
      return this.funcs[head.name]!(...values, ...piped);
    }
    if (args.length > 0 || piped.length > 0) throw new TemplateError(`can't give argument to non-function ${describe(head)}`);
    return this.operand(head, dot, scope);
  }

  private operand(o: Operand, dot: unknown, scope: Map<string, unknown>): unknown {
    switch (o.kind) {
      case 'lit': return o.value;
      case 'paren': return this.pipeline(o.pipe, dot, scope);
      case 'func': return this.funcs[o.name]!();
      case 'field': return fieldsOf(dot, o.fields);
      case 'var': {
        if (!scope.has(o.name)) throw new TemplateError(`undefined variable "${o.name}"`);
        return fieldsOf(scope.get(o.name), o.fields);
      }
    }
  }
}

function describe(o: Operand): string {
  return o.kind === 'lit' ? JSON.stringify(o.value) : o.kind === 'var' ? [o.name, ...o.fields].join('.') : o.kind;
}

function fieldsOf(v: unknown, fields: string[]): unknown {
  for (const f of fields) {
    if (v === null || typeof v !== 'object') throw new TemplateError(`can't evaluate field ${f} in type ${typeof v}`);
    const next = (v as Record<string, unknown>)[f];
    // Maps of strings (labels) give "" for a missing key; other objects give no value.
    v = next === undefined ? '' : next;
  }
  return v;
}
