// The layout of an evaluation's output folder (himoe evaluate --out). Its own module, free of the
// model code, so that the engine can find a run's files without loading TensorFlow.js.

/** One file per finished (fold, architecture): runs/fold<k>-<arch>.json. */
export const RUNS_DIR = 'runs';
/** The kept networks (--keep-models): models/<foldModelName>/, each a model folder. */
export const FOLD_MODELS_DIR = 'models';

/** A kept network's folder name: fold<k>-<member> (k from 1; the member's odd characters as '-'). */
export function foldModelName(foldIndex: number, member: string): string {
  return `fold${foldIndex + 1}-${member.replace(/[^a-z0-9-]/gi, '-')}`;
}

/** The fold (from 1) and member of a kept network's folder name, or null for another name. */
export function parseFoldModelName(name: string): { fold: number; member: string } | null {
  const m = /^fold(\d+)-(.+)$/.exec(name);
  return m === null ? null : { fold: Number(m[1]), member: m[2]! };
}
/** The run's fingerprint and progress. */
export const RUN_JSON = 'run.json';
