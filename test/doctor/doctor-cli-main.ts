// Runs `doctor` as its own process for cli.test.ts (the command sets the exit code, which must not leak into the test runner).
import { Command } from 'commander';
import { doctorCommand } from '../../src/cli/doctor.js';

await new Command('obspath').addCommand(doctorCommand()).parseAsync(process.argv);
