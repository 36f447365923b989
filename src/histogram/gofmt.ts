// Go's fmt verbs for float64 that Prometheus's histogram messages and test notation use: %g / %v (shortest
// representation, exponent form below 1e-4 and from 1e6 on: 1e+06, 1.5e-05) and %f (6 decimals). Error messages
// and formatted literals then read exactly like Prometheus's.

export function goFormatG(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return '+Inf';
  if (x === -Infinity) return '-Inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const [mantissa, expText] = x.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  if (exp < -4 || exp >= 6) {
    const sign = exp < 0 ? '-' : '+';
    return `${mantissa}e${sign}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  // Between 1e-4 and 1e6 JavaScript's shortest decimal form is Go's too.
  return String(x);
}

export function goFormatF(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return '+Inf';
  if (x === -Infinity) return '-Inf';
  if (Math.abs(x) >= 1e21) return `${BigInt(x).toString()}.000000`;
  return x.toFixed(6);
}
