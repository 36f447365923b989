// A component's settings table: for each config field, its flag (and aliases), env vars and help text. The
// component owns its table; the CLI turns it into commander options (src/cli/options.ts), and the doctor reads
// the refresher's to know where a deployed refresher takes each setting from.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { FieldSource } from './load.js';

export interface FieldSpec extends FieldSource {
  /** Commander flag spec, e.g. "--oidc.client-id <id>". */
  flags: string;
  description: string;
  /** Other spellings of the same flag (e.g. "--upstream.url <url>" for "--url <url>"). */
  aliases?: string[];
  /** Repeatable flag: values are collected into an array. */
  repeatable?: boolean;
}

/** The flag names of a field, main spelling first ("--url", "--upstream.url"). */
export function flagNames(spec: FieldSpec): string[] {
  return [spec.flags, ...(spec.aliases ?? [])].map((f) => f.split(' ')[0]!);
}

/**
 * Where the value of the field whose flag is `flag` came from when not the command line (flags > env > file >
 * default, as resolveConfig merges them): " from env X", " from <field> in <file>", ", its default"; '' when the
 * flag was given or no field has that flag.
 */
export function valueOrigin<K extends string>(
  fields: Record<K, FieldSpec>,
  flags: Partial<Record<K, unknown>>,
  flag: string,
  file?: string,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const field = (Object.keys(fields) as K[]).find((k) => fields[k].flag === flag);
  if (field === undefined || flags[field] !== undefined) return '';
  const name = fields[field].env?.find((n) => env[n]);
  if (name) return ` from env ${name}`;
  if (file && fileHasKey(file, field)) return ` from ${field} in ${file}`;
  return ', its default';
}

function fileHasKey(file: string, key: string): boolean {
  try {
    const data = parseYaml(readFileSync(file, 'utf8')) as unknown;
    return typeof data === 'object' && data !== null && key in data;
  } catch {
    return false;
  }
}
