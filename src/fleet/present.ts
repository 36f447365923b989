import type { InstantSeries, Labels, RangeSeries } from '../client/types.js';
import { LABEL_ALLOW_LIST, METRICS, METRICS_BY_NAME } from '../kafka-metrics/catalog.js';
import { ByteWriter } from '../json/byte-writer.js';

// The answers of the metrics endpoints: MetricsRangeQueryList / MetricsInstantQueryList JSON (labels
// filtered by the allow-list, millisecond timestamps) and Prometheus text for federate.

/**
 * JSON has no NaN or ±Inf. Prometheus writes them as strings, and so do we: a client that expects a
 * number then fails loudly, where the Go original sent a 200 with a truncated body.
 */
export type JsonValue = number | 'NaN' | '+Inf' | '-Inf';

export function jsonValue(v: number): JsonValue {
  if (Number.isFinite(v)) return v;
  if (Number.isNaN(v)) return 'NaN';
  return v > 0 ? '+Inf' : '-Inf';
}

export function allowedLabels(metric: Labels): Labels {
  const out: Labels = {};
  for (const k of Object.keys(metric).sort()) if (LABEL_ALLOW_LIST.has(k)) out[k] = metric[k]!;
  return out;
}

export interface RangeItem { metric?: Labels; values?: Array<{ timestamp?: number; value: JsonValue }> }
export interface InstantItem { metric?: Labels; timestamp?: number; value: JsonValue }

// Go's omitempty: empty maps/lists and zero timestamps are left out.
const withMetric = (m: Labels): { metric?: Labels } => (Object.keys(m).length > 0 ? { metric: m } : {});

// Built without spreads: 7k points per answer is the hot loop of a range request.
export function rangeList(id: string, series: RangeSeries[]) {
  const items: RangeItem[] = series.map((s) => {
    const item: RangeItem = withMetric(allowedLabels(s.metric));
    if (s.values.length > 0) {
      item.values = s.values.map((p) => (p.timestampMs !== 0 ? { timestamp: p.timestampMs, value: jsonValue(p.value) } : { value: jsonValue(p.value) }));
    }
    return item;
  });
  return { kind: 'MetricsRangeQueryList', id, ...(items.length > 0 ? { items } : {}) };
}

/** `jsonValue(v)` as JSON text, written: Number#toString is what JSON.stringify writes for a finite number. */
function writeJsonValue(w: ByteWriter, v: number): void {
  if (Number.isSafeInteger(v)) w.int(v);
  else if (Number.isFinite(v)) w.ascii(`${v}`);
  else w.ascii(Number.isNaN(v) ? '"NaN"' : v > 0 ? '"+Inf"' : '"-Inf"');
}

/** `{"k":"v",...}` of the allowed labels in key order, or '' when none is left (omitempty). */
function allowedLabelsJson(metric: Labels): string {
  let out = '';
  for (const k of Object.keys(metric).sort()) {
    if (!LABEL_ALLOW_LIST.has(k)) continue;
    out += `${out === '' ? '{' : ','}${JSON.stringify(k)}:${JSON.stringify(metric[k]!)}`;
  }
  return out === '' ? '' : `${out}}`;
}

/**
 * The bytes of `JSON.stringify(rangeList(id, series))`, written straight into a buffer. The range answer is ~7k
 * points; the object tree, its serialisation and measuring the string for Content-Length were ~25% of the
 * fleet manager's CPU per query_range, and building it as one string left a rope whose flattening and encoding
 * cost as much again (bench:fleet profiles). The series of one answer share their timestamps, so each is
 * formatted once per position (with the text around it) and reused while equal; integer values are written digit by digit.
 */
