// Public face of the Hi-MoE model (DESIGN §4): config, batching of aligned windows, the network,
// its losses and its parameter registry.

export * from './config.js';
export { batchWindows, disposeBatch, type BatchOptions, type ChannelNormalisation, type Normalisation, type WindowBatch } from './batch.js';
export { HiMoE, type ForwardOptions, type HiMoEOutput, type LossTerms, type Prediction } from './model.js';
export { balanceLoss, cccLoss, concordance, infoNceLoss, maskedMse } from './losses.js';
export { ParamStore, type Initialiser } from './params.js';
