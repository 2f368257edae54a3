// The `deap:DIR` data SPEC (issue 3 item 3): DEAP's preprocessed subject files (storage/datasets/deap,
// one subject in memory at a time) as model examples — 32 EEG channels, GSR as EDA, plethysmograph
// as PPG, respiration belt as RESP (no ECG: masked), each trial's self-assessed ratings as targets.

import { DEAP_CHANNELS, DEAP_RATE_HZ, findDeapFiles, openDeap } from '../../storage/datasets/deap/deap.js';
import type { HiMoEConfig } from '../himoe/config.js';
import { notesText, readDatasetExamples, type DatasetModalityInfo, type DatasetReader, type SubjectExamples } from './dataset-examples.js';

/** The model modalities DEAP records, channels in the file's order, at the preprocessed 128 Hz
 *  (EOG, EMG and temperature are not model modalities and are not used). */
export const DEAP_MODALITIES: readonly DatasetModalityInfo[] = Object.freeze(
  (['EEG', 'EDA', 'PPG', 'RESP'] as const).map((modality) => {
    const channels = DEAP_CHANNELS.filter((c) => c.modality === modality);
    return { modality, channelLabels: channels.map((c) => c.label), channelUnits: channels.map((c) => c.unit), nativeRateHz: DEAP_RATE_HZ };
  }),
);

export interface DeapExamples {
  subjects: SubjectExamples[];
  description: string;
}

/**
 * Examples of every DEAP subject file under `dir` (sNN.dat or sNN.mat; see findDeapFiles), one
 * SubjectExamples per file named `sNN`, trials `sNN/trialK` (K = 1..40, the file's order). The
 * 3 s pre-trial baseline is dropped; windows lie inside the 60 s trial. Targets: valence and
 * arousal (and dominance or liking when the model outputs them) on 1-9 mapped to (r - 5) / 4,
 * constant over the trial.
 */
export async function deapExamples(dir: string, config: HiMoEConfig, options: { hopSec: number; source?: string; onSubject?: (name: string, index: number, total: number) => void; shareAligned?: boolean }): Promise<DeapExamples> {
  const reader: DatasetReader = {
    name: 'DEAP',
    modalities: DEAP_MODALITIES,
    helper: 'modelSpecsFor(DEAP_MODALITIES)',
    open: async () => {
      const files = await findDeapFiles(dir);
      return { dataset: openDeap(files), total: files.length };
    },
  };
  const { subjects, notes, trials } = await readDatasetExamples(reader, config, { ...options, source: options.source ?? `deap:${dir}` });
  const description =
    `DEAP (preprocessed, 128 Hz): ${subjects.length} subject file(s) from ${dir}, ${trials} trial(s) with windows; ` +
    `targets are each trial's self-assessed ${config.outputs.join('/')} (1-9, mapped to (r - 5) / 4), constant over the trial; ` +
    `3 s pre-trial baselines dropped; per-subject median/IQR normalisation over the trials.${notesText(notes)}`;
  return { subjects, description };
}
