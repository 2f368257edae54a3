// Public face of Hi-MoE training: examples from aligned sessions (synthetic ground truth),
// augmentations, Adam, and the resumable, seeded training loop with early stopping.

export { Adam, DEFAULT_ADAM, type AdamOptions } from './adam.js';
export { AUGMENTATION_NAMES, DEFAULT_AUGMENT, augmentWindow, shiftContent, type AugmentOptions } from './augment.js';
export { alignForModel, normaliseAligned, robustStats, sampleTrace, syntheticExamples, timelineOf, tokensWithMostContext, type Example, type SyntheticExamplesOptions } from './examples.js';
export {
  CHECKPOINT_BIN,
  CHECKPOINT_JSON,
  evaluateExamples,
  predictExamples,
  scorePredictions,
  type ExamplePrediction,
  learningRateAt,
  trainHiMoE,
  type LossValues,
  type TrainOptions,
  type TrainProgress,
  type TrainResult,
  type TrainableModel,
} from './trainer.js';
