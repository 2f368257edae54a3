// Public face of the emotion model (DESIGN §4): runtime, Hi-MoE network, model files, training
// and metrics. Submodules can also be imported directly (model/himoe, model/io, ...).

export { ModelError } from './errors.js';
export * from './runtime/index.js';
export * from './himoe/index.js';
export * from './io/index.js';
export * from './training/index.js';
export { regressionMetrics, rmse, type DimensionMetrics, type RegressionMetrics } from './metrics.js';
