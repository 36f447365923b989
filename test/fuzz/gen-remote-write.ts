// Remote-write body generators: random bytes, valid snappy of garbage protobuf, valid requests with a
// lying snappy length, bit-flipped requests, and structured requests with invalid, duplicate or
// unsorted labels, huge values and timestamps from far past to far future. A hand-rolled protobuf
// encoder (not obspath's, not protobufjs's) so label order, duplicates and int64 extremes are ours.
import fc from 'fast-check';
import snappy from 'snappyjs';

export interface RwLabel {
  name: string;
  value: string;
}
export interface RwSeries {
  labels: RwLabel[];
  samples: Array<{ value: number; timestamp: bigint }>;
}

/** A case as fast-check prints it: the series (not their bytes) where there are series. */
export type RwCase =
  | { kind: 'structured'; series: RwSeries[] }
  | { kind: 'lying snappy length'; series: RwSeries[]; declared: number }
  | { kind: 'bit-flipped protobuf'; series: RwSeries[]; flips: Array<[number, number]> }
  | { kind: 'random bytes' | 'snappy of garbage'; bytes: Uint8Array };

function varint(n: bigint): number[] {
  let v = BigInt.asUintN(64, n);
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

function field(tag: number, payload: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([tag]), Buffer.from(varint(BigInt(payload.length))), payload]);
}

export function encodeSeries(series: RwSeries[]): Buffer {
  const parts = series.map((s) => {
    const labels = s.labels.map((l) => field(0x0a, Buffer.concat([field(0x0a, Buffer.from(l.name)), field(0x12, Buffer.from(l.value))])));
    const samples = s.samples.map((x) => {
      const v = Buffer.alloc(9);
      v[0] = 0x09;
      v.writeDoubleLE(x.value, 1);
      return field(0x12, Buffer.concat([v, Buffer.from([0x10, ...varint(x.timestamp)])]));
    });
    return field(0x0a, Buffer.concat([...labels, ...samples]));
  });
  return Buffer.concat(parts);
}

export const compress = (raw: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(snappy.compress(raw));

/** A snappy block whose preamble announces `declared` bytes instead of the true length. */
export function withDeclaredLength(block: Uint8Array, declared: number): Uint8Array<ArrayBuffer> {
  let i = 0;
  while (block[i]! >= 0x80) i++;
  return new Uint8Array(Buffer.concat([Buffer.from(varint(BigInt(declared))), block.subarray(i + 1)]));
}

const DAY = 86_400_000;

/** Timestamps relative to `now`: current, past, future (near and far), and int64 extremes. */
export function timestamp(now: number): fc.Arbitrary<bigint> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: -60_000, max: 0 }).map((d) => BigInt(now + d)) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 400 * DAY }).map((d) => BigInt(now - d)) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 5 * 60_000 }).map((d) => BigInt(now + d)) },
    { weight: 2, arbitrary: fc.integer({ min: 3_600_000, max: 1000 * DAY }).map((d) => BigInt(now + d)) },
    { weight: 1, arbitrary: fc.constantFrom(0n, -1n, 253_402_300_799_000n, 9_223_372_036_854_775_807n, -9_223_372_036_854_775_808n, 1n << 53n, -(1n << 53n)) },
  );
}

const sampleValue = fc.oneof(
  { weight: 4, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity, -0, Number.MAX_VALUE, Number.MIN_VALUE) },
);

const labelName = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('job', 'instance', 'le', 'fuzz', 'tenant_id', '__name__') },
  { weight: 2, arbitrary: fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,10}$/) },
  { weight: 1, arbitrary: fc.constantFrom('', '0bad', 'a-b', 'é', 'a b', '__', 'a.b', '\u0000', 'x'.repeat(300)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 8, unit: 'binary' }) },
);
const labelValue = fc.oneof(
  { weight: 6, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.constantFrom('', '\u0000', '\uFFFD', 'é日本', '"\\\n') },
  { weight: 1, arbitrary: fc.integer({ min: 1000, max: 200_000 }).map((n) => 'v'.repeat(n)) },
);

/** A metric name for generated series, never the canary's (the canary is attacked separately). */
const metricName = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom('fuzz_rw_metric', 'fuzz_rw_other', 'up') },
  { weight: 1, arbitrary: fc.constantFrom('', '0bad', 'a-b', 'fuzz:rw', 'fuzz_rw_é') },
);

