// What `obspath doctor collect` must never write: a Secret's values (the facts sources keep only key names),
// and secret values inlined elsewhere — literal env values and flags named like a secret in the pods and
// deployments (also inside last-applied-configuration), and the always-secret shapes of redact.ts in every
// string, log lines included. A scrubbed value is replaced, not emptied, so the credentials check still
// sees "set inline" and the analysis of the snapshot is the same.

import { REDACTED, redactText, redactValue } from '../redact.js';
import type { Container } from '../k8s/types.js';

/** Env names whose literal value is a secret (CLIENT_SECRET, OIDC_CLIENT_SECRET, DOCTOR_TOKEN, DB_PASSWORD...). */
const SECRET_ENV = /(SECRET|PASSWORD|PASSWD|TOKEN|API_?KEY|PRIVATE_?KEY)$/i;
/** Flag names whose value is a secret (--oidc.client-secret, --password, --token). */
const SECRET_FLAG = /^--?[\w.-]*(secret|password|passwd|token|api-key)$/i;
/** A Kubernetes $(VAR) reference is a pointer, not a value. */
const REFERENCE = /^\$\([A-Za-z_][A-Za-z0-9_]*\)$/;

function scrubArgs(argv: string[] | undefined, found: Set<string>): string[] | undefined {
  if (!argv) return argv;
  return argv.map((a, i) => {
    const eq = /^(--?[\w.-]+)=(.*)$/s.exec(a);
    if (eq && SECRET_FLAG.test(eq[1]!) && eq[2] !== '' && !REFERENCE.test(eq[2]!)) { found.add(eq[2]!); return `${eq[1]}=${REDACTED}`; }
    const prev = argv[i - 1];
    if (prev && !prev.includes('=') && SECRET_FLAG.test(prev) && !a.startsWith('-') && a !== '' && !REFERENCE.test(a)) { found.add(a); return REDACTED; }
    return a;
  });
}

function scrubContainer(c: Container, found: Set<string>): Container {
  return {
    ...c,
    ...(c.command ? { command: scrubArgs(c.command, found) } : {}),
    ...(c.args ? { args: scrubArgs(c.args, found) } : {}),
    ...(c.env ? {
      env: c.env.map((e) => {
        if (e.value === undefined || e.value === '' || !SECRET_ENV.test(e.name) || REFERENCE.test(e.value)) return e;
        found.add(e.value);
        return { ...e, value: REDACTED };
      }),
    } : {}),
  };
}

type PodSpecLike = { containers?: Container[]; initContainers?: Container[] };

function scrubPodSpec<T extends PodSpecLike | undefined>(spec: T, found: Set<string>): T {
  if (!spec) return spec;
  return {
    ...spec,
    ...(spec.containers ? { containers: spec.containers.map((c) => scrubContainer(c, found)) } : {}),
    ...(spec.initContainers ? { initContainers: spec.initContainers.map((c) => scrubContainer(c, found)) } : {}),
  };
}

/** Scrubs a Pod or a Deployment's containers; the literal secrets found go into `found`. */
export function scrubWorkload(kind: string, obj: Record<string, unknown>, found: Set<string>): Record<string, unknown> {
  const o = obj as { spec?: PodSpecLike & { template?: { spec?: PodSpecLike } } };
  if (kind === 'Pod') return { ...obj, spec: scrubPodSpec(o.spec, found) };
  if (kind === 'Deployment' && o.spec?.template) return { ...obj, spec: { ...o.spec, template: { ...o.spec.template, spec: scrubPodSpec(o.spec.template.spec, found) } } };
  return obj;
}

/** Every string of `value` with the known secrets and the always-secret shapes replaced. */
export function scrubAll<T>(value: T, secrets: ReadonlySet<string>): T {
  return redactValue(value, [...secrets]);
}

export function scrubLog(text: string, secrets: ReadonlySet<string>): string {
  return redactText(text, [...secrets]);
}
