// The signature table of PromQL functions (Prometheus 3.5 promql/parser/functions.go): argument types, how many
// optional trailing arguments are allowed, return type. Implementations live in the sibling files.

import { setCallReturnTypeResolver, type ValueType } from '../ast.js';

export interface FunctionSignature {
  name: string;
  argTypes: ValueType[];
  /** 0: exactly argTypes.length args; n > 0: up to n more after argTypes.length-1; -1: unlimited repeats of the last. */
  variadic: number;
  returnType: ValueType;
  experimental?: boolean;
}

const V: ValueType = 'vector';
const M: ValueType = 'matrix';
const S: ValueType = 'scalar';
const STR: ValueType = 'string';

const defs: [string, ValueType[], number, ValueType, boolean?][] = [
  ['abs', [V], 0, V],
  ['absent', [V], 0, V],
  ['absent_over_time', [M], 0, V],
  ['acos', [V], 0, V],
  ['acosh', [V], 0, V],
  ['asin', [V], 0, V],
  ['asinh', [V], 0, V],
  ['atan', [V], 0, V],
  ['atanh', [V], 0, V],
  ['avg_over_time', [M], 0, V],
  ['ceil', [V], 0, V],
  ['changes', [M], 0, V],
  ['clamp', [V, S, S], 0, V],
  ['clamp_max', [V, S], 0, V],
  ['clamp_min', [V, S], 0, V],
  ['cos', [V], 0, V],
  ['cosh', [V], 0, V],
  ['count_over_time', [M], 0, V],
  ['days_in_month', [V], 1, V],
  ['day_of_month', [V], 1, V],
  ['day_of_week', [V], 1, V],
  ['day_of_year', [V], 1, V],
  ['deg', [V], 0, V],
  ['delta', [M], 0, V],
  ['deriv', [M], 0, V],
  ['exp', [V], 0, V],
  ['first_over_time', [M], 0, V, true],
  ['floor', [V], 0, V],
  ['histogram_avg', [V], 0, V],
  ['histogram_count', [V], 0, V],
  ['histogram_fraction', [S, S, V], 0, V],
  ['histogram_quantile', [S, V], 0, V],
  ['histogram_stddev', [V], 0, V],
  ['histogram_stdvar', [V], 0, V],
  ['histogram_sum', [V], 0, V],
  ['double_exponential_smoothing', [M, S, S], 0, V, true],
  ['hour', [V], 1, V],
  ['idelta', [M], 0, V],
  ['increase', [M], 0, V],
  ['info', [V, V], 1, V, true],
  ['irate', [M], 0, V],
  ['label_replace', [V, STR, STR, STR, STR], 0, V],
  ['label_join', [V, STR, STR, STR], -1, V],
  ['last_over_time', [M], 0, V],
  ['ln', [V], 0, V],
  ['log10', [V], 0, V],
  ['log2', [V], 0, V],
  ['mad_over_time', [M], 0, V, true],
  ['max_over_time', [M], 0, V],
  ['min_over_time', [M], 0, V],
  ['minute', [V], 1, V],
  ['month', [V], 1, V],
  ['pi', [], 0, S],
  ['predict_linear', [M, S], 0, V],
  ['present_over_time', [M], 0, V],
  ['quantile_over_time', [S, M], 0, V],
  ['rad', [V], 0, V],
  ['rate', [M], 0, V],
  ['resets', [M], 0, V],
  ['round', [V, S], 1, V],
  ['scalar', [V], 0, S],
  ['sgn', [V], 0, V],
  ['sin', [V], 0, V],
  ['sinh', [V], 0, V],
  ['sort', [V], 0, V],
  ['sort_desc', [V], 0, V],
  ['sort_by_label', [V, STR], -1, V, true],
  ['sort_by_label_desc', [V, STR], -1, V, true],
  ['sqrt', [V], 0, V],
  ['stddev_over_time', [M], 0, V],
  ['stdvar_over_time', [M], 0, V],
  ['sum_over_time', [M], 0, V],
  ['tan', [V], 0, V],
  ['tanh', [V], 0, V],
  ['time', [], 0, S],
  ['timestamp', [V], 0, V],
  ['ts_of_first_over_time', [M], 0, V, true],
  ['ts_of_last_over_time', [M], 0, V, true],
  ['ts_of_max_over_time', [M], 0, V, true],
  ['ts_of_min_over_time', [M], 0, V, true],
  ['vector', [S], 0, V],
  ['year', [V], 1, V],
];

export const FUNCTION_SIGNATURES: ReadonlyMap<string, FunctionSignature> = new Map(
  defs.map(([name, argTypes, variadic, returnType, experimental]) => [
    name,
    { name, argTypes, variadic, returnType, experimental: experimental ?? false },
  ]),
);

/** Functions whose result depends on the evaluation time even when all selectors carry `@`. */
export const AT_MODIFIER_UNSAFE_FUNCTIONS: ReadonlySet<string> = new Set([
  'days_in_month', 'day_of_month', 'day_of_week', 'day_of_year', 'hour', 'minute', 'month', 'year',
  'predict_linear', 'time', 'timestamp',
]);

setCallReturnTypeResolver((name) => FUNCTION_SIGNATURES.get(name)?.returnType ?? 'vector');
