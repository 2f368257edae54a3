// Public face of the aligner (DESIGN §2 step 4): session alignment at model rates with
// availability masks, and model-window assembly with true patch times.

export * from './types.js';
export { alignSession, validateInputs, type AlignSessionOptions } from './aligner.js';
export { assembleWindow, windowsOver, countWindows, summarisePatches, type AssembleOptions, type WindowsOverOptions } from './window.js';
