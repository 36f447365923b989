// Commander wiring of a component's settings table (src/config/fields.ts): one option per field, and an
// action that resolves flags > env > file > defaults before running the command.
import { Option, type Command } from 'commander';
import type { z } from 'zod';
import { valueOrigin, type FieldSpec } from '../config/fields.js';
import { resolveConfig } from '../config/load.js';
import { ListenError } from '../http/server.js';
import { runCommand } from './run.js';

function attributeOf(cmd: Command, flags: string): string {
  return new Option(flags).attributeName();
}

/** Adds one option per field (and its aliases), with the env vars named in the help text. */
export function addFieldOptions(cmd: Command, fields: Record<string, FieldSpec>): Command {
  for (const spec of Object.values(fields)) {
    const env = spec.env && spec.env.length > 0 ? ` [env: ${spec.env.join(', ')}]` : '';
    for (const flags of [spec.flags, ...(spec.aliases ?? [])]) {
      const opt = new Option(flags, flags === spec.flags ? `${spec.description}${env}` : `alias of ${spec.flag ?? spec.flags.split(' ')[0]}`);
      if (spec.repeatable) opt.argParser((v: string, prev: string[] | undefined) => [...(prev ?? []), v]);
      if (flags !== spec.flags) opt.hideHelp(false);
      cmd.addOption(opt);
    }
  }
  return cmd;
}

/**
 * The values given explicitly on the command line, keyed by field. Setting a flag and its alias to
 * different values is an error (as in the Go refresher, where --url and --upstream.url conflict).
 */
export function explicitFlags<K extends string>(cmd: Command, fields: Record<K, FieldSpec>): Partial<Record<K, unknown>> {
  const out: Partial<Record<K, unknown>> = {};
  for (const [field, spec] of Object.entries(fields) as [K, FieldSpec][]) {
    for (const flags of [spec.flags, ...(spec.aliases ?? [])]) {
      const attr = attributeOf(cmd, flags);
      if (cmd.getOptionValueSource(attr) !== 'cli') continue;
      const value = cmd.getOptionValue(attr) as unknown;
      if (out[field] !== undefined && out[field] !== value) {
        throw new Error(`${spec.flags.split(' ')[0]} and ${flags.split(' ')[0]} are the same setting and were given different values`);
      }
      out[field] = value;
    }
  }
  return out;
}

/**
 * Gives a command its flags (one per field, plus `--config FILE` when `configFile`) and an action that
 * resolves flags > env > file > defaults with the schema and runs `body` with the result. Configuration
 * errors exit 2 and start-up failures exit 1, with one clear message (see run.ts).
 */
export function configuredAction<S extends z.ZodObject, K extends string & keyof z.input<S>>(
  cmd: Command,
  spec: { schema: S; fields: Record<K, FieldSpec>; context: string; configFile?: boolean },
  body: (config: z.output<S>) => Promise<void>,
): Command {
  if (spec.configFile) cmd.option('--config <file>', 'YAML file with the same settings (field names as in the docs); flags and env win over it');
  addFieldOptions(cmd, spec.fields);
  cmd.action(() =>
    runCommand(async () => {
      const flags = explicitFlags(cmd, spec.fields);
      const file = spec.configFile ? (cmd.opts().config as string | undefined) : undefined;
      const config = resolveConfig(spec.schema, { fields: spec.fields, flags, file, context: spec.context });
      try {
        await body(config);
      } catch (err) {
        if (!(err instanceof ListenError) || !err.flag) throw err;
        throw new ListenError(err.address, `${err.flag}${valueOrigin(spec.fields, flags, err.flag, file)}`, err.reason, err.code);
      }
    }, cmd.name()),
  );
  return cmd;
}
