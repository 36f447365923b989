// <data>/stack.json: what `obspath up` runs where, and how its components fare. The stack writes it every
// second (src/stack/index.ts); `obspath doctor --env local` reads it (src/doctor/local/stack-state.ts). One
// schema for both, so a field renamed on one side cannot silently vanish on the other.
import { renameSync, writeFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

export const STACK_FILE = 'stack.json';

/** A supervised component as the supervisor reports it. */
export interface ComponentState {
  name: string;
  pid?: number;
  running: boolean;
  restarts: number;
  crashLooping: boolean;
  lastExit?: { code: number | null; signal: string | null; at: number };
}

/** What the stack writes. */
export interface StackFile {
  startedAt: string;
  updatedAt: string;
  pid: number;
  /** Injected faults: written for people, deliberately not read by the doctor (it must find causes from evidence). */
  faults: readonly string[];
  /** The console's base URL (its JSON API: `obspath fault` injects and clears faults there). */
  consoleUrl?: string;
  /** Loopback port of each component's listener (refresher, refresherInternal, apiInternal, ...). */
  ports: Readonly<Record<string, number>>;
  issuerUrl: string;
  observatoriumUrl: string;
  fleetRefresherUrl: string;
  tenant: string;
  /** The refresher's env file (the stand-in for its Kubernetes Secret) and its command-line arguments. */
  refresher: { envFile: string; args: readonly string[] };
  apiConfig: { tenants: string; rbac: string };
  /** The API's command-line arguments (its deadlines: the doctor's probes wait a little longer). */
  api?: { args: readonly string[] };
  endpoints: readonly { component: string; url: string; what: string }[];
  components: readonly ComponentState[];
  dataPlane: { ok: number; failed: number; lastError?: string };
  /** With up --tls: the CA every listener's certificate chains to (the doctor's probes trust it). */
  tls?: { caFile: string };
}

/** Written beside and renamed over, so a reader in another process (the doctor, a test) never sees it half-written. */
export function writeStackFile(dataDir: string, state: StackFile): void {
  const path = join(dataDir, STACK_FILE);
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify(state, null, 2));
  renameSync(temp, path);
}

// The reader is lenient: a field of the wrong shape reads as absent, never as an error (a half-written or
// older file still gives the doctor what it has).
const optionalString = z.string().optional().catch(undefined);
const storedStackSchema = z.object({
  updatedAt: optionalString,
  pid: z.number().int().optional().catch(undefined),
  consoleUrl: optionalString,
  ports: z.record(z.string(), z.number()).catch({}).default({}),
  issuerUrl: optionalString,
  observatoriumUrl: optionalString,
  fleetRefresherUrl: optionalString,
  tenant: optionalString,
  refresher: z.object({
    envFile: optionalString,
    args: z.array(z.unknown()).catch([]).default([]).transform((a) => a.filter((x): x is string => typeof x === 'string')),
  }).catch({ args: [] }).default({ args: [] }),
  apiConfig: z.object({ tenants: optionalString }).catch({}).default({}),
  api: z.object({
    args: z.array(z.unknown()).catch([]).default([]).transform((a) => a.filter((x): x is string => typeof x === 'string')),
  }).catch({ args: [] }).default({ args: [] }),
  endpoints: z.array(z.object({ component: optionalString, url: optionalString }).catch({})).catch([]).default([]),
  tls: z.object({ caFile: optionalString }).catch({}).default({}),
  components: z.array(z.custom<ComponentState>((v) => typeof v === 'object' && v !== null)).catch([]).default([]),
});

export type StoredStack = z.output<typeof storedStackSchema>;

/** Reads <dataDir>/stack.json and its modification time; throws the fs or JSON error as is. */
export async function readStackFile(dataDir: string): Promise<{ state: StoredStack; mtimeMs: number }> {
  const file = join(dataDir, STACK_FILE);
  const [text, mtimeMs] = await Promise.all([readFile(file, 'utf8'), stat(file).then((s) => s.mtimeMs)]);
  const parsed = storedStackSchema.safeParse(JSON.parse(text));
  return { state: parsed.success ? parsed.data : storedStackSchema.parse({}), mtimeMs };
}
