// The native histogram library: the model (model.ts); operations, validation and conversions are added beside it.
export * from './model.js';
