// Human-readable and JSON reports of promqltest runs.

import type { FileResult } from './runner.js';
import { summarize } from './runner.js';

export function formatReport(results: FileResult[], opts: { verbose?: boolean } = {}): string {
  const out: string[] = [];
  for (const r of results) {
    if (r.error) {
      out.push(`${r.file}: script error: ${r.error}`);
      continue;
    }
    for (const c of r.cases) {
      if (c.status === 'failed') out.push(`FAIL ${r.file}:${c.line} ${c.expr}\n${indent(c.detail ?? '')}`);
      else if (c.status === 'unsupported' && opts.verbose) out.push(`UNSUPPORTED ${r.file}:${c.line} ${c.expr} (${c.detail})`);
    }
  }
  if (out.length > 0) out.push('');
  const width = Math.max(...results.map((r) => r.file.length), 5);
  for (const r of results) {
    out.push(`${r.file.padEnd(width)}  passed ${String(r.passed).padStart(4)}  failed ${String(r.failed).padStart(4)}  unsupported ${String(r.unsupported).padStart(4)}${r.error ? '  (script error)' : ''}`);
  }
  const t = summarize(results);
  out.push(`${'total'.padEnd(width)}  passed ${String(t.passed).padStart(4)}  failed ${String(t.failed).padStart(4)}  unsupported ${String(t.unsupported).padStart(4)}`);
  const unsupported = results.flatMap((r) => r.cases.filter((c) => c.status === 'unsupported').map((c) => c.detail ?? ''));
  if (unsupported.length > 0 && !opts.verbose) {
    const counts = new Map<string, number>();
    for (const u of unsupported) counts.set(u, (counts.get(u) ?? 0) + 1);
    out.push('unsupported cases by reason (use --verbose to list them):');
    for (const [reason, n] of [...counts].sort((a, b) => b[1] - a[1])) out.push(`  ${String(n).padStart(4)}  ${reason}`);
  }
  return out.join('\n');
}

function indent(s: string): string {
  return s.split('\n').map((l) => '    ' + l).join('\n');
}

export function jsonReport(results: FileResult[]): string {
  return JSON.stringify({ files: results, total: summarize(results) }, null, 2);
}
