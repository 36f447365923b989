// `obspath promqltest FILE...`: runs Prometheus promqltest scripts against the embedded PromQL engine.

import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command } from 'commander';
import { formatReport, jsonReport } from '../promql/testing/report.js';
import { runScript, type FileResult } from '../promql/testing/runner.js';
import { helpWithExamples } from './help.js';

export function runPromqlTestFiles(files: string[]): FileResult[] {
  return files.map((f) => runScript(readFileSync(f, 'utf8'), basename(f)));
}

export function promqltestCommand(): Command {
  const cmd = new Command('promqltest')
    .description('run PromQL test scripts (Prometheus promqltest format) against the embedded engine')
    .argument('<files...>', 'test script files (.test)')
    .option('--json', 'print machine-readable results')
    .option('-v, --verbose', 'list every unsupported case')
    .action((files: string[], opts: { json?: boolean; verbose?: boolean }) => {
      const results = runPromqlTestFiles(files);
      process.stdout.write((opts.json ? jsonReport(results) : formatReport(results, { verbose: opts.verbose })) + '\n');
      if (results.some((r) => r.failed > 0 || r.error)) process.exitCode = 1;
    });
  return helpWithExamples(cmd, {
    notes: 'Prints passed / failed / unsupported per file; exits 1 when a case failed.',
    examples: [
      ['npx obspath promqltest docs/examples/promql/rate.test', 'one script'],
      ['npx obspath promqltest --json -v prometheus/promql/promqltest/testdata/*.test', "Prometheus's own scripts, from its source tree"],
    ],
  });
}

// Standalone: `node --import tsx src/cli/promqltest.ts FILE...`
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await promqltestCommand().parseAsync(process.argv.slice(2), { from: 'user' });
}
