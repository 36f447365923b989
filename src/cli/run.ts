import { ConfigError } from '../config/load.js';

/**
 * Runs a command's body: configuration errors and start-up failures print one clear line set to
 * stderr and exit 2 (bad usage) or 1 (could not start), instead of a stack trace.
 */
export async function runCommand(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`obspath: ${err.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`obspath: ${(err as Error).message}\n`);
    process.exit(1);
  }
}
