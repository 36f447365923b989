// `obspath doctor --env local` as a library call: the runDoctor options for the stack `obspath up` runs in a
// data directory (used by the CLI and by the fault-matrix tests, so both diagnose exactly the same way).

import { readFile } from 'node:fs/promises';
import { trustExtraCa } from '../../http/extra-ca.js';
import { runLiveApiCountersCheck } from '../live/api-counters.js';
import { liveCheckBoundMs, liveChecks, localConfigFromStack, localLogsCheck, targetsFromLocalStack, type LiveTargets } from '../live/index.js';
import type { DoctorOptions } from '../run.js';
import { LocalStackError, readLocalStack } from './stack-state.js';

/** `obspath up`'s stack.json is rewritten every second; older than this, the stack is not running. */
export const STALE_STACK_MS = 10_000;

export interface LocalDoctorOptions {
  dataDir: string;
  tailLines?: number;
  sinceSeconds?: number;
  escalationUrl?: string;
  /** Addresses that win over what stack.json says (flags), and alert sources. */
  extra?: Partial<LiveTargets>;
}

/** Throws LocalStackError when no stack runs in the directory (the CLI exits 2). */
export async function localDoctorOptions(o: LocalDoctorOptions): Promise<DoctorOptions> {
  const stack = await readLocalStack(o.dataDir);
  if (stack.ageMs > STALE_STACK_MS) throw new LocalStackError(`${stack.dataDir}/stack.json was last rewritten ${Math.round(stack.ageMs / 1000)} s ago: \`obspath up\` is not running there`);
  // up --tls: the probes trust the stack's throwaway CA (a CA file that cannot be read leaves the TLS failure to show).
  if (stack.caFile) trustExtraCa(await readFile(stack.caFile, 'utf8').catch(() => ''));
  const t = targetsFromLocalStack(stack, o.extra);
  const secrets = t.clientSecret ? [t.clientSecret] : [];
  return {
    environment: 'local',
    local: localConfigFromStack(stack),
    liveChecks: [
      localLogsCheck(stack, { tailLines: o.tailLines ?? 2000, sinceSeconds: o.sinceSeconds, secrets }), ...liveChecks(t),
      // The API's own rejection counters: a second fault behind one that keeps the doctor's queries away.
      { id: 'observatorium-health', run: () => runLiveApiCountersCheck(t) },
    ],
    secrets,
    liveCheckTimeoutMs: liveCheckBoundMs(t.timeouts),
    source: { kind: 'local', description: `obspath up in ${stack.dataDir}`, namespace: 'local' },
    escalation: { policyUrl: o.escalationUrl },
  };
}
