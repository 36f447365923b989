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

await program.parseAsync(process.argv);
