import { buildProgram } from './commands.js';

const program = await buildProgram(process.argv.slice(2));
await program.parseAsync(process.argv);
