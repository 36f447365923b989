// Runs Prometheus's PromQL conformance suite (vendored in test/fixtures/promql-testdata) through our promqltest runner.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runScript, summarize, type FileResult } from '../../src/promql/testing/runner.js';
import { REPO_ROOT } from '../../tools/testing/procs.js';

const SUITE_DIR = process.env.PROMQL_TESTDATA ?? join(REPO_ROOT, 'test', 'fixtures', 'promql-testdata');

/** Cases known to fail, as "file:line". Keep this list short and shrinking; a case passing or failing anew fails. */
const KNOWN_FAILURES: readonly string[] = [];

test('Prometheus conformance suite: every supported case passes', () => {
  assert.ok(existsSync(SUITE_DIR), `Prometheus's PromQL test data is missing at ${SUITE_DIR}`);
  const files = readdirSync(SUITE_DIR).filter((f) => f.endsWith('.test')).sort();
  assert.ok(files.length > 0, 'no .test files found');
  const results: FileResult[] = files.map((f) => runScript(readFileSync(join(SUITE_DIR, f), 'utf8'), f));
  for (const r of results) assert.equal(r.error, undefined, `${r.file}: ${r.error}`);
  const failing = results.flatMap((r) => r.cases.filter((c) => c.status === 'failed').map((c) => `${r.file}:${c.line}`));
  const total = summarize(results);
  console.log(
    results.map((r) => `${r.file}: passed ${r.passed}, failed ${r.failed}, unsupported ${r.unsupported}`).join('\n') +
      `\ntotal: passed ${total.passed}, failed ${total.failed}, unsupported ${total.unsupported}`,
  );
  const details = results.flatMap((r) => r.cases.filter((c) => c.status === 'failed').map((c) => `${r.file}:${c.line} ${c.expr}\n${c.detail}`));
  assert.deepEqual(failing, [...KNOWN_FAILURES], `unexpected failures:\n${details.join('\n\n')}`);
  // Every case runs, native histograms included: nothing is reported unsupported.
  const unsupported = results.flatMap((r) => r.cases.filter((c) => c.status === 'unsupported').map((c) => `${r.file}:${c.line} ${c.detail}`));
  assert.deepEqual(unsupported, [], 'unsupported cases');
  assert.ok(total.passed >= 983, `expected at least 983 passing cases, got ${total.passed}`);
});
