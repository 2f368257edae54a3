// Annotation science, pure TS: traces and their streams, agreement (ICC, Krippendorff's
// alpha, CCC, Pearson) with bootstrap intervals, reaction lags, consensus (mean, EWE),
// live running CCC, and consensus training targets.

export { AnnotationError, type AnnotationErrorCode } from './errors.js';
export * from './trace.js';
export * from './grid.js';
export * from './csv.js';
export * from './rating-matrix.js';
export * from './bootstrap.js';
export { SeededRng } from './rng.js';
export { fCdf, fQuantile, logGamma, regularizedBeta } from './special.js';
export * from './icc.js';
export * from './krippendorff.js';
export * from './correlation.js';
export * from './lag.js';
export * from './rater-lags.js';
export * from './consensus.js';
export * from './running-ccc.js';
export * from './live-agreement.js';
export * from './target.js';
export * from './report.js';
