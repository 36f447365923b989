import { Command, Argument } from 'commander';
import { callConsole, findConsole, type ConsoleAnswer } from '../stack/console/client.js';
import type { FaultChange } from '../stack/live-faults.js';
import { helpWithExamples } from './help.js';
import { EXIT_FAILED, EXIT_USAGE } from './run.js';

export const FAULT_DESCRIPTION = "inject and clear the runbook's faults live in a running `obspath up` (only the affected components restart), through its console's JSON API";

interface FaultRow { name: string; hop: string; fleetCode: string; failureReason?: string; verdict: string; active: boolean; since?: string }

/** The catalog with what is active now, as `up --list-faults` prints it plus an "active since" column. */
function formatList(faults: FaultRow[]): string {
  const head = ['fault', 'active since', 'hop', 'fleet manager sees', 'doctor verdict'];
  const rows = faults.map((f) => [f.name, f.active ? (f.since ?? 'yes') : '-', f.hop, f.fleetCode + (f.failureReason ? ` (${f.failureReason})` : ''), f.verdict]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i < r.length - 1 ? c.padEnd(widths[i]!) : c)).join('  ');
  const active = faults.filter((f) => f.active).map((f) => f.name);
  return [line(head), ...rows.map(line), '', `active: ${active.length ? active.join(', ') : 'none'}`].join('\n');
}

function changeText(c: FaultChange | undefined, already: string): string {
  if (!c) return already;
  const parts = [
    c.restarted.length ? `restarted ${c.restarted.join(', ')}` : '',
    c.stopped.length ? `stopped ${c.stopped.join(', ')}` : '',
    c.standIns ? 'swapped the fault stand-in' : '',
  ].filter(Boolean);
  const notReady = c.notReady.length ? `\nnot ready yet (still starting): ${c.notReady.join(', ')}` : '';
  return `${parts.length ? parts.join('; ') : 'nothing to restart'}${notReady}`;
}

/** What a successful answer prints. */
function render(action: string, a: ConsoleAnswer): string {
  const data = a.body.data as { faults?: FaultRow[]; fault?: FaultRow & { alerts: string[] }; change?: FaultChange };
  if (action === 'list') return formatList(data.faults ?? []);
  const f = data.fault!;
  if (action === 'inject') {
    const sees = `the fleet manager records ${f.fleetCode}${f.failureReason ? ` (${f.failureReason})` : ''}`;
    return `injected ${f.name} (hop ${f.hop}): ${changeText(data.change, `already active since ${f.since ?? '?'}`)}\n${sees}; alerts: ${f.alerts.join(', ')}; doctor verdict: ${f.verdict}`;
  }
  return `cleared ${f.name}: ${changeText(data.change, 'it was not active')}`;
}

async function runFault(action: string, name: string | undefined, o: { data: string; json?: boolean }): Promise<number> {
  if (action !== 'list' && !name) {
    process.stderr.write(`obspath fault ${action}: which fault? (obspath fault list shows the catalog)\n`);
    return EXIT_USAGE;
  }
  const url = await findConsole(o.data);
  const path = action === 'list' ? '/api/v1/faults' : `/api/v1/faults/${encodeURIComponent(name!)}`;
  const answer = await callConsole(url, action === 'list' ? 'GET' : action === 'inject' ? 'POST' : 'DELETE', path, o.data);
  if (o.json) process.stdout.write(`${JSON.stringify(answer.body, null, 2)}\n`);
  if (answer.status === 200) {
    if (!o.json) process.stdout.write(`${render(action, answer)}\n`);
    return 0;
  }
  process.stderr.write(`obspath fault: ${answer.body.error ?? `HTTP ${answer.status}`}\n`);
  if (answer.status === 404) process.stderr.write('obspath fault list (or obspath up --list-faults --verbose) describes each.\n');
  return answer.status === 404 ? EXIT_USAGE : EXIT_FAILED;
}

/** `obspath fault list|inject NAME|clear NAME`: exit 0 done, 1 no stack or the change failed (409 included), 2 bad usage (unknown fault). */
export function faultCommand(): Command {
  const cmd = new Command('fault')
    .description(FAULT_DESCRIPTION)
    .addArgument(new Argument('<action>', 'list, inject or clear').choices(['list', 'inject', 'clear']))
    .argument('[name]', 'the fault (inject, clear); see obspath fault list')
    .option('--data <dir>', 'the data directory of the running obspath up (its stack.json names the console)', '.obspath')
    .option('--json', "print the console API's JSON answer as is");
  helpWithExamples(cmd, {
    notes: 'Talks to the console of the `obspath up` running with the same --data (GET /api/v1/faults, POST and DELETE /api/v1/faults/NAME). '
      + 'inject and clear return once the affected components run with the new fault set. Exit 0: done; 1: no stack runs there, or the change was refused (409: a fault that cannot be combined with an active one) or failed; 2: bad usage, an unknown fault.',
    examples: [
      ['npx obspath fault list', 'the catalog, with what is active now in the stack of .obspath'],
      ['npx obspath fault inject wrong-client-secret', 'the refresher restarts with a wrong client secret; everything else keeps running'],
      ['npx obspath fault clear wrong-client-secret --data .obspath', 'back to healthy'],
    ],
  });
  cmd.action(async (action: string, name: string | undefined, o: { data: string; json?: boolean }) => {
    try {
      process.exitCode = await runFault(action, name, o);
    } catch (err) {
      process.stderr.write(`obspath fault: ${(err as Error).message}\n`);
      process.exitCode = EXIT_FAILED;
    }
  });
  return cmd;
}
