import { readFileSync, unwatchFile, watchFile, type Stats } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { Logger } from '../telemetry/logger.js';

// The Kafka instances the fleet manager knows (its database, in the original): a YAML file, reloaded on change.

/** Kafka ids are xids in the original (20 chars, [0-9a-v]); anything of this shape is accepted, nothing else. */
export const KAFKA_ID_RE = /^[a-z0-9][a-z0-9-]{0,62}$/;

const instanceSchema = z.strictObject({
  id: z.string().regex(KAFKA_ID_RE, 'must be 1-63 lowercase letters, digits or dashes, starting with a letter or digit'),
  name: z.string().min(1),
  /** The instance's namespace in the data plane; default kafka-<id>. */
  namespace: z.string().min(1).optional(),
  org_id: z.union([z.string().min(1), z.number()]).transform(String),
  owner: z.string().min(1),
});

const listSchema = z.array(instanceSchema);
const fileSchema = z.strictObject({ kafkas: listSchema.default([]) });

export interface KafkaInstance {
  id: string;
  name: string;
  namespace: string;
  orgId: string;
  owner: string;
}

/** Reads and validates the file; errors name the file, the path inside it and the reason. */
export function loadInstancesFile(path: string): Map<string, KafkaInstance> {
  let data: unknown;
  try {
    data = parseYaml(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`instances file ${path}: ${(err as Error).message}`);
  }
  // Either {kafkas: [...]} or a bare list; parsed by shape so errors point at the bad entry (kafkas.0.id).
  const res = Array.isArray(data) ? listSchema.safeParse(data) : fileSchema.safeParse(data ?? { kafkas: [] });
  if (!res.success) {
    const lines = res.error.issues.map((i) => `  - ${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
    throw new Error(`instances file ${path}: invalid:\n${lines.join('\n')}`);
  }
  const list = Array.isArray(res.data) ? res.data : (res.data as z.output<typeof fileSchema>).kafkas;
  const out = new Map<string, KafkaInstance>();
  for (const k of list) {
    if (out.has(k.id)) throw new Error(`instances file ${path}: duplicate id "${k.id}"`);
    out.set(k.id, { id: k.id, name: k.name, namespace: k.namespace ?? `kafka-${k.id.toLowerCase()}`, orgId: k.org_id, owner: k.owner });
  }
  return out;
}

export interface InstanceRegistryState {
  loadedAt: number;
  count: number;
  /** The last reload error, while the previous good content stays in use. */
  lastError?: string;
}

/**
 * The instances file, kept in memory and reloaded when its mtime, size or inode changes (polled, so an
 * atomic rename or a ConfigMap symlink swap is seen too). A bad reload keeps the previous content.
 */
export class InstanceRegistry {
  private instances: Map<string, KafkaInstance>;
  private state: InstanceRegistryState;
  private readonly listener: (cur: Stats, prev: Stats) => void;

  constructor(readonly path: string, private readonly logger: Logger, pollMs = 500) {
    this.instances = loadInstancesFile(path);
    this.state = { loadedAt: Date.now(), count: this.instances.size };
    this.listener = (cur, prev) => {
      if (cur.mtimeMs === prev.mtimeMs && cur.size === prev.size && cur.ino === prev.ino) return;
      this.reload();
    };
    watchFile(path, { interval: pollMs, persistent: false }, this.listener);
  }

  reload(): void {
    try {
      this.instances = loadInstancesFile(this.path);
      this.state = { loadedAt: Date.now(), count: this.instances.size };
      this.logger.info({ file: this.path, count: this.instances.size }, 'instances file reloaded');
    } catch (err) {
      this.state = { ...this.state, lastError: (err as Error).message };
      this.logger.error({ file: this.path, err: (err as Error).message }, 'instances file reload failed: keeping the previous content');
    }
  }

  get(id: string): KafkaInstance | undefined {
    return this.instances.get(id);
  }

  status(): InstanceRegistryState {
    return this.state;
  }

  close(): void {
    unwatchFile(this.path, this.listener);
  }
}
