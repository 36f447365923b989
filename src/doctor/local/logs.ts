// Runbook step 1 for `--env local`: the fleet manager's and the refresher's log files that `obspath up` writes
// (<data>/logs/<component>.log, truncated at each start, rotated to .log.1), scanned with the same signature
// catalog as pod logs. Only the last `tailLines` lines of each, and with `sinceSeconds` only newer lines.

import { access, open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { hitEvidence, suspectsFromScan } from '../checks/logs.js';
import { scanLogs, type LogInput } from '../logs/scan.js';
import type { LogComponent } from '../logs/signatures.js';
import { checkResult, skipped, type CheckResult, type Evidence } from '../report.js';

const TITLE = 'Fleet manager and token refresher logs';
/** Read at most this much of the end of a file: the tail is what matters and the file may be 5 MiB. */
const MAX_READ_BYTES = 1024 * 1024;

export async function tailFile(path: string, lines: number): Promise<string | undefined> {
  let size: number;
  try { size = (await stat(path)).size; } catch { return undefined; }
  const fh = await open(path, 'r');
  try {
    const len = Math.min(size, MAX_READ_BYTES);
    const buf = Buffer.alloc(len);
    await fh.read(buf, 0, len, size - len);
    const all = buf.toString('utf8').split('\n');
    if (len < size) all.shift(); // a partial first line
    return all.slice(-lines - 1).join('\n');
  } finally {
    await fh.close();
  }
}

/** Drops JSON lines whose `time` is older than the window (lines without a time are kept). */
export function withinWindow(text: string, sinceSeconds: number | undefined, now: number): string {
  if (!sinceSeconds) return text;
  const cutoff = now - sinceSeconds * 1000;
  return text.split('\n').filter((l) => {
    const m = /"time":"([^"]+)"/.exec(l) ?? /"time":(\d{12,})/.exec(l);
    if (!m) return true;
    const t = /^\d+$/.test(m[1]!) ? Number(m[1]) : Date.parse(m[1]!);
    return !Number.isFinite(t) || t >= cutoff;
  }).join('\n');
}

export async function runLocalLogsCheck(logsDir: string, opts: { tailLines: number; sinceSeconds?: number; secrets: readonly string[]; now?: number }): Promise<CheckResult> {
  const inputs: LogInput[] = [];
  const read: string[] = [];
  // obspath up makes the directory at start and a component's file at its first line: no file, no line yet.
  const dirExists = await access(logsDir).then(() => true, () => false);
  if (!dirExists) return skipped('logs', TITLE, `no ${logsDir}: this obspath up does not write log files (run a newer one)`);
  for (const component of ['fleet-manager', 'token-refresher'] as LogComponent[]) {
    const file = join(logsDir, `${component}.log`);
    const text = await tailFile(file, opts.tailLines);
    if (text === undefined) { inputs.push({ component, source: file, text: '' }); read.push(`${component}: nothing logged yet`); continue; }
    inputs.push({ component, source: file, text: withinWindow(text, opts.sinceSeconds, opts.now ?? Date.now()) });
    read.push(`${component}: ${file}`);
  }
  const scan = scanLogs(inputs, { secrets: opts.secrets });
  const suspects = suspectsFromScan(scan);
  const evidence: Evidence[] = [
    { text: `scanned ${scan.linesScanned} line(s): ${read.join('; ')}`, data: { linesScanned: scan.linesScanned } },
    ...hitEvidence(scan),
  ];
  const strong = suspects.filter((s) => s.confidence !== 'possible');
  const status = strong.length > 0 ? 'fail' : scan.hits.length > 0 || scan.unmatchedErrors.length > 0 ? 'warn' : 'ok';
  const top = scan.hits[0];
  return checkResult('logs', TITLE, {
    status, evidence, suspects,
    summary: top ? `${scan.hits.reduce((n, h) => n + h.count, 0)} known error line(s); most frequent: ${top.count} x "${top.signature.title}" (${top.component})`
      : scan.unmatchedErrors.length > 0 ? 'error lines found, none matching a known signature' : 'no known error signature in the recent logs',
    ...(status !== 'ok' ? { fix: 'Follow the suspected cause below; the samples show the first and latest occurrence.' } : {}),
  });
}
