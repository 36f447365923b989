// The fuzz suite's runner: one HTTP exchange per generated case, the invariants every answer must hold
// (no 5xx, no hang, every error a Prometheus-shaped JSON body naming the hop, no process gone), a tally
// per property that the suite prints for the issue, and fast-check's shrinking to turn the first
// violation of each kind into a minimal counterexample.
import fc from 'fast-check';

/** FUZZ_SEED fixes the run (printed, so a CI failure replays exactly); FUZZ_RUNS scales every property. */
export const SEED = process.env.FUZZ_SEED !== undefined && process.env.FUZZ_SEED !== '' ? Number(process.env.FUZZ_SEED) : 20_240_610;
const RUNS_OVERRIDE = process.env.FUZZ_RUNS !== undefined && process.env.FUZZ_RUNS !== '' ? Number(process.env.FUZZ_RUNS) : undefined;
/** A correctness deadline (the machine is shared): an answer later than this is a hang. */
export const ANSWER_TIMEOUT_MS = Number(process.env.FUZZ_TIMEOUT_MS ?? 5000);
/** Time fast-check may spend shrinking one violation kind into a minimal counterexample. */
const SHRINK_MS = Number(process.env.FUZZ_SHRINK_MS ?? 8000);
const MAX_KINDS_SHRUNK = 4;

export function runsFor(defaultRuns: number): number {
  return RUNS_OVERRIDE !== undefined && Number.isFinite(RUNS_OVERRIDE) && RUNS_OVERRIDE > 0 ? RUNS_OVERRIDE : defaultRuns;
}

export interface Answer {
  status: number;
  contentType: string;
  text: string;
  json: Record<string, unknown> | undefined;
  /** Set when no answer came within ANSWER_TIMEOUT_MS (status 0) or the connection failed. */
  failure?: string;
}

/** One request; never throws (a hang or a reset is an Answer with status 0 and `failure`). */
export async function exchange(url: string, init: RequestInit = {}): Promise<Answer> {
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(ANSWER_TIMEOUT_MS) });
    const text = await res.text();
    let json: Record<string, unknown> | undefined;
    try {
      const v = JSON.parse(text) as unknown;
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) json = v as Record<string, unknown>;
    } catch {
      /* not JSON: judged by the invariants */
    }
    return { status: res.status, contentType: res.headers.get('content-type') ?? '', text, json };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    const why = e.name === 'TimeoutError' ? `no answer within ${ANSWER_TIMEOUT_MS} ms` : `${e.name}: ${e.cause?.code ?? e.message}`;
    return { status: 0, contentType: '', text: '', json: undefined, failure: why };
  }
}

/**
 * A broken invariant: `kind` is one of the figures printed; `key` names the failure finely enough that
 * shrinking stays on the same bug (status, error type, first words); `detail` says what was seen.
 */
export interface Violation {
  kind: string;
  key: string;
  detail: string;
}

/** The figures printed for every property ("no answers": a hang past the deadline or a dropped connection). */
export const KINDS = ['5xx', 'non-JSON errors', 'malformed errors', 'no answers', 'process exits'] as const;

/** The first words of an error message, without positions, quoted parts or the "invalid parameter" prefix. */
export function gist(message: string, words = 5): string {
  return message
    .replace(/^(api: )?invalid parameter \\?"[^"]*\\?": /, '')
    .replace(/\d+:\d+: /g, '')
    .replace(/"[^"]*"|`[^`]*`|\/\^[^ ]*\//g, '…')
    .replace(/\d+/g, 'N')
    .split(/\s+/)
    .slice(0, words)
    .join(' ');
}

/** The invariants every answer holds whatever the input. */
export function answerViolations(a: Answer): Violation[] {
  if (a.status === 0) return [{ kind: 'no answers', key: gist(a.failure ?? '', 3), detail: a.failure ?? 'no answer' }];
  const out: Violation[] = [];
  const snippet = `${a.status} ${a.contentType} ${a.text.slice(0, 240)}`;
  const j = a.json;
  if (a.status >= 500) out.push({ kind: '5xx', key: `${a.status} ${String(j?.errorType ?? a.contentType)} ${gist(String(j?.error ?? a.text))}`, detail: snippet });
  if (a.status >= 300) {
    if (j === undefined) out.push({ kind: 'non-JSON errors', key: `${a.status} ${a.contentType.split(';')[0]} ${gist(a.text, 3)}`, detail: snippet });
    else {
      const missing = ['status', 'errorType', 'error', 'hop'].filter((k) => typeof j[k] !== 'string' || j[k] === '');
      if (j.status !== 'error' || missing.length > 0) {
        out.push({ kind: 'malformed errors', key: `${a.status} ${String(j.errorType ?? '')} without ${missing.join(', ') || 'status "error"'}`, detail: snippet });
      }
    }
  }
  return out;
}

