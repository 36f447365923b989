import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/** Where one config field may come from, besides the file (whose key is the field name). */
export interface FieldSource {
  /** The command-line flag, for messages ("--oidc.client-id"). */
  flag?: string;
  /** Environment variables, first set wins. */
  env?: readonly string[];
}

export interface ConfigIssue {
  field: string;
  /** Where the bad value came from: "flag --x", "env X", "file f.yaml", or "default". */
  origin: string;
  message: string;
}

export class ConfigError extends Error {
  constructor(readonly issues: ConfigIssue[], context = 'configuration') {
    super(`invalid ${context}:\n${issues.map((i) => `  - ${i.field} (${i.origin}): ${i.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export interface ResolveOptions<K extends string> {
  fields: Record<K, FieldSource>;
  /** Values given explicitly on the command line (absent keys = not given). */
  flags: Partial<Record<K, unknown>>;
  env?: NodeJS.ProcessEnv;
  /** A YAML/JSON config file whose top-level keys are field names. */
  file?: string;
  context?: string;
}

/**
 * Merges flags > env > file > schema defaults, validates with zod, and reports every bad field with
 * the place its value came from, so "CLIENT_ID is empty" is never a mystery.
 */
export function resolveConfig<S extends z.ZodObject, K extends string & keyof z.input<S>>(
  schema: S,
  opts: ResolveOptions<K>,
): z.output<S> {
  const env = opts.env ?? process.env;
  const merged: Record<string, unknown> = {};
  const origin: Record<string, string> = {};
  const issues: ConfigIssue[] = [];

  if (opts.file) {
    let data: unknown;
    try {
      data = parseYaml(readFileSync(opts.file, 'utf8'));
    } catch (err) {
      throw new ConfigError([{ field: '(file)', origin: `file ${opts.file}`, message: (err as Error).message }], opts.context);
    }
    if (data != null && (typeof data !== 'object' || Array.isArray(data))) {
      throw new ConfigError([{ field: '(file)', origin: `file ${opts.file}`, message: 'expected a mapping of field names to values' }], opts.context);
    }
    for (const [k, v] of Object.entries((data ?? {}) as Record<string, unknown>)) {
      if (!(k in opts.fields)) {
        issues.push({ field: k, origin: `file ${opts.file}`, message: `unknown field; known fields: ${Object.keys(opts.fields).join(', ')}` });
        continue;
      }
      merged[k] = v;
      origin[k] = `file ${opts.file}`;
    }
  }
  for (const [k, src] of Object.entries(opts.fields) as [K, FieldSource][]) {
    for (const name of src.env ?? []) {
      const v = env[name];
      if (v !== undefined && v !== '') {
        merged[k] = v;
        origin[k] = `env ${name}`;
        break;
      }
    }
    const flagValue = opts.flags[k];
    if (flagValue !== undefined) {
      merged[k] = flagValue;
      origin[k] = `flag ${src.flag ?? k}`;
    }
  }

  const result = schema.safeParse(merged);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const field = issue.path.map(String).join('.') || '(root)';
      const top = String(issue.path[0] ?? '');
      const src = opts.fields[top as K];
      const where = origin[top] ?? (src ? `not set: use ${[src.flag, ...(src.env ?? []).map((e) => `env ${e}`)].filter(Boolean).join(' or ')}` : 'default');
      issues.push({ field: src?.flag ?? field, origin: where, message: issue.message });
    }
  }
  if (issues.length > 0) throw new ConfigError(issues, opts.context);
  return result.data as z.output<S>;
}
