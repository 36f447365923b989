// The native histogram library: the model (model.ts), conversions, operations (Prometheus's FloatHistogram
// methods), PromQL statistics, validation and the PromQL test notation. Pure functions, no I/O.
export * from './model.js';
export * from './convert.js';
export { getBound, getBoundExponential, isExponentialSchema, targetIdx } from './bounds.js';
export { compactBuckets, type CompactedBuckets } from './compact.js';
export { reduceSpansResolution, type SpansAndBuckets } from './merge.js';
export { AllFloatBucketIterator, FloatBucketIterator, ReverseFloatBucketIterator, zeroBucket, type BucketIterator } from './iterate.js';
export * from './ops.js';
export * from './integer.js';
export * from './compare.js';
export * from './stats.js';
export * from './validate.js';
export * from './literal.js';
export * from './describe.js';
