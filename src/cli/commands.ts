// The command table behind `obspath`. Each command's module (and what it imports: fastify, oidc-provider,
// the PromQL engine, ...) is loaded only when that command runs, so `obspath --help` and each component's
// start pay for one command, not nine. Names and descriptions are repeated here for the top-level help;
// test/ship/cli.test.ts checks they match the commands' own.
import { Command, Help } from 'commander';
import { helpWithExamples } from './help.js';

export interface CommandEntry {
  name: string;
  description: string;
  /** Positional arguments as shown in the command list (e.g. "<files...>"). */
  args?: string;
  load: () => Promise<Command>;
}

export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'up',
    description: 'run the whole metrics path on 127.0.0.1 (issuer, store, API, token refresher, fleet manager, probe, data plane), optionally with a runbook failure injected',
    load: async () => (await import('./up.js')).upCommand(),
  },
  { name: 'issuer', description: 'a real OIDC issuer (client_credentials, JWT access tokens) for local use and tests', load: async () => (await import('./issuer.js')).issuerCommand() },
  {
    name: 'token-refresher',
    description: 'OAuth2 client-credentials token refresher: keeps a token fresh and proxies requests to Observatorium with it',
    load: async () => (await import('./token-refresher.js')).tokenRefresherCommand(),
  },
  {
    name: 'api',
    description: 'The Observatorium API: per-tenant OIDC, RBAC, rate limits and tenant enforcement in front of a metrics store',
    load: async () => (await import('./api.js')).apiCommand(),
  },
  {
    name: 'fleet-manager',
    description: "kas-fleet-manager's metrics API (query_range, query, federate per Kafka instance), reading Observatorium through the token refresher",
    load: async () => (await import('./fleet-manager.js')).fleetManagerCommand(),
  },
  {
    name: 'store',
    description: 'the embedded metrics store as a server: Prometheus HTTP API v1 (query, query_range, series, labels) and remote write at /api/v1/write',
    load: async () => (await import('./store.js')).storeCommand(),
  },
  {
    name: 'promqltest',
    description: 'run PromQL test scripts (Prometheus promqltest format) against the embedded engine',
    args: '<files...>',
    load: async () => (await import('./promqltest.js')).promqltestCommand(),
  },
  {
    name: 'probe',
    description: 'synthetic prober (as observatorium/up): every period, remote-write a sample whose value is its timestamp and read it back with /query and /query_range',
    load: async () => (await import('./probe.js')).probeCommand(),
  },
  {
    name: 'fault',
    description: "inject and clear the runbook's faults live in a running `obspath up` (only the affected components restart), through its console's JSON API",
    args: '<action> [name]',
    load: async () => (await import('./fault.js')).faultCommand(),
  },
  {
    name: 'doctor',
    description: 'run the Observatorium non-2xx runbook: logs, Observatorium URL, credentials, NetworkPolicy, refresher health; names the root cause',
    load: async () => (await import('./doctor.js')).doctorCommand(),
  },
  {
    name: 'logs',
    description: "print the component logs of `obspath up` (<data>/logs/); -f follows them",
    args: '[component]',
    load: async () => (await import('./logs.js')).logsCommand(),
  },
];

/** The command a command line runs (`obspath help <cmd>` included), if it names one. */
export function commandNamed(argv: readonly string[]): CommandEntry | undefined {
  const words = argv.filter((a) => !a.startsWith('-'));
  const name = words[0] === 'help' ? words[1] : words[0];
  return COMMANDS.find((c) => c.name === name);
}

const STAND_INS = new WeakSet<Command>();

/** A stand-in that lists a command in the help without loading its module. */
function placeholder(entry: CommandEntry): Command {
  const cmd = new Command(entry.name).description(entry.description);
  if (entry.args) cmd.arguments(entry.args);
  STAND_INS.add(cmd);
  return cmd;
}

/**
 * The `obspath` program for these arguments (process.argv without node and the script): the named command
 * loaded for real, the others as stand-ins. `loadAll` loads every command (for tests).
 */
export async function buildProgram(args: readonly string[], opts: { loadAll?: boolean } = {}): Promise<Command> {
  const program = new Command('obspath')
    .description('The Observatorium metrics path and its runbook: issuer, token refresher, API, store, fleet manager, probe, doctor')
    .version('0.1.0')
    .showHelpAfterError()
    // A command's flags go to the command: `doctor serve --data X` reaches serve, not doctor (which has --data too).
    .enablePositionalOptions();
  helpWithExamples(program, {
    notes: 'Every flag can also come from the environment variable its help names; flags win over the environment, which wins over a --config file. Bad usage exits 2.',
    examples: [
      ['npx obspath up --log.level warn', 'the whole path on 127.0.0.1 (ports 18000-18012), quietly'],
      ['npx obspath doctor --env local', 'run the runbook against it'],
      ['npx obspath help up', "a command's flags and examples"],
    ],
  });
  // A stand-in has no options of its own; list it as its real command would be (every command has options).
  program.configureHelp({
    ...program.configureHelp(),
    subcommandTerm(c) {
      const term = Help.prototype.subcommandTerm.call(this, c);
      return STAND_INS.has(c) ? term.replace(/^\S+/, (name) => `${name} [options]`) : term;
    },
  });
  const wanted = commandNamed(args);
  for (const entry of COMMANDS) program.addCommand(opts.loadAll || entry === wanted ? await entry.load() : placeholder(entry));
  return program;
}