const signature = (v: Violation) => `${v.kind} | ${v.key}`;

/** Shrinking order: the worst kinds first (a process gone, a hang, a 5xx), malformed bodies last. */
function severity(sig: string): number {
  const order = ['process exits', 'no answers', '5xx', 'non-JSON errors', 'malformed errors'];
  const i = order.indexOf(sig.split(' | ')[0]!);
  return i < 0 ? 2.5 : i; // a property's own invariants rank with the 5xx
}

export interface PropertyReport {
  name: string;
  cases: number;
  counts: Record<string, number>;
  /** First input per violation signature, then its shrunk counterexample when shrinking ran. */
  examples: Array<{ signature: string; detail: string; input: string; minimal?: string; minimalDetail?: string }>;
  /** Time of the cases themselves, then of the shrinking (zero when nothing failed). */
  ms: number;
  shrinkMs: number;
}

export function formatReport(r: PropertyReport): string {
  const figures = Object.entries(r.counts).map(([k, n]) => `${n} ${k}`).join(', ');
  const shrink = r.shrinkMs > 0 ? ` + ${(r.shrinkMs / 1000).toFixed(1)} s shrinking` : '';
  const lines = [`${r.name}: ${r.cases} cases, ${figures} (${(r.ms / 1000).toFixed(1)} s${shrink}, seed ${SEED})`];
  for (const e of r.examples.slice(0, 10)) {
    lines.push(`  violation [${e.signature}]`, `    first input: ${e.input.slice(0, 600)}`, `    answer: ${e.detail.slice(0, 400)}`);
    if (e.minimal !== undefined) lines.push(`    minimal counterexample: ${e.minimal.slice(0, 600)}`, `    its answer: ${(e.minimalDetail ?? '').slice(0, 400)}`);
  }
  return lines.join('\n');
}

export interface PropertySpec<T> {
  name: string;
  arbitrary: fc.Arbitrary<T>;
  runs: number;
  /** Runs one case against the stack and returns every invariant it broke (extra kinds allowed). */
  check(input: T): Promise<Violation[]>;
  /** Extra figure names printed even when zero (e.g. "forged tokens accepted"). */
  extraKinds?: readonly string[];
  /** Called before the cases and after any case that got no answer, so a hang is counted once. */
  settle?: () => Promise<void>;
}

/**
 * Runs every case (so the figures count them all), then shrinks the first few violation kinds with the
 * same seed, each within SHRINK_MS. Returns the report; the caller asserts on it.
 */
export async function runProperty<T>(spec: PropertySpec<T>): Promise<PropertyReport> {
  const t0 = Date.now();
  const counts: Record<string, number> = {};
  for (const k of [...KINDS, ...(spec.extraKinds ?? [])]) counts[k] = 0;
  const firsts = new Map<string, { detail: string; input: string }>();
  let cases = 0;
  const checked = async (input: T): Promise<Violation[]> => {
    const found = await spec.check(input);
    if (spec.settle && found.some((v) => v.kind === 'no answers')) await spec.settle();
    return found;
  };
  await spec.settle?.();
  await fc.check(
    fc.asyncProperty(spec.arbitrary, async (input) => {
      cases++;
      for (const v of await checked(input)) {
        counts[v.kind] = (counts[v.kind] ?? 0) + 1;
        const sig = signature(v);
        if (!firsts.has(sig)) firsts.set(sig, { detail: v.detail, input: fc.stringify(input) });
      }
      return true;
    }),
    { seed: SEED, numRuns: spec.runs },
  );
  const ms = Date.now() - t0;
  const examples: PropertyReport['examples'] = [...firsts.entries()].map(([sig, f]) => ({ signature: sig, ...f })).sort((a, b) => severity(a.signature) - severity(b.signature));
  for (const e of examples.slice(0, MAX_KINDS_SHRUNK)) {
    let lastDetail = '';
    const res = await fc.check(
      fc.asyncProperty(spec.arbitrary, async (input) => {
        const hit = (await checked(input)).find((v) => signature(v) === e.signature);
        if (hit) lastDetail = hit.detail;
        return hit === undefined;
      }),
      { seed: SEED, numRuns: spec.runs, plugins: [fc.interruptAfterTimeLimit(SHRINK_MS)] },
    );
    if (res.failed && res.counterexample) {
      const minimal = (res.counterexample as unknown as [T])[0];
      e.minimal = fc.stringify(minimal);
      // Run the minimal case once more so the printed answer is the minimal case's own.
      const again = (await checked(minimal)).find((v) => signature(v) === e.signature);
      e.minimalDetail = again?.detail ?? lastDetail;
    }
  }
  return { name: spec.name, cases, counts, examples, ms, shrinkMs: Date.now() - t0 - ms };
}

export function totalViolations(r: PropertyReport): number {
  return Object.values(r.counts).reduce((a, b) => a + b, 0);
}
