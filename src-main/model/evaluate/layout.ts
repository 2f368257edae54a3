// The layout of an evaluation's output folder (himoe evaluate --out). Its own module, free of the
// model code, so that the engine can find a run's files without loading TensorFlow.js.

/** One file per finished (fold, architecture): runs/fold<k>-<arch>.json. */
export const RUNS_DIR = 'runs';
/** The kept networks (--keep-models): models/fold<k>-<member>/, each a model folder. */
export const FOLD_MODELS_DIR = 'models';
/** The run's fingerprint and progress. */
export const RUN_JSON = 'run.json';
