import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { durationMs } from '../config/duration.js';

/** One OAuth2 client of the dev issuer, and what its access tokens carry. */
const clientSchema = z.strictObject({
  clientID: z.string().min(1),
  clientSecret: z.string().min(1),
  /** Scopes this client may ask for; anything else is refused with invalid_scope. */
  scopes: z.array(z.string().min(1)).default([]),
  /** Audiences this client may ask for (`audience` form parameter); the first is the default `aud`. */
  audience: z.array(z.string().min(1)).default([]),
  /** Extra claims copied into every access token: tenant, groups, org_id, ... */
  claims: z.record(z.string(), z.unknown()).default({}),
  /** Token lifetime for this client (overrides the file's tokenTTL). */
  tokenTTL: durationMs.optional(),
});

export const clientsFileSchema = z.strictObject({
  realm: z.string().regex(/^[A-Za-z0-9._-]+$/).optional(),
  tokenTTL: durationMs.optional(),
  clients: z.array(clientSchema).default([]),
});

export type IssuerClient = z.output<typeof clientSchema>;
export type ClientsFile = z.output<typeof clientsFileSchema>;

/** Reads and validates a clients file; errors name the file, the path inside it, and the reason. */
export function loadClientsFile(path: string): ClientsFile {
  let data: unknown;
  try {
    data = parseYaml(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`clients file ${path}: ${(err as Error).message}`);
  }
  return parseClients(data ?? {}, path);
}

export function parseClients(data: unknown, source = 'clients'): ClientsFile {
  const res = clientsFileSchema.safeParse(data);
  if (!res.success) {
    const lines = res.error.issues.map((i) => `  - ${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
    throw new Error(`${source}: invalid clients configuration:\n${lines.join('\n')}`);
  }
  const seen = new Set<string>();
  for (const [i, c] of res.data.clients.entries()) {
    if (seen.has(c.clientID)) throw new Error(`${source}: clients.${i}.clientID: duplicate client "${c.clientID}"`);
    seen.add(c.clientID);
  }
  return res.data;
}
