// Public face of the model runtime: backend choice (tensorflow > wasm > cpu), the training
// gradients tfjs-core lacks, and seeded PRNGs.

export { BACKEND_ORDER, Rng, initModelRuntime, modelRuntime, seededRng, tf, type ModelBackend, type ModelRuntime, type RuntimeOptions } from './backend.js';
export { GRADIENT_KERNELS, registerModelGradients } from './gradients.js';
