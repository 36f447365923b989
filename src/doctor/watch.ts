// `obspath doctor --watch`: re-run every interval and print what changed (a check's status, the top verdict),
// so an SRE applying a fix sees the path heal step by step.

import type { DoctorReport } from './report.js';

export function diffReports(prev: DoctorReport, next: DoctorReport): string[] {
  const out: string[] = [];
  for (const c of next.checks) {
    const before = prev.checks.find((p) => p.id === c.id);
    if (!before) out.push(`${c.step} ${c.title}: ${c.status.toUpperCase()} (new): ${c.summary}`);
    else if (before.status !== c.status) out.push(`${c.step} ${c.title}: ${before.status.toUpperCase()} -> ${c.status.toUpperCase()}: ${c.summary}`);
  }
  const top = (r: DoctorReport) => r.verdicts[0]?.cause ?? 'none';
  if (top(prev) !== top(next)) out.push(`verdict: ${top(prev)} -> ${top(next)}${next.verdicts[0] ? ` (${next.verdicts[0].confidence}: ${next.verdicts[0].title})` : ''}`);
  if (prev.status !== next.status) out.push(`overall: ${prev.status.toUpperCase()} -> ${next.status.toUpperCase()}`);
  return out;
}

export interface WatchOptions {
  intervalMs: number;
  run: () => Promise<DoctorReport>;
  /** Prints the first report in full. */
  printFull: (r: DoctorReport) => void;
  print: (line: string) => void;
  signal: AbortSignal;
  now?: () => Date;
}

/** Runs until the signal aborts; returns the last report. */
export async function watch(opts: WatchOptions): Promise<DoctorReport | undefined> {
  let prev: DoctorReport | undefined;
  while (!opts.signal.aborted) {
    const next = await opts.run();
    if (!prev) opts.printFull(next);
    else {
      const changes = diffReports(prev, next);
      const at = (opts.now?.() ?? new Date()).toISOString().slice(11, 19);
      if (changes.length === 0) opts.print(`${at} no change (${next.status}${next.verdicts[0] ? `, ${next.verdicts[0].cause}` : ''})`);
      for (const c of changes) opts.print(`${at} ${c}`);
    }
    prev = next;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, opts.intervalMs);
      opts.signal.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
    });
  }
  return prev;
}
