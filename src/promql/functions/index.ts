// The function table: name → implementation. Signatures (argument and return types) are in signatures.ts.

import { annotationText } from '../annotations.js';
import type { Call } from '../ast.js';
import { executionError } from '../errors.js';
import type { Evaluator } from '../evaluator.js';
import type { Grid, Value } from '../value.js';
import { HISTOGRAM_STATS, histogramFraction, histogramQuantile, histogramStat } from './histogram.js';
import {
  absent, absentOverTime, clamp, clampMax, clampMin, DATE_FUNCTIONS, elementwise, MATH_FUNCTIONS, pi, round,
  scalar, sort, sortByLabel, sortByLabelDesc, sortDesc, time, timestamp, vector,
} from './instant.js';
import { labelJoin, labelReplace } from './labels.js';
import { RANGE_KERNELS, rangeFunction } from './range.js';
import { FUNCTION_SIGNATURES } from './signatures.js';

export type FunctionImpl = (ev: Evaluator, call: Call, grid: Grid) => Value;

const table = new Map<string, FunctionImpl>();

for (const [name, fn] of Object.entries(MATH_FUNCTIONS)) table.set(name, elementwise(fn));
for (const [name, fn] of Object.entries(DATE_FUNCTIONS)) table.set(name, fn);

const KEEP_NAME = new Set(['last_over_time', 'first_over_time']);
for (const [name, kernel] of Object.entries(RANGE_KERNELS)) {
  table.set(name, rangeFunction(kernel, { keepName: KEEP_NAME.has(name) }));
}
table.set('quantile_over_time', rangeFunction(RANGE_KERNELS.quantile_over_time!, {
  checkArgs: (ev, [q]) => {
    for (const x of q!) if (!(x >= 0 && x <= 1)) ev.annotations.warn(annotationText.invalidQuantile(x));
  },
}));
table.set('double_exponential_smoothing', rangeFunction(RANGE_KERNELS.double_exponential_smoothing!, {
  checkArgs: (_ev, [sf, tf]) => {
    for (const x of sf!) if (!(x > 0 && x < 1)) throw executionError(`invalid smoothing factor. Expected: 0 < sf < 1, got: ${x.toFixed(6)}`);
    for (const x of tf!) if (!(x > 0 && x < 1)) throw executionError(`invalid trend factor. Expected: 0 < tf < 1, got: ${x.toFixed(6)}`);
  },
}));

table.set('round', round);
table.set('clamp', clamp);
table.set('clamp_min', clampMin);
table.set('clamp_max', clampMax);
table.set('time', time);
table.set('pi', pi);
table.set('vector', vector);
table.set('scalar', scalar);
table.set('timestamp', timestamp);
table.set('sort', sort);
table.set('sort_desc', sortDesc);
table.set('sort_by_label', sortByLabel);
table.set('sort_by_label_desc', sortByLabelDesc);
table.set('absent', absent);
table.set('absent_over_time', absentOverTime);
table.set('label_replace', labelReplace);
table.set('label_join', labelJoin);
table.set('histogram_quantile', histogramQuantile);
table.set('histogram_fraction', histogramFraction);
for (const [name, stat] of Object.entries(HISTOGRAM_STATS)) table.set(name, histogramStat(stat));

export const FUNCTIONS: ReadonlyMap<string, FunctionImpl> = table;

/** Functions with a signature but no implementation (reported as unsupported). */
export const UNIMPLEMENTED_FUNCTIONS: readonly string[] = [...FUNCTION_SIGNATURES.keys()].filter((n) => !table.has(n));
