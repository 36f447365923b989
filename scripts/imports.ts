// The import graph of src/: which top-level folder imports which, hop-to-hop arrows, value-import cycles,
// and functions over 80 lines. `node --import tsx scripts/imports.ts` prints the figures; the architecture test
// holds the rule (no hop imports another hop; no value cycle).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const HOPS = ['issuer', 'refresher', 'api', 'store', 'fleet', 'probe', 'doctor', 'stack'] as const;

export interface ImportEdge {
  from: string; // repo-relative file
  to: string; // repo-relative file
  line: number;
  typeOnly: boolean;
  dynamic: boolean;
}

export interface LongFunction {
  file: string;
  line: number;
  name: string;
  lines: number;
}

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...tsFiles(p));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Resolves a relative ESM specifier ('./x.js') to the .ts file it names, or undefined for packages. */
function resolveSpecifier(fromFile: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const base = resolve(dirname(fromFile), spec);
  for (const cand of [base.replace(/\.js$/, '.ts'), base, `${base}.ts`, join(base, 'index.ts')]) {
    try {
      if (statSync(cand).isFile()) return cand;
    } catch {
      // try the next candidate
    }
  }
  return undefined;
}

function isTypeOnlyImport(node: ts.ImportDeclaration): boolean {
  const clause = node.importClause;
  if (!clause) return false; // side-effect import: a value edge
  if (clause.isTypeOnly) return true;
  if (clause.name) return false;
  const nb = clause.namedBindings;
  if (!nb) return false;
  if (ts.isNamespaceImport(nb)) return false;
  return nb.elements.length > 0 && nb.elements.every((e) => e.isTypeOnly);
}

function functionName(node: ts.Node): string {
  if ((ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node)) && node.name) return node.name.getText();
  const parent = node.parent;
  if (parent && ts.isVariableDeclaration(parent)) return parent.name.getText();
  if (parent && ts.isPropertyAssignment(parent)) return parent.name.getText();
  return '<anonymous>';
}

export function analyzeFile(file: string, root = ROOT): { edges: ImportEdge[]; longFunctions: LongFunction[]; lines: number } {
  const text = readFileSync(file, 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const rel = relative(root, file).split(sep).join('/');
  const edges: ImportEdge[] = [];
  const longFunctions: LongFunction[] = [];
  const lineOf = (n: ts.Node) => sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
  const add = (spec: string, node: ts.Node, typeOnly: boolean, dynamic: boolean) => {
    const to = resolveSpecifier(file, spec);
    if (to) edges.push({ from: rel, to: relative(root, to).split(sep).join('/'), line: lineOf(node), typeOnly, dynamic });
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text, node, isTypeOnlyImport(node), false);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text, node, node.isTypeOnly, false);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = node.arguments[0];
      if (arg && ts.isStringLiteral(arg)) add(arg.text, node, false, true);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      add(node.argument.literal.text, node, true, false);
    }
    if (
      (ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node) || ts.isArrowFunction(node) || ts.isFunctionExpression(node)) &&
      node.body
    ) {
      const start = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
      const end = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
      if (end - start + 1 > 80) longFunctions.push({ file: rel, line: start + 1, name: functionName(node), lines: end - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return { edges, longFunctions, lines: text.split('\n').length };
}

/** Top-level folder under src/ ('api', 'cli', ...), or the file name for files directly in src/. */
export function area(relFile: string): string {
  const parts = relFile.split('/');
  return parts[0] === 'src' && parts.length > 2 ? parts[1]! : relFile;
}

/** Value-import cycles (type-only imports erased), each as the list of files around it. */
export function valueCycles(edges: ImportEdge[]): string[][] {
  const graph = new Map<string, string[]>();
  for (const e of edges) if (!e.typeOnly) graph.set(e.from, [...(graph.get(e.from) ?? []), e.to]);
  // Tarjan's strongly connected components: any component of more than one file is a cycle.
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const strong = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(comp.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) strong(v);
  return out;
}

export function analyzeSrc(root = ROOT) {
  const files = tsFiles(join(root, 'src'));
  const edges: ImportEdge[] = [];
  const longFunctions: LongFunction[] = [];
  let lines = 0;
  for (const f of files) {
    const r = analyzeFile(f, root);
    edges.push(...r.edges);
    longFunctions.push(...r.longFunctions);
    lines += r.lines;
  }
  const hops = new Set<string>(HOPS);
  const hopToHop = edges.filter((e) => {
    const a = area(e.from);
    const b = area(e.to);
    return a !== b && hops.has(a) && hops.has(b);
  });
  // A library (any folder that is not a hop, not cli) must import no hop.
  const libraryToHop = edges.filter((e) => {
    const a = area(e.from);
    const b = area(e.to);
    return a !== b && !hops.has(a) && a !== 'cli' && hops.has(b);
  });
  const toCli = edges.filter((e) => area(e.from) !== 'cli' && area(e.to) === 'cli');
  return { files: files.length, lines, edges, hopToHop, libraryToHop, toCli, cycles: valueCycles(edges), longFunctions };
}

export const arrow = (e: ImportEdge) => `${e.from}:${e.line} -> ${e.to}${e.typeOnly ? ' (type)' : ''}${e.dynamic ? ' (dynamic)' : ''}`;

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const r = analyzeSrc();
  console.log(`src: ${r.files} files, ${r.lines} lines, ${r.edges.length} relative imports`);
  console.log(`hop -> hop imports: ${r.hopToHop.length}`);
  for (const e of r.hopToHop) console.log(`  ${arrow(e)}`);
  console.log(`library -> hop imports: ${r.libraryToHop.length}`);
  for (const e of r.libraryToHop) console.log(`  ${arrow(e)}`);
  console.log(`imports of cli/ from outside it: ${r.toCli.length}`);
  for (const e of r.toCli) console.log(`  ${arrow(e)}`);
  console.log(`value-import cycles: ${r.cycles.length}`);
  for (const c of r.cycles) console.log(`  ${c.join(' <-> ')}`);
  console.log(`functions over 80 lines: ${r.longFunctions.length}`);
  for (const f of r.longFunctions.sort((a, b) => b.lines - a.lines)) console.log(`  ${f.file}:${f.line} ${f.name} (${f.lines} lines)`);
}
