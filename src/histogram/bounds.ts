// Bucket boundaries of native histograms (Prometheus 3.5's model/histogram/generic.go: getBound,
// getBoundExponential, targetIdx). Bucket indexes are int32 in Prometheus; JS bitwise operators work on int32 too,
// so the shifts below behave exactly like Go's.
import { EXPONENTIAL_BOUNDS } from './bounds-table.js';
import { CUSTOM_BUCKETS_SCHEMA, EXPONENTIAL_SCHEMA_MAX, EXPONENTIAL_SCHEMA_MIN } from './model.js';

export function isExponentialSchema(schema: number): boolean {
  return schema >= EXPONENTIAL_SCHEMA_MIN && schema <= EXPONENTIAL_SCHEMA_MAX;
}

/** Go's math.Ldexp (frac × 2^exp) for frac in [0.5, 1]: 2^exp alone would overflow or underflow too early, and a
 *  subnormal result must be rounded once, as Go does (scale up by 2^53, then down). */
export function ldexp(frac: number, exp: number): number {
  if (exp > 1023) return frac * 2 ** 1023 * 2 ** (exp - 1023);
  if (exp < -1021) return exp < -1200 ? 0 : frac * 2 ** (exp + 53) * 2 ** -53;
  return frac * 2 ** exp;
}

/** The upper bound of bucket `idx` (the lower bound is the bound of idx-1). */
export function getBound(idx: number, schema: number, customValues: readonly number[]): number {
  if (schema === CUSTOM_BUCKETS_SCHEMA) {
    const length = customValues.length;
    if (idx > length || idx < -1) throw new RangeError(`index ${idx} out of bounds for custom bounds of length ${length}`);
    if (idx === length) return Infinity;
    if (idx === -1) return -Infinity;
    return customValues[idx]!;
  }
  return getBoundExponential(idx, schema);
}

export function getBoundExponential(idx: number, schema: number): number {
  // The last bucket for regular numbers ends at MaxFloat64 (not +Inf), so that ±Inf observations have a bucket of
  // their own; the formula yields exactly 2^1024 for it in every schema (see generic.go).
  if (schema < 0) {
    const exp = idx * 2 ** -schema; // Go shifts a 64-bit int here: no int32 wrap-around
    if (exp === 1024) return Number.MAX_VALUE;
    return ldexp(1, exp);
  }
  const fracIdx = idx & ((1 << schema) - 1);
  const frac = EXPONENTIAL_BOUNDS[schema]![fracIdx]!;
  const exp = (idx >> schema) + 1;
  if (frac === 0.5 && exp === 1025) return Number.MAX_VALUE;
  return ldexp(frac, exp);
}

/** The bucket index in targetSchema (≤ originSchema) that bucket idx of originSchema falls into. */
export function targetIdx(idx: number, originSchema: number, targetSchema: number): number {
  return ((idx - 1) >> (originSchema - targetSchema)) + 1;
}