function series(now: number, canary: RwLabel[]): fc.Arbitrary<RwSeries> {
  const plain = fc.record({
    name: metricName,
    extra: fc.array(fc.record({ name: labelName, value: labelValue }), { maxLength: 4 }),
    order: fc.constantFrom('sorted', 'unsorted', 'duplicated', 'no-name'),
    samples: fc.array(fc.record({ value: sampleValue, timestamp: timestamp(now) }), { maxLength: 4 }),
  }).map(({ name, extra, order, samples }) => {
    let labels = [{ name: '__name__', value: name }, ...extra];
    if (order === 'sorted') labels.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    if (order === 'unsorted') labels.reverse();
    if (order === 'duplicated' && labels.length > 0) labels.push({ ...labels[0]!, value: `${labels[0]!.value}-dup` });
    if (order === 'no-name') labels = extra;
    return { labels, samples };
  });
  // The canary's own series, with samples at or before its last one: out of order or duplicate
  // timestamps, which must never change what is stored.
  const canaryAttack = fc.array(fc.record({ value: sampleValue, timestamp: fc.integer({ min: 0, max: 40 }).map((k) => BigInt(canaryTime(now, k))) }), { minLength: 1, maxLength: 4 })
    .map((samples) => ({ labels: canary, samples }));
  return fc.oneof({ weight: 6, arbitrary: plain }, { weight: 1, arbitrary: canaryAttack });
}

/** The canary's sample times: one a minute, the latest (k = 0) one to two minutes before `now`. */
export function canaryTime(now: number, k: number): number {
  return Math.floor(now / 60_000) * 60_000 - 60_000 - k * 60_000;
}

/** The latest sample timestamp of a request (ms), if it has samples. */
export function maxTimestamp(series: RwSeries[]): bigint | undefined {
  let max: bigint | undefined;
  for (const s of series) for (const x of s.samples) if (max === undefined || x.timestamp > max) max = x.timestamp;
  return max;
}

/** The HTTP body of a case. */
export function bodyOf(c: RwCase): Uint8Array<ArrayBuffer> {
  switch (c.kind) {
    case 'structured': return compress(encodeSeries(c.series));
    case 'lying snappy length': return withDeclaredLength(compress(encodeSeries(c.series)), c.declared);
    case 'bit-flipped protobuf': {
      const raw = Buffer.from(encodeSeries(c.series));
      for (const [at, bit] of c.flips) if (raw.length > 0) raw[at % raw.length]! ^= 1 << bit;
      return compress(raw);
    }
    case 'random bytes': return new Uint8Array(c.bytes);
    case 'snappy of garbage': return compress(c.bytes);
  }
}

/** The true decompressed length of a lying-length case. */
export const trueLength = (series: RwSeries[]) => encodeSeries(series).length;

/**
 * Clean requests: one well-formed series, samples in order. Their only possible fault is the time, so a
 * 2xx answer says exactly which timestamps the store takes (a mixed request gets 400 either way).
 */
function clean(now: number): fc.Arbitrary<RwSeries[]> {
  return fc.record({ job: fc.stringMatching(/^[a-z0-9]{1,6}$/), times: fc.array(timestamp(now), { minLength: 1, maxLength: 3 }), value: sampleValue })
    .map(({ job, times, value }) => {
      const sorted = [...new Set(times)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      return [{ labels: [{ name: '__name__', value: 'fuzz_rw_clean' }, { name: 'job', value: job }], samples: sorted.map((timestamp) => ({ value, timestamp })) }];
    });
}

/** Declared snappy lengths: near the truth mostly, sometimes megabytes, rarely past every limit (a hang costs a deadline). */
const declaredLength = (trueLen: number) =>
  fc.oneof(
    { weight: 14, arbitrary: fc.integer({ min: -64, max: 64 }).filter((d) => d !== 0).map((d) => Math.max(0, trueLen + d)) },
    { weight: 3, arbitrary: fc.constantFrom(1000, 100_000, 1 << 20) },
    { weight: 3, arbitrary: fc.constantFrom(60 << 20, (64 << 20) + 1, 2 ** 31, 2 ** 32 - 1) },
  );

/** Every kind of remote-write body; `now` anchors timestamps (the canary's too). */
export function remoteWriteCase(now: number, canary: RwLabel[]): fc.Arbitrary<RwCase> {
  const seriesList = fc.array(series(now, canary), { minLength: 1, maxLength: 4 });
  return fc.oneof(
    { weight: 6, arbitrary: seriesList.map((ss): RwCase => ({ kind: 'structured', series: ss })) },
    { weight: 3, arbitrary: clean(now).map((ss): RwCase => ({ kind: 'structured', series: ss })) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 2000 }).map((bytes): RwCase => ({ kind: 'random bytes', bytes })) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 2000 }).map((bytes): RwCase => ({ kind: 'snappy of garbage', bytes })) },
    {
      weight: 1,
      arbitrary: fc.record({ series: seriesList, flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 4 }) })
        .map(({ series: ss, flips }): RwCase => ({ kind: 'bit-flipped protobuf', series: ss, flips })),
    },
    {
      weight: 1,
      arbitrary: clean(now).chain((ss) => declaredLength(trueLength(ss)).map((declared): RwCase => ({ kind: 'lying snappy length', series: ss, declared }))),
    },
  );
}
