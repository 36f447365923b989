// Special sample values shared by every holder of samples (Prometheus's model/value).

// Prometheus marks a series stale with this exact NaN bit pattern (value.StaleNaN = 0x7ff0000000000002).
const staleBuf = new DataView(new ArrayBuffer(8));
staleBuf.setBigUint64(0, 0x7ff0000000000002n);
export const STALE_NAN: number = staleBuf.getFloat64(0);

/** True when `v` carries the stale-marker bit pattern (an ordinary NaN is not stale). */
export function isStaleNaN(v: number): boolean {
  if (v === v) return false; // not NaN at all
  staleBuf.setFloat64(0, v);
  return staleBuf.getBigUint64(0) === 0x7ff0000000000002n;
}
