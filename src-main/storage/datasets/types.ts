// The dataset abstraction the model's training and evaluation consume: subjects -> trials ->
// multimodal signals + ratings. Importers (DEAP, DREAMER) stream trials one subject at a time,
// so a whole dataset never has to sit in memory; the workspace importer turns the same trials
// into sessions.

import type { ChannelInfo } from '../../core/streams/types.js';

/** Modalities a dataset trial can carry. The model uses EEG, ECG, EDA, PPG and RESP; EOG, EMG
 *  and TEMP (DEAP's extra channels) are passed on for completeness. */
export type DatasetModality = 'EEG' | 'ECG' | 'EDA' | 'PPG' | 'RESP' | 'EOG' | 'EMG' | 'TEMP';

export type DatasetName = 'DEAP' | 'DREAMER';

/** One modality's samples for one segment (baseline or stimulus) of a trial. */
export interface SignalBlock {
  modality: DatasetModality;
  /** One entry per column of `values` (label and unit, e.g. "Fp1" / "microvolts"). */
  channels: readonly ChannelInfo[];
  rateHz: number;
  sampleCount: number;
  /** sampleCount x channels.length, row-major (sample-major), the layout of a live Chunk. */
  values: Float32Array;
}

export type RatingDimension = 'valence' | 'arousal' | 'dominance' | 'liking';

export interface RatingScale {
  min: number;
  max: number;
}

export interface Rating {
  /** The value on the dataset's own scale. */
  value: number;
  scale: RatingScale;
  /** The value mapped linearly from [scale.min, scale.max] to [-1, 1] (the model's range). */
  normalized: number;
}

export type TrialRatings = Partial<Record<RatingDimension, Rating>>;

export interface DatasetSubject {
  dataset: DatasetName;
  /** Pseudonymous id, e.g. "deap-s01", "dreamer-s07". */
  id: string;
  /** 0-based position of the subject in the dataset. */
  index: number;
  /** File the subject was read from. */
  file: string;
  age?: number;
  gender?: string;
}

export interface DatasetTrial {
  subject: DatasetSubject;
  /** 0-based trial number within the subject, in presentation order as the dataset stores it. */
  trialIndex: number;
  trialCount: number;
  /** Stimulus-period signals, one block per modality. */
  signals: SignalBlock[];
  /** Pre-stimulus baseline per modality (empty when the dataset has none). */
  baseline: SignalBlock[];
  /** True when the baseline ends exactly where the stimulus begins (DEAP: one recording cut at
   *  3 s); false when they are separate recordings (DREAMER). */
  baselineContiguous: boolean;
  ratings: TrialRatings;
}

export interface TrialQuery {
  /** Only these subject ids (e.g. ["deap-s01"]); all when absent. */
  subjects?: readonly string[];
}

export interface EmotionDataset {
  readonly name: DatasetName;
  /** Trials of every (selected) subject, subject by subject; only one subject's data is held. */
  trials(query?: TrialQuery): AsyncIterable<DatasetTrial>;
}

/** A rating on `scale`, with its [-1, 1] mapping. */
export function makeRating(value: number, scale: RatingScale): Rating {
  return { value, scale, normalized: ((value - scale.min) / (scale.max - scale.min)) * 2 - 1 };
}

/** The block of `modality` in `blocks`, if present. */
export function findBlock(blocks: readonly SignalBlock[], modality: DatasetModality): SignalBlock | undefined {
  return blocks.find((b) => b.modality === modality);
}

/** Copies channels [first, first + count) of a channel-major matrix (row c holds channel c's
 *  samples, `stride` apart) into a new sample-major block. */
export function channelMajorToBlock(
  src: ArrayLike<number>,
  offset: number,
  rowStride: number,
  firstSample: number,
  sampleCount: number,
  channelRows: readonly number[],
): Float32Array {
  const ch = channelRows.length;
  const out = new Float32Array(sampleCount * ch);
  for (let c = 0; c < ch; c++) {
    const base = offset + channelRows[c]! * rowStride + firstSample;
    for (let s = 0, o = c; s < sampleCount; s++, o += ch) out[o] = src[base + s]!;
  }
  return out;
}
