// The `dreamer:FILE.mat` data SPEC (issue 3 item 3): DREAMER.mat (storage/datasets/dreamer, streamed
// one subject at a time) as model examples — Emotiv EEG (14 channels, 128 Hz) and the Shimmer ECG
// (2 leads, 256 Hz; a one-channel model ECG takes the first), each clip's ratings as targets.

import {
  DREAMER_ECG_LABELS,
  DREAMER_ECG_RATE_HZ,
  DREAMER_EEG_LABELS,
  DREAMER_EEG_RATE_HZ,
  openDreamer,
} from '../../storage/datasets/dreamer/dreamer.js';
import type { HiMoEConfig } from '../himoe/config.js';
import { notesText, readDatasetExamples, type DatasetModalityInfo, type DatasetReader, type SubjectExamples } from './dataset-examples.js';

/** The model modalities DREAMER records, channels in the file's order, at their native rates. */
export const DREAMER_MODALITIES: readonly DatasetModalityInfo[] = Object.freeze([
  { modality: 'EEG', channelLabels: [...DREAMER_EEG_LABELS], channelUnits: DREAMER_EEG_LABELS.map(() => 'microvolts'), nativeRateHz: DREAMER_EEG_RATE_HZ },
  { modality: 'ECG', channelLabels: [...DREAMER_ECG_LABELS], channelUnits: DREAMER_ECG_LABELS.map(() => 'a.u.'), nativeRateHz: DREAMER_ECG_RATE_HZ },
]);

export interface DreamerExamples {
  subjects: SubjectExamples[];
  description: string;
}

/**
 * Examples of every subject of DREAMER.mat, one SubjectExamples per subject named `sNN`, trials
 * `sNN/trialK` (K = 1..18, the film clips in the file's order). The neutral baseline clips are
 * skipped (normalisation statistics come from the subject's stimulus clips, as for every other
 * data SPEC). Targets: valence and arousal (and dominance when the model outputs it) on 1-5
 * mapped to (r - 3) / 2, constant over the clip. The subject count is not known before the file
 * has been read, so `onSubject` gets total 0.
 */
export async function dreamerExamples(file: string, config: HiMoEConfig, options: { hopSec: number; source?: string; onSubject?: (name: string, index: number, total: number) => void; shareAligned?: boolean }): Promise<DreamerExamples> {
  const reader: DatasetReader = {
    name: 'DREAMER',
    modalities: DREAMER_MODALITIES,
    helper: 'modelSpecsFor(DREAMER_MODALITIES)',
    open: () => Promise.resolve({ dataset: openDreamer(file), total: 0 }),
  };
  const { subjects, notes, trials } = await readDatasetExamples(reader, config, { ...options, source: options.source ?? `dreamer:${file}` });
  const description =
    `DREAMER: ${subjects.length} subject(s) from ${file}, ${trials} film clip(s) with windows; ` +
    `targets are each clip's self-assessed ${config.outputs.join('/')} (1-5, mapped to (r - 3) / 2), constant over the clip; ` +
    `baseline clips skipped; per-subject median/IQR normalisation over the clips.${notesText(notes)}`;
  return { subjects, description };
}
