import { Command } from 'commander';
import { apiCommand } from './api.js';
import { doctorCommand } from './doctor.js';
import { fleetManagerCommand } from './fleet-manager.js';
import { issuerCommand } from './issuer.js';
import { probeCommand } from './probe.js';
import { promqltestCommand } from './promqltest.js';
import { storeCommand } from './store.js';
import { tokenRefresherCommand } from './token-refresher.js';
import { upCommand } from './up.js';
import { helpWithExamples } from './help.js';

const program = new Command('obspath')
  .description('The Observatorium metrics path and its runbook: issuer, token refresher, API, store, fleet manager, probe, doctor')
  .version('0.1.0')
  .showHelpAfterError()
  .addCommand(upCommand())
  .addCommand(issuerCommand())
  .addCommand(tokenRefresherCommand())
  .addCommand(apiCommand())
  .addCommand(fleetManagerCommand())
  .addCommand(storeCommand())
  .addCommand(promqltestCommand())
  .addCommand(probeCommand())
  .addCommand(doctorCommand());
helpWithExamples(program, {
  notes: 'Every flag can also come from the environment variable its help names; flags win over the environment, which wins over a --config file. Bad usage exits 2.',
  examples: [
    ['npx obspath up --log.level warn', 'the whole path on 127.0.0.1 (ports 18000-18009), quietly'],
    ['npx obspath doctor --env local', 'run the runbook against it'],
    ['npx obspath help up', "a command's flags and examples"],
  ],
});

await program.parseAsync(process.argv);
