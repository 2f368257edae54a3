// Public surface of the BrainFlow adapter: boards as SignalSources, descriptor mapping, loader.

export { BrainFlowSource, brainFlowParamsFromOptions, type BrainFlowParams, type BrainFlowSourceOptions } from './brainflow-source.js';
export {
  BRAINFLOW_PRESETS,
  BRAINFLOW_PRESET_NAMES,
  layoutFromDescriptors,
  type BrainFlowBoardDescr,
  type BrainFlowLayout,
  type BrainFlowPresetLayout,
  type BrainFlowStreamLayout,
} from './descriptor.js';
export { BRAINFLOW_INSTALL_HINT, loadBrainFlow, resolveBoardId, resolveBrainFlow, type BrainFlowModule } from './loader.js';
