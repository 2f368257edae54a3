// The synthetic corpus (issue 3 items 3, 6): N subjects x M trials of the synthetic source, the
// stimuli of the default schedule (all four valence/arousal quadrants). The same subject seeds and
// schedule feed `himoe synth-corpus` (XDF sessions with a GROUND_TRUTH stream, via the engine)
// (src-main/cli/commands-model.ts) and the `synthetic:` data SPEC (rendered straight into
// training examples).

import { defaultStimulusSchedule, type Stimulus } from '../../acquisition/synthetic/index.js';

/** Rest kept after the last clip, seconds. */
const TAIL_SEC = 5;
export const CORPUS_MANIFEST_JSON = 'corpus.json';

export interface CorpusSubject {
  subject: string;
  seed: number;
  durationSec: number;
  stimuli: Stimulus[];
}

/** Subject i (0-based) of the corpus with seed S has subject seed S * 1000 + i + 1. */
export function corpusSubject(corpusSeed: number, index: number, trials: number): CorpusSubject {
  const seed = corpusSeed * 1000 + index + 1;
  // Default clips last at most 70 s with at most 25 s of rest, after a 10 s baseline.
  const stimuli = defaultStimulusSchedule(seed, 10 + 95 * trials).slice(0, trials);
  const last = stimuli[stimuli.length - 1]!;
  return { subject: `synthetic-${seed}`, seed, durationSec: Math.ceil(last.onsetSec + last.durationSec + TAIL_SEC), stimuli };
}

export interface CorpusManifest {
  format: 'himoe-synthetic-corpus';
  version: 1;
  seed: number;
  trials: number;
  subjects: Array<CorpusSubject & { file: string }>;
}
