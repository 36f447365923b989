// Scans log text against the signature catalog: each line counted once under its first matching signature,
// grouped per component and signature, with a couple of (redacted) sample lines and the pods they came from.

import { redactText } from '../redact.js';
import { LOG_SIGNATURES, type LogComponent, type LogSignature, type ParsedLine } from './signatures.js';

export interface LogInput {
  component: LogComponent;
  /** "pod token-refresher-abc (previous)", or a snapshot file name. */
  source: string;
  text: string;
}

export interface SignatureHit {
  signature: LogSignature;
  component: LogComponent;
  count: number;
  sources: string[];
  /** The `--workers` processes that logged it (their `worker` field); empty when only a single process did. */
  workers: number[];
  /** Up to MAX_SAMPLES lines: the first and the latest, redacted and shortened. */
  samples: string[];
}

export interface ScanSummary {
  hits: SignatureHit[];
  linesScanned: number;
  /** Per component, the worker ids its lines carry: a component run with `--workers` logs from each of them. */
  workers: Partial<Record<LogComponent, number[]>>;
  /** Error-level lines no signature matched (so an unknown failure is still visible). */
  unmatchedErrors: { component: LogComponent; count: number; samples: string[] }[];
}

const MAX_SAMPLES = 2;
const MAX_SAMPLE_CHARS = 300;

export function parseLine(raw: string): ParsedLine {
  const t = raw.trim();
  if (!t.startsWith('{')) return { raw };
  try {
    const top = JSON.parse(t) as Record<string, unknown>;
    // The fleet manager logs one line per failed request with each query's typed error in `failures[]`:
    // the first failure's fields stand for the line when it has none of its own.
    const first = Array.isArray(top.failures) && typeof top.failures[0] === 'object' && top.failures[0] !== null ? top.failures[0] as Record<string, unknown> : undefined;
    const o = first && top.errorType === undefined ? { ...first, level: top.level, msg: top.msg } : top;
    const s = (k: string) => (typeof o[k] === 'string' ? (o[k] as string) : undefined);
    const level = typeof o.level === 'number' ? (o.level >= 50 ? 'error' : o.level >= 40 ? 'warn' : 'info') : s('level');
    return {
      raw,
      json: {
        errorType: s('errorType'), reason: s('reason'), hop: s('hop'),
        msg: s('msg') ?? s('message') ?? s('error'), level,
        status: typeof o.status === 'number' ? o.status : typeof o.statusCode === 'number' ? o.statusCode : undefined,
        ...(typeof top.worker === 'number' ? { worker: top.worker } : {}),
      },
    };
  } catch {
    return { raw };
  }
}

/** Error-ish lines: JSON level error/fatal, logfmt level=error, glog E/F prefixes, Go's "http: proxy error". */
function looksLikeError(l: ParsedLine): boolean {
  if (l.json) return l.json.level === 'error' || l.json.level === 'fatal';
  return /\blevel=(error|fatal)\b|^[EF]\d{4} |\bERROR\b|\bpanic:/.test(l.raw);
}

export function matchSignature(line: ParsedLine, component: LogComponent, catalog: readonly LogSignature[] = LOG_SIGNATURES): LogSignature | undefined {
  return catalog.find((s) => (!s.components || s.components.includes(component)) && s.test(line));
}

function sample(line: string, secrets: readonly string[]): string {
  const r = redactText(line.trim(), secrets);
  return r.length > MAX_SAMPLE_CHARS ? `${r.slice(0, MAX_SAMPLE_CHARS)}...` : r;
}

function keepSample(samples: string[], line: string): void {
  // The first occurrence and the latest one: when it started, and that it is still happening.
  if (samples.length < MAX_SAMPLES) samples.push(line);
  else samples[MAX_SAMPLES - 1] = line;
}

export function scanLogs(inputs: readonly LogInput[], opts: { secrets?: readonly string[]; catalog?: readonly LogSignature[] } = {}): ScanSummary {
  const secrets = opts.secrets ?? [];
  const hits = new Map<string, SignatureHit>();
  const unmatched = new Map<LogComponent, { component: LogComponent; count: number; samples: string[] }>();
  const workers: ScanSummary['workers'] = {};
  let linesScanned = 0;
  const noteWorker = (component: LogComponent, id: number | undefined, into?: number[]) => {
    if (id === undefined) return;
    const seen = workers[component] ??= [];
    if (!seen.includes(id)) seen.push(id);
    if (into && !into.includes(id)) into.push(id);
  };
  for (const input of inputs) {
    for (const raw of input.text.split('\n')) {
      if (raw.trim().length === 0) continue;
      linesScanned++;
      const line = parseLine(raw);
      noteWorker(input.component, line.json?.worker);
      const sig = matchSignature(line, input.component, opts.catalog);
      if (!sig) {
        if (looksLikeError(line)) {
          const u = unmatched.get(input.component) ?? { component: input.component, count: 0, samples: [] };
          u.count++;
          keepSample(u.samples, sample(raw, secrets));
          unmatched.set(input.component, u);
        }
        continue;
      }
      const key = `${input.component}|${sig.id}`;
      let hit = hits.get(key);
      if (!hit) {
        hit = { signature: sig, component: input.component, count: 0, sources: [], samples: [], workers: [] };
        hits.set(key, hit);
      }
      hit.count++;
      noteWorker(input.component, line.json?.worker, hit.workers);
      if (!hit.sources.includes(input.source)) hit.sources.push(input.source);
      keepSample(hit.samples, sample(raw, secrets));
    }
  }
  return {
    hits: [...hits.values()].sort((a, b) => b.count - a.count),
    linesScanned,
    workers: Object.fromEntries(Object.entries(workers).map(([c, ids]) => [c, [...ids].sort((a, b) => a - b)])),
    unmatchedErrors: [...unmatched.values()],
  };
}
