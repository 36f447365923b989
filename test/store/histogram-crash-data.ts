// The requests the histogram crash writer sends, rebuilt from the same seed by the test that checks them.
import type { SeriesToWrite } from '../../src/remotewrite/encode.js';
import { rng } from './util.js';
import { wireSeries } from './histogram-util.js';

export function histogramCrashRequests(t0: number): SeriesToWrite[][] {
  const r = rng(4242);
  const out: SeriesToWrite[][] = [];
  for (let b = 0; b < 40; b++) {
    const ts = [t0 + b * 1000];
    out.push([
      { labels: [{ name: '__name__', value: 'crash_h' }, { name: 'kind', value: 'int' }], timestamps: [], values: [], histograms: wireSeries(r, ts, 'int') },
      { labels: [{ name: '__name__', value: 'crash_h' }, { name: 'kind', value: 'float' }], timestamps: [], values: [], histograms: wireSeries(r, ts, 'float') },
      { labels: [{ name: '__name__', value: 'crash_h' }, { name: 'kind', value: 'custom' }], timestamps: [], values: [], histograms: wireSeries(r, ts, 'custom') },
      // A series that switches kind: floats on even requests, histograms on odd ones.
      b % 2 === 0
        ? { labels: [{ name: '__name__', value: 'crash_h' }, { name: 'kind', value: 'mixed' }], timestamps: ts, values: Float64Array.of(b) }
        : { labels: [{ name: '__name__', value: 'crash_h' }, { name: 'kind', value: 'mixed' }], timestamps: [], values: [], histograms: wireSeries(r, ts, 'int') },
    ]);
  }
  return out;
}
