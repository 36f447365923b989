import { availableParallelism } from 'node:os';
import { Option } from 'commander';

/** `--workers N|auto`: how many processes serve the listener; auto is the cores Node may use. */
export function parseWorkers(value: string): number {
  if (value === 'auto') return availableParallelism();
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 256) {
    throw new Error(`--workers: "${value}" is not a number of workers (1 to 256) or "auto"`);
  }
  return Number(value);
}

/** The flag as each clustered command declares it (default 1: one process, no cluster). */
export function workersOption(): Option {
  return new Option('--workers <n|auto>', 'serve with N processes sharing the listen socket (node:cluster); auto = available cores. The primary holds the state shared across them (default 1: no cluster)')
    .env('OBSPATH_WORKERS').default('1');
}
