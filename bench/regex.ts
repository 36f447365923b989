// npm run bench:regex — label-matcher regex engines side by side: correctness on the RE2 syntax table,
// time on catastrophic patterns (each in a child process with a deadline), match throughput on typical
// Prometheus matchers, and compile time. BENCH_MS sets the time spent per measured cell (default 300).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { RE2JS } from 're2js';
import { buildLabelRegex } from '../src/promql/regex.js';
import { CATASTROPHIC, REGEX_CASES, type RegexCase } from '../tools/testing/regex-cases.js';

type Compile = (pattern: string) => (s: string) => boolean;

// V8's RegExp is there for reference only (it is what the store index used before): not RE2 syntax,
// backtracking. The hand-written RE2-to-RegExp translator this replaced was measured at its last commit.
const ENGINES: Record<string, Compile> = {
  'obspath (fast paths + re2js)': buildLabelRegex,
  're2js only': (p) => {
    const re = RE2JS.compile(p, RE2JS.DOTALL);
    return (s) => re.testExact(s);
  },
  'V8 RegExp ^(?:re)$ (reference)': (p) => {
    const re = new RegExp(`^(?:${p})$`, 's');
    return (s) => re.test(s);
  },
};
const NAMES = Object.keys(ENGINES);
const BENCH_MS = Number(process.env.BENCH_MS ?? 300);
const CATASTROPHIC_DEADLINE_MS = 10_000;

function verdict(compile: Compile, c: RegexCase): string {
  let pred: (s: string) => boolean;
  try {
    pred = compile(c.pattern);
  } catch (err) {
    return c.error ? 'ok' : `rejects valid: ${(err as Error).message.slice(0, 70)}`;
  }
  if (c.error) return 'accepts invalid';
  try {
    for (const s of c.matches ?? []) if (!pred(s)) return `misses ${JSON.stringify(s)}`;
    for (const s of c.rejects ?? []) if (pred(s)) return `wrongly matches ${JSON.stringify(s)}`;
  } catch (err) {
    return `throws while matching: ${(err as Error).message.slice(0, 50)}`;
  }
  return 'ok';
}

function table(title: string, header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => '| ' + r.map((c, i) => c.padEnd(widths[i]!)).join(' | ') + ' |';
  console.log(`\n${title}\n${line(header)}\n|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
}

function correctness(): void {
  const wrong = new Map<string, number>(NAMES.map((n) => [n, 0]));
  const rows: string[][] = [];
  for (const c of REGEX_CASES) {
    const cells = NAMES.map((n) => verdict(ENGINES[n]!, c));
    cells.forEach((v, i) => v !== 'ok' && wrong.set(NAMES[i]!, wrong.get(NAMES[i]!)! + 1));
    if (cells.some((v) => v !== 'ok')) rows.push([c.about, JSON.stringify(c.pattern), ...cells]);
  }
  table(`Correctness: ${REGEX_CASES.length} RE2 cases; rows where an engine is wrong`, ['case', 'pattern', ...NAMES], rows);
  console.log('wrong cases per engine: ' + NAMES.map((n) => `${n} ${wrong.get(n)}/${REGEX_CASES.length}`).join(', '));
}

/** Child-process mode: time one engine on one catastrophic case and print the figure. */
function runOneCatastrophic(engine: string, index: number): void {
  const { pattern, input } = CATASTROPHIC[index]!;
  const t0 = performance.now();
  let result: string;
  try {
    result = String(ENGINES[engine]!(pattern)(input));
  } catch (err) {
    result = `rejected (${(err as Error).message.slice(0, 40)})`;
  }
  console.log(`${(performance.now() - t0).toFixed(1)} ms, ${result}`);
}

function catastrophic(): void {
  const self = fileURLToPath(import.meta.url);
  const rows = CATASTROPHIC.map(({ pattern, input }, i) => [
    `${pattern} on ${input.length} chars`,
    ...NAMES.map((n) => {
      const r = spawnSync(process.execPath, [...process.execArgv, self, '--catastrophic', n, String(i)], { timeout: CATASTROPHIC_DEADLINE_MS, encoding: 'utf8' });
      if (r.error || r.status !== 0) return r.signal ? `> ${CATASTROPHIC_DEADLINE_MS / 1000} s (killed)` : `failed: ${r.stderr.trim().slice(0, 60)}`;
      return r.stdout.trim();
    }),
  ]);
  table('Catastrophic patterns: time for one anchored match (compile included), each in its own process', ['pattern / input', ...NAMES], rows);
}

/** Deterministic label values in the shapes matchers meet: metric names, jobs, namespaces, log levels. */
function labelValues(): string[] {
  let seed = 42;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) % n);
  const words = ['server', 'network', 'controller', 'log', 'cluster', 'broker', 'topic', 'request', 'replica', 'partition'];
  const out: string[] = ['foo', 'bar', 'baz', 'up', 'ERROR', 'error: disk full', 'Error in broker 3', 'warn: lag'];
  for (let i = 0; i < 2000; i++) {
    const a = words[rnd(words.length)]!;
    const b = words[rnd(words.length)]!;
    switch (i % 5) {
      case 0: out.push(`kafka_${a}_${b}_total`); break;
      case 1: out.push(`node_${a}_${b}_seconds_bucket`); break;
      case 2: out.push(`kafka-${rnd(1e6).toString(36)}-${a}-${rnd(10)}`); break;
      case 3: out.push(`${['INFO', 'ERROR', 'error', 'WARN'][rnd(4)]}: ${a} ${b} ${rnd(1000)} failed in namespace prod-${rnd(50)}`); break;
      default: out.push(`job-${a}-${rnd(100)}`);
    }
  }
  return out;
}

const THROUGHPUT_PATTERNS = ['foo|bar|baz', '.*kafka.*', 'kafka_server_.*', '(?i)ERROR.*', 'kafka_(server|network)_.*_total', '.*-[0-9]+', '(prod|staging)-.*|job-.*'];

/** Nanoseconds per match over the label values, for BENCH_MS. */
function nsPerMatch(pred: (s: string) => boolean, values: string[]): number {
  let n = 0;
  let hits = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < BENCH_MS) {
    for (let i = 0; i < values.length; i++) if (pred(values[i]!)) hits++;
    n += values.length;
  }
  if (hits < 0) console.log(hits); // keeps the loop's result alive
  return ((performance.now() - t0) * 1e6) / n;
}

/** Microseconds per (uncached) compile, for BENCH_MS / 3. */
function usPerCompile(compile: Compile, pattern: string): number {
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < BENCH_MS / 3) {
    compile(pattern);
    n++;
  }
  return ((performance.now() - t0) * 1000) / n;
}

function speed(): void {
  const values = labelValues();
  const run = (measure: (c: Compile, p: string) => number) =>
    THROUGHPUT_PATTERNS.map((p) => [p, ...NAMES.map((n) => {
      try {
        return measure(ENGINES[n]!, p).toFixed(measure === usPerCompile ? 1 : 0);
      } catch {
        return 'rejected';
      }
    })]);
  table(`Match throughput: ns per match over ${values.length} label values (lower is better)`, ['pattern', ...NAMES], run((c, p) => nsPerMatch(c(p), values)));
  table('Compile time: µs per compile, no cache (lower is better)', ['pattern', ...NAMES], run(usPerCompile));
}

const i = process.argv.indexOf('--catastrophic');
if (i >= 0) runOneCatastrophic(process.argv[i + 1]!, Number(process.argv[i + 2]));
else {
  console.log(`node ${process.version}; BENCH_MS=${BENCH_MS}`);
  correctness();
  catastrophic();
  speed();
}
