// The exit decision of a --duration run. Unlike observatorium/up: the ratio sums every status code
// (up used one series per result, whichever it collected last), and no requests at all is a failure
// (up computed 0/0 = NaN, and NaN < threshold is false, so it passed).

export interface Tally {
  success: number;
  error: number;
}

export interface ProbeVerdict {
  ok: boolean;
  /** 0 when ok, else 1. */
  exitCode: 0 | 1;
  threshold: number;
  writes: Tally & { ratio: number };
  /** Undefined when no read endpoint is configured (then only writes decide). */
  reads?: Tally & { ratio: number };
  /** Why it failed, one line per problem. */
  problems: string[];
}

function ratioOf(t: Tally): number {
  const total = t.success + t.error;
  return total === 0 ? NaN : t.success / total;
}

function check(what: string, t: Tally, threshold: number, problems: string[], noneHint: string): void {
  const total = t.success + t.error;
  if (total === 0) problems.push(`no ${what} ran${noneHint}`);
  else if (t.success / total < threshold) problems.push(`${what}: ${t.success} of ${total} succeeded (${(100 * t.success / total).toFixed(1)}%), below the threshold of ${(100 * threshold).toFixed(1)}%`);
}

export function evaluateProbe(writes: Tally, reads: Tally | undefined, threshold: number): ProbeVerdict {
  const problems: string[] = [];
  check('writes', writes, threshold, problems, '');
  if (reads) check('reads', reads, threshold, problems, ': the run ended before --initial-query-delay passed');
  const ok = problems.length === 0;
  return {
    ok, exitCode: ok ? 0 : 1, threshold, problems,
    writes: { ...writes, ratio: ratioOf(writes) },
    ...(reads ? { reads: { ...reads, ratio: ratioOf(reads) } } : {}),
  };
}

/** "writes 10/10, reads 18/20 (90.0%)". */
export function summarize(v: ProbeVerdict): string {
  const part = (name: string, t: Tally & { ratio: number }) => `${name} ${t.success}/${t.success + t.error}${Number.isNaN(t.ratio) ? '' : ` (${(100 * t.ratio).toFixed(1)}%)`}`;
  return [part('writes', v.writes), ...(v.reads ? [part('reads', v.reads)] : [])].join(', ');
}
