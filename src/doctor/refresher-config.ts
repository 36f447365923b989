// Reads the token refresher's settings out of its Deployment the way the process would see them: flags in
// command/args (both "--flag=value" and "--flag value", with $(VAR) expanded from the container env) win over
// env variables, in the refresher's precedence. Secret-backed values are kept as references, never resolved.

import { flagNames, type FieldSpec } from '../config/fields.js';
import { refresherFields, type RefresherFlagField } from '../config/refresher-flags.js';
import type { Container, Deployment } from './k8s/types.js';

export type ConfigSource =
  | { kind: 'literal'; value: string; from: string }
  | { kind: 'secret'; secret: string; key: string; optional: boolean; from: string }
  | { kind: 'configmap'; configMap: string; key: string; from: string }
  | { kind: 'field'; fieldPath: string; from: string }
  | { kind: 'missing' };

export type RefresherSetting = 'issuerUrl' | 'clientId' | 'clientSecret' | 'observatoriumUrl' | 'audience';

/** The refresher's field behind each setting the doctor checks. */
const FIELD_OF: Readonly<Record<RefresherSetting, RefresherFlagField>> = {
  issuerUrl: 'issuerUrl',
  clientId: 'clientId',
  clientSecret: 'clientSecret',
  observatoriumUrl: 'upstreamUrl',
  audience: 'audience',
};

/** Flags and env names per setting, in the refresher's precedence: read from its own flag table, never re-spelled. */
const SETTINGS = Object.fromEntries(
  (Object.entries(FIELD_OF) as [RefresherSetting, RefresherFlagField][]).map(([setting, field]) => {
    const spec: FieldSpec = refresherFields[field];
    return [setting, { flags: flagNames(spec), env: [...(spec.env ?? [])] }];
  }),
) as Readonly<Record<RefresherSetting, { flags: string[]; env: string[] }>>;

/**
 * The settings a refresher started in this environment would take from its env vars: the first non-empty
 * variable of each setting, in the refresher's order (src/config/load.ts skips empty ones too).
 */
export function refresherSettingsFromEnv(env: NodeJS.ProcessEnv): Partial<Record<RefresherSetting, string>> {
  const out: Partial<Record<RefresherSetting, string>> = {};
  for (const [setting, spec] of Object.entries(SETTINGS) as [RefresherSetting, (typeof SETTINGS)[RefresherSetting]][]) {
    const name = spec.env.find((n) => env[n] !== undefined && env[n] !== '');
    if (name !== undefined) out[setting] = env[name];
  }
  return out;
}

export type RefresherConfig = Record<RefresherSetting, ConfigSource>;

/** The refresher's container: the one named token-refresher, else the one whose command/args mention it, else the first. */
export function refresherContainer(d: Deployment): Container | undefined {
  const cs = d.spec?.template?.spec?.containers ?? [];
  return cs.find((c) => c.name === 'token-refresher')
    ?? cs.find((c) => [...(c.command ?? []), ...(c.args ?? [])].some((a) => a.includes('token-refresher')))
    ?? cs[0];
}

function envSource(c: Container, name: string): ConfigSource {
  const e = (c.env ?? []).find((x) => x.name === name);
  if (!e) return { kind: 'missing' };
  const from = `env ${name}`;
  if (e.valueFrom?.secretKeyRef) return { kind: 'secret', secret: e.valueFrom.secretKeyRef.name, key: e.valueFrom.secretKeyRef.key, optional: e.valueFrom.secretKeyRef.optional === true, from };
  if (e.valueFrom?.configMapKeyRef) return { kind: 'configmap', configMap: e.valueFrom.configMapKeyRef.name, key: e.valueFrom.configMapKeyRef.key, from };
  if (e.valueFrom?.fieldRef) return { kind: 'field', fieldPath: e.valueFrom.fieldRef.fieldPath, from };
  return { kind: 'literal', value: e.value ?? '', from };
}

/** The value a flag is given on the command line, if any. */
function flagValue(argv: readonly string[], flag: string): string | undefined {
  let found: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith(`${flag}=`)) found = a.slice(flag.length + 1);
    else if (a === flag && i + 1 < argv.length) found = argv[i + 1];
  }
  return found;
}

/**
 * A flag value that is exactly "$(VAR)" takes VAR's source (so a secret stays a secret reference); Kubernetes
 * leaves unknown $(VAR) references as they are, which the caller then sees as a literal "$(VAR)".
 */
function flagSource(c: Container, raw: string, flag: string): ConfigSource {
  const ref = /^\$\(([A-Za-z_][A-Za-z0-9_]*)\)$/.exec(raw);
  if (ref) {
    const s = envSource(c, ref[1]!);
    if (s.kind !== 'missing') return { ...s, from: `${flag}=$(${ref[1]}) <- ${s.from}` } as ConfigSource;
  }
  const expanded = raw.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, name: string) => {
    const s = envSource(c, name);
    return s.kind === 'literal' ? s.value : m;
  });
  return { kind: 'literal', value: expanded, from: flag };
}

export function readRefresherConfig(c: Container): RefresherConfig {
  const argv = [...(c.command ?? []), ...(c.args ?? [])];
  const out = {} as RefresherConfig;
  for (const [setting, spec] of Object.entries(SETTINGS) as [RefresherSetting, (typeof SETTINGS)[RefresherSetting]][]) {
    let source: ConfigSource = { kind: 'missing' };
    for (const flag of spec.flags) {
      const v = flagValue(argv, flag);
      if (v !== undefined) { source = flagSource(c, v, flag); break; }
    }
    if (source.kind === 'missing') {
      for (const name of spec.env) {
        const s = envSource(c, name);
        if (s.kind !== 'missing') { source = s; break; }
      }
    }
    out[setting] = source;
  }
  return out;
}

/** How a source reads in evidence: literal values only for non-secret settings. */
export function describeSource(setting: RefresherSetting, s: ConfigSource): string {
  switch (s.kind) {
    case 'missing': return 'not set';
    case 'literal': return setting === 'clientSecret' ? `set inline (${s.from}; value not shown)` : `"${s.value}" (${s.from})`;
    case 'secret': return `from secret ${s.secret} key ${s.key} (${s.from})`;
    case 'configmap': return `from configmap ${s.configMap} key ${s.key} (${s.from})`;
    case 'field': return `from field ${s.fieldPath} (${s.from})`;
  }
}
