// Public face of model files: tfjs-format weights, manifest.json, MODEL_CARD.md, and the check
// of a model's expected modalities and channels against the streams at hand.

export {
  MANIFEST_FORMAT,
  MANIFEST_VERSION,
  assertStreamsMatch,
  checkStreams,
  renderModelCard,
  selectChannels,
  validateManifest,
  type ManifestModality,
  type ModalityMatch,
  type ModelManifest,
  type StreamCheck,
} from './manifest.js';
export {
  MANIFEST_JSON,
  MODEL_CARD_MD,
  MODEL_JSON,
  PER_SESSION_NORMALISATION,
  WEIGHTS_BIN,
  buildManifest,
  encodeModel,
  loadModel,
  readManifest,
  saveModel,
  type LoadOptions,
  type LoadedModel,
  type ManifestInfo,
  type ModelJson,
} from './model-files.js';
export { SHIPPED_MODEL_NAME, shippedModelDir } from './shipped-model.js';
