// Public face of the Hi-MoE model (DESIGN §4): config, batching of aligned windows, the network,
// its losses and its parameter registry.

export * from './config.js';
export { allocWindowArrays, batchWindows, disposeBatch, fillWindowArrays, type BatchOptions, type WindowArrays, type ChannelNormalisation, type Normalisation, type WindowBatch } from './batch.js';
export { HiMoEInference, type InferenceOptions, type InferencePrediction } from './inference.js';
export { HiMoE, type ForwardOptions, type HiMoEOutput, type LossTerms, type Prediction } from './model.js';
export { balanceLoss, cccLoss, concordance, infoNceLoss, maskedMse } from './losses.js';
export { ParamStore, type Initialiser } from './params.js';
