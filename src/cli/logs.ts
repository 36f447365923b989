// `obspath logs [component] [-f]`: the logs `obspath up` keeps under <data>/logs/, one component's or all of them
// interleaved in time order with a prefix; -f follows them as `tail -F` does (across rotation and a restarted stack).
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { interleave, LogFollower, logNamesIn, readLogLines, STACK_LOG_NAMES } from '../stack/log-stream.js';
import { helpWithExamples } from './help.js';
import { runCommand } from './run.js';

const FOLLOW_POLL_MS = 250;

export function logsCommand(): Command {
  const cmd = new Command('logs')
    .description("print the component logs of `obspath up` (<data>/logs/); -f follows them")
    .argument('[component]', `one component (${STACK_LOG_NAMES.join(', ')}); all of them, interleaved, when omitted`)
    .option('-f, --follow', 'keep printing new lines as they are written (like tail -F: survives rotation and a restarted stack)')
    .option('-n, --lines <n>', 'only the last n lines of each component (default: all; with -f: 10)')
    .option('--data <dir>', 'the data directory of `obspath up`', '.obspath');
  helpWithExamples(cmd, {
    notes: 'Each line is as the component wrote it; with several components each is prefixed by its name ("api | ...") and they are merged by their time.',
    examples: [
      ['npx obspath logs token-refresher', "the refresher's log of the stack in .obspath"],
      ['npx obspath logs -f --data .obspath-fault', 'every component, followed, of a stack started with --data .obspath-fault'],
      ['npx obspath logs api -n 20', "the API's last 20 lines"],
    ],
  });
  cmd.action((component: string | undefined) =>
    runCommand(async () => {
      const o = cmd.opts<{ follow?: boolean; lines?: string; data: string }>();
      // `obspath logs | head`: the reader left; nothing more to say.
      process.stdout.on('error', (err: NodeJS.ErrnoException) => process.exit(err.code === 'EPIPE' ? 0 : 1));
      const dir = join(resolve(o.data), 'logs');
      const names = selectComponents(dir, component, o.data);
      const lines = o.lines === undefined ? (o.follow ? 10 : Infinity) : Number(o.lines);
      if ((!Number.isInteger(lines) && lines !== Infinity) || lines < 0) throw new Error(`--lines ${o.lines}: expected a whole number >= 0`);
      const prefixed = names.length > 1 || component === undefined;
      // Followed files are opened before their history is read: what is written in between is printed once.
      const followers = o.follow ? followFrom(dir, names, prefixed) : undefined;
      const byName = new Map(names.map((n) => [n, lastLines(readLogLines(dir, n, followers?.get(n)), lines)]));
      for (const line of prefixed ? interleave(byName) : byName.get(names[0]!)!) process.stdout.write(`${line}\n`);
      if (followers) await follow(dir, followers, component === undefined, prefixed);
    }, 'logs'),
  );
  return cmd;
}

const lastLines = (lines: string[], n: number): string[] => (n >= lines.length ? lines : lines.slice(lines.length - n));

/** The component asked for (an unknown one is an error listing the known ones), or every one with a log. */
function selectComponents(dir: string, component: string | undefined, dataArg: string): string[] {
  const present = logNamesIn(dir);
  if (component === undefined) {
    if (!existsSync(dir)) throw new Error(`no logs in ${dir}: is this the --data of a stack started with obspath up? (--data ${dataArg})`);
    return present;
  }
  const known = [...new Set([...STACK_LOG_NAMES, ...present])];
  if (!known.includes(component)) throw new Error(`unknown component "${component}"; known components: ${known.join(', ')}`);
  return [component];
}

/** A follower per named component, each starting at its file's end now (the history printed is what lies before). */
function followFrom(dir: string, names: string[], prefixed: boolean): Map<string, LogFollower> {
  const followers = new Map<string, LogFollower>();
  for (const n of names) addFollower(followers, dir, n, prefixed, true);
  return followers;
}

function addFollower(followers: Map<string, LogFollower>, dir: string, name: string, prefixed: boolean, fromEnd: boolean): void {
  const width = () => Math.max(...[...followers.keys()].map((n) => n.length));
  const print = (line: string) => process.stdout.write(prefixed ? `${name.padEnd(width())} | ${line}\n` : `${line}\n`);
  followers.set(name, new LogFollower(join(dir, `${name}.log`), print, fromEnd));
}

/** Polls the followers; with `joining`, a component whose file appears later is followed from its start. */
async function follow(dir: string, followers: Map<string, LogFollower>, joining: boolean, prefixed: boolean): Promise<never> {
  for (;;) {
    await new Promise((r) => setTimeout(r, FOLLOW_POLL_MS));
    if (joining) for (const n of logNamesIn(dir)) if (!followers.has(n)) addFollower(followers, dir, n, prefixed, false);
    for (const f of followers.values()) f.poll();
  }
}
