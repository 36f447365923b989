import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';

/** A configuration file that cannot be used: names the file, the path inside it, and the reason. */
export class ConfigFileError extends Error {
  constructor(readonly file: string, readonly issues: Array<{ path: string; message: string }>, what: string) {
    super(`invalid ${what} ${file}:\n${issues.map((i) => `  - ${i.path}: ${i.message}`).join('\n')}`);
    this.name = 'ConfigFileError';
  }
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out ? '.' : ''}${String(p)}`;
  return out || '(root)';
}

/** Reads a YAML file and validates it with `schema`; every problem is reported with its path. */
export function loadYamlFile<S extends z.ZodType>(file: string, schema: S, what: string): z.output<S> {
  let data: unknown;
  try {
    data = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigFileError(file, [{ path: '(file)', message: (err as Error).message.split('\n')[0]! }], what);
  }
  return parseWith(file, data ?? {}, schema, what);
}

export function parseWith<S extends z.ZodType>(file: string, data: unknown, schema: S, what: string): z.output<S> {
  const res = schema.safeParse(data);
  if (!res.success) {
    throw new ConfigFileError(
      file,
      res.error.issues.map((i) => {
        const keys = (i as { keys?: string[] }).keys;
        const message = i.code === 'unrecognized_keys' && keys ? `unknown field${keys.length > 1 ? 's' : ''} ${keys.map((k) => `"${k}"`).join(', ')}` : i.message;
        return { path: formatPath(i.path), message };
      }),
      what,
    );
  }
  return res.data as z.output<S>;
}