export function rangeJsonBytes(id: string, series: RangeSeries[]): Buffer {
  let points = 0;
  for (const s of series) points += s.values.length;
  const w = new ByteWriter(points * 40 + series.length * 256 + 64);
  w.ascii('{"kind":"MetricsRangeQueryList","id":');
  w.text(JSON.stringify(id));
  if (series.length === 0) {
    w.ascii('}');
    return w.bytes();
  }
  const stampAt: number[] = [];
  const stampHead: Buffer[] = []; // `{"timestamp":<ms>,"value":` of each position
  w.ascii(',"items":[');
  for (let i = 0; i < series.length; i++) {
    const s = series[i]!;
    const metric = allowedLabelsJson(s.metric);
    w.ascii(i === 0 ? '{' : ',{');
    if (metric !== '') {
      w.ascii('"metric":');
      w.text(metric);
    }
    if (s.values.length > 0) {
      w.ascii(metric !== '' ? ',"values":[' : '"values":[');
      for (let j = 0; j < s.values.length; j++) {
        const p = s.values[j]!;
        if (j > 0) w.ascii(',');
        if (p.timestampMs === 0) w.ascii('{"value":');
        else {
          if (stampAt[j] !== p.timestampMs) {
            stampAt[j] = p.timestampMs;
            stampHead[j] = Buffer.from(`{"timestamp":${p.timestampMs},"value":`, 'latin1');
          }
          w.raw(stampHead[j]!);
        }
        writeJsonValue(w, p.value);
        w.ascii('}');
      }
      w.ascii(']');
    }
    w.ascii('}');
  }
  w.ascii(']}');
  return w.bytes();
}

export function instantList(id: string, series: InstantSeries[]) {
  const items: InstantItem[] = series.map((s) => {
    // Key order as the Go struct: metric, timestamp, value.
    const item = withMetric(allowedLabels(s.metric)) as InstantItem;
    if (s.timestampMs !== 0) item.timestamp = s.timestampMs;
    item.value = jsonValue(s.value);
    return item;
  });
  return { kind: 'MetricsInstantQueryList', id, ...(items.length > 0 ? { items } : {}) };
}

function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

export function textValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

export interface FederateResult {
  text: string;
  /** Samples dropped because their projected labels equal another sample's. */
  collapsed: number;
  series: number;
}

/**
 * The federate exposition: for each of the 29 metrics, a gauge whose labels are that metric's variable
 * labels only (missing ones ""), sorted as client_golang gathers them. Series that collapse to the same
 * label values after the projection would be a duplicate (client_golang failed the whole scrape with a
 * 500); one sample is kept per label set instead: the one whose full upstream label set sorts first, so
 * the choice is stable from scrape to scrape (e.g. between the two replicas of an HA pair).
 */
export function federateText(samples: InstantSeries[]): FederateResult {
  const families = new Map<string, Map<string, { key: string; fullKey: string; value: number }>>();
  let collapsed = 0;
  for (const s of samples) {
    const name = s.metric.__name__;
    const spec = name === undefined ? undefined : METRICS_BY_NAME.get(name);
    if (!spec) continue;
    const labels = [...spec.federateLabels].sort();
    const key = labels.map((l) => `${l}="${escapeLabelValue(s.metric[l] ?? '')}"`).join(',');
    const fullKey = Object.keys(s.metric).sort().map((k) => `${k}=${JSON.stringify(s.metric[k])}`).join(',');
    let fam = families.get(spec.name);
    if (!fam) families.set(spec.name, (fam = new Map()));
    const prior = fam.get(key);
    if (prior) {
      collapsed++;
      if (prior.fullKey <= fullKey) continue;
    }
    fam.set(key, { key, fullKey, value: s.value });
  }
  const lines: string[] = [];
  let series = 0;
  for (const spec of [...METRICS].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const fam = families.get(spec.name);
    if (!fam) continue;
    lines.push(`# HELP ${spec.name} ${escapeHelp(spec.help)}`, `# TYPE ${spec.name} gauge`);
    for (const e of [...fam.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))) {
      lines.push(`${spec.name}${e.key ? `{${e.key}}` : ''} ${textValue(e.value)}`);
      series++;
    }
  }
  return { text: lines.length > 0 ? `${lines.join('\n')}\n` : '', collapsed, series };
}
