// A node:test reporter for scripts/test.sh: after the run, the time each test file spent in its tests (the sum of
// its top-level tests' durations; the file's process start-up is not in it), longest first, and the sum. Node 20's
// own reporters give durations per test only, and the suite's wall time is what these files add up to divided by
// the concurrency: this table is where to look when the suite gets slow.
// JavaScript, not TypeScript: node 20 loads reporters before `--import tsx` registers its loader.
import { relative } from 'node:path';

const SHOWN = 30;

/** @param {AsyncIterable<{ type: string, data?: { nesting?: number, file?: string, details?: { duration_ms?: number } } }>} source */
export default async function* fileTimes(source) {
  /** @type {Map<string, { ms: number, tests: number }>} */
  const perFile = new Map();
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { nesting, file, details } = event.data ?? {};
    if (nesting !== 0 || !file) continue;
    const entry = perFile.get(file) ?? { ms: 0, tests: 0 };
    entry.ms += details?.duration_ms ?? 0;
    entry.tests += 1;
    perFile.set(file, entry);
  }
  if (perFile.size === 0) return;
  const rows = [...perFile].sort((a, b) => b[1].ms - a[1].ms);
  const seconds = (/** @type {number} */ ms) => (ms / 1000).toFixed(1);
  yield `# time in tests per file, longest first (${rows.length} files, sum ${seconds(rows.reduce((s, [, e]) => s + e.ms, 0))} s)\n`;
  for (const [file, e] of rows.slice(0, SHOWN)) yield `# ${seconds(e.ms).padStart(7)} s  ${relative(process.cwd(), file)} (${e.tests} top-level)\n`;
  const rest = rows.slice(SHOWN);
  if (rest.length > 0) yield `# ... ${rest.length} more files, ${seconds(rest.reduce((s, [, e]) => s + e.ms, 0))} s together\n`;
}
