// The native histogram library: the model (model.ts) and conversions; operations and validation sit beside them.
export * from './model.js';
export * from './convert.js';
