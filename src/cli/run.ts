import { ConfigError } from '../config/load.js';
import { ListenError } from '../http/server.js';
import { TlsConfigError } from '../http/tls.js';

/** Exit codes every command shares: 2 = bad usage or a setting that cannot work (a port in use), 1 = could not start. */
export const EXIT_USAGE = 2;
export const EXIT_FAILED = 1;

/**
 * Runs a command's body: configuration errors, unusable listen addresses and start-up failures print
 * one clear line set to stderr and exit 2 (bad usage, a port in use) or 1 (could not start), instead
 * of a stack trace. `component` prefixes the message ("obspath api: cannot listen on ...").
 */
export async function runCommand(body: () => Promise<void>, component?: string): Promise<void> {
  try {
    await body();
  } catch (err) {
    const prefix = component ? `obspath ${component}:` : 'obspath:';
    process.stderr.write(`${prefix} ${(err as Error).message}\n`);
    process.exit(err instanceof ConfigError || err instanceof ListenError || err instanceof TlsConfigError ? EXIT_USAGE : EXIT_FAILED);
  }
}
