// DREAMER importer (Katsigiannis & Ramzan 2018): reads DREAMER.mat (MAT level 5, one
// zlib-compressed struct) and streams its 23 subjects x 18 film clips into the dataset
// abstraction (types.ts). The MAT reader hands over each subject as soon as it is decoded and
// drops it once its trials are consumed, so only one subject's signals are held at a time (plus
// the compressed file bytes of the variable).
//
// Layout: DREAMER.Data{1x23}, each subject a struct with Age, Gender, EEG.baseline{18} /
// EEG.stimuli{18} (samples x 14 at 128 Hz), ECG.baseline{18} / ECG.stimuli{18} (samples x 2 at
// 256 Hz), ScoreValence / ScoreArousal / ScoreDominance (18 x 1, 1-5); then EEG_SamplingRate,
// ECG_SamplingRate, EEG_Electrodes and a few descriptive fields.

import type { ChannelInfo } from '../../../core/streams/types.js';
import { DatasetError } from '../dataset-error.js';
import { matCell, matField, matScalar, matText, readMatFile, type MatPath, type MatValue } from '../mat/mat-reader.js';
import {
  channelMajorToBlock,
  makeRating,
  type DatasetModality,
  type DatasetSubject,
  type DatasetTrial,
  type EmotionDataset,
  type RatingDimension,
  type SignalBlock,
  type TrialQuery,
} from '../types.js';

export const DREAMER_EEG_RATE_HZ = 128;
export const DREAMER_ECG_RATE_HZ = 256;
export const DREAMER_RATING_SCALE = { min: 1, max: 5 } as const;
export const DREAMER_EEG_LABELS = ['AF3', 'F7', 'F3', 'FC5', 'T7', 'P7', 'O1', 'O2', 'P8', 'T8', 'FC6', 'F4', 'F8', 'AF4'] as const;
/** The two ECG leads of the Shimmer sensor; the dataset states no unit, so a.u. */
export const DREAMER_ECG_LABELS = ['ECG1', 'ECG2'] as const;

const EEG_CHANNELS: ChannelInfo[] = DREAMER_EEG_LABELS.map((label) => ({ label, unit: 'microvolts' }));
const ECG_CHANNELS: ChannelInfo[] = DREAMER_ECG_LABELS.map((label) => ({ label, unit: 'a.u.' }));
const SCORES: ReadonlyArray<[RatingDimension, string]> = [
  ['valence', 'ScoreValence'],
  ['arousal', 'ScoreArousal'],
  ['dominance', 'ScoreDominance'],
];

export function dreamerSubjectId(index: number): string {
  return `dreamer-s${String(index + 1).padStart(2, '0')}`;
}

/** One decoded subject struct -> its trials. */
export function dreamerSubjectTrials(v: MatValue, subject: DatasetSubject): DatasetTrial[] {
  const where = `${subject.file}: DREAMER.Data{${subject.index + 1}}`;
  const eeg = matField(v, 'EEG', where);
  const ecg = matField(v, 'ECG', where);
  const eegStim = matCell(matField(eeg, 'stimuli', `${where}.EEG`), `${where}.EEG.stimuli`).items;
  const eegBase = matCell(matField(eeg, 'baseline', `${where}.EEG`), `${where}.EEG.baseline`).items;
  const ecgStim = matCell(matField(ecg, 'stimuli', `${where}.ECG`), `${where}.ECG.stimuli`).items;
  const ecgBase = matCell(matField(ecg, 'baseline', `${where}.ECG`), `${where}.ECG.baseline`).items;
  const n = eegStim.length;
  for (const [name, list] of [['EEG.baseline', eegBase], ['ECG.stimuli', ecgStim], ['ECG.baseline', ecgBase]] as const) {
    if (list.length !== n) throw new DatasetError('BAD_LAYOUT', `${where}.${name} has ${list.length} trials; EEG.stimuli has ${n}`, { where });
  }
  const scores = SCORES.map(([dim, field]) => {
    const s = matField(v, field, where);
    if (s.kind !== 'numeric' || s.real.length !== n) {
      throw new DatasetError('BAD_LAYOUT', `${where}.${field}: expected ${n} scores (one per trial)`, { where });
    }
    return [dim, s.real] as const;
  });
  // Age and Gender are descriptive: a subject without them (or with another type) still imports.
  const optionalText = (field: string): string => {
    const f = v.kind === 'struct' ? v.elements[0]?.[field] : undefined;
    return f && (f.kind === 'char' || (f.kind === 'numeric' && f.real.length === 1)) ? matText(f, `${where}.${field}`).trim() : '';
  };
  const ageText = optionalText('Age');
  const age = ageText === '' ? Number.NaN : Number(ageText);
  const gender = optionalText('Gender');
  const subj: DatasetSubject = { ...subject, ...(Number.isFinite(age) ? { age } : {}), ...(gender ? { gender } : {}) };
  const trials: DatasetTrial[] = [];
  for (let t = 0; t < n; t++) {
    const ratings: DatasetTrial['ratings'] = {};
    for (const [dim, values] of scores) ratings[dim] = makeRating(Number(values[t]), DREAMER_RATING_SCALE);
    const at = (part: string) => `${where}.${part}{${t + 1}}`;
    trials.push({
      subject: subj,
      trialIndex: t,
      trialCount: n,
      signals: [
        block(eegStim[t], 'EEG', EEG_CHANNELS, DREAMER_EEG_RATE_HZ, at('EEG.stimuli')),
        block(ecgStim[t], 'ECG', ECG_CHANNELS, DREAMER_ECG_RATE_HZ, at('ECG.stimuli')),
      ],
      baseline: [
        block(eegBase[t], 'EEG', EEG_CHANNELS, DREAMER_EEG_RATE_HZ, at('EEG.baseline')),
        block(ecgBase[t], 'ECG', ECG_CHANNELS, DREAMER_ECG_RATE_HZ, at('ECG.baseline')),
      ],
      baselineContiguous: false,
      ratings,
    });
  }
  return trials;
}

/** A samples x channels MATLAB matrix (column-major: each channel contiguous) -> sample-major block. */
function block(v: MatValue | undefined, modality: DatasetModality, channels: ChannelInfo[], rateHz: number, where: string): SignalBlock {
  if (!v || v.kind !== 'numeric' || v.dims.length !== 2 || v.dims[1] !== channels.length) {
    const found = v && 'dims' in v ? `[${v.dims.join(' x ')}]` : (v?.kind ?? 'nothing');
    throw new DatasetError('BAD_LAYOUT', `${where}: expected a numeric samples x ${channels.length} matrix, found ${found}`, { where });
  }
  const n = v.dims[0]!;
  const rows = channels.map((_, c) => c);
  return { modality, channels, rateHz, sampleCount: n, values: channelMajorToBlock(v.real, 0, n, 0, n, rows) };
}

class Cancelled extends Error {}

function isSubjectPath(path: MatPath): path is readonly ['DREAMER', 'Data', number] {
  return path.length === 3 && path[0] === 'DREAMER' && path[1] === 'Data' && typeof path[2] === 'number';
}

export interface OpenDreamerOptions {
  /** Called when a subject has been decoded from the file (progress, tests). */
  onSubjectDecoded?: (subjectId: string) => void;
}

/** DREAMER as an EmotionDataset over DREAMER.mat. Subjects are yielded as the file is read. */
export function openDreamer(file: string, opts: OpenDreamerOptions = {}): EmotionDataset {
  return {
    name: 'DREAMER',
    trials: (query: TrialQuery = {}) => streamDreamer(file, query, opts),
  };
}

async function* streamDreamer(file: string, query: TrialQuery, opts: OpenDreamerOptions): AsyncGenerator<DatasetTrial> {
  const ready: DatasetTrial[][] = [];
  let wake: (() => void) | null = null;
  let resume: (() => void) | null = null;
  let finished = false;
  let failure: unknown = null;
  let cancelled = false;
  let subjectsSeen = 0;
  const poke = () => {
    const w = wake;
    wake = null;
    w?.();
  };

  /** Hands one decoded subject to the consumer and waits until its trials are taken. */
  const handOver = async (index: number, v: MatValue): Promise<void> => {
    subjectsSeen++;
    const subject: DatasetSubject = { dataset: 'DREAMER', id: dreamerSubjectId(index), index, file };
    opts.onSubjectDecoded?.(subject.id);
    if (query.subjects && !query.subjects.includes(subject.id)) return;
    ready.push(dreamerSubjectTrials(v, subject));
    poke();
    await new Promise<void>((r) => {
      resume = r;
    });
    if (cancelled) throw new Cancelled();
  };

  const parse = readMatFile(file, {
    variables: ['DREAMER'],
    onValue: async (path, v) => {
      if (cancelled) throw new Cancelled();
      if (isSubjectPath(path)) {
        // The release's layout: Data is a cell of 1x1 structs, each handed over as it is decoded.
        await handOver(path[2], v);
        return 'drop';
      }
      if (path.length === 2 && path[0] === 'DREAMER' && path[1] === 'Data' && v.kind === 'struct' && v.elements.length > 1) {
        // A variant with Data as a struct array: its subjects are only complete together.
        for (let i = 0; i < v.elements.length; i++) {
          await handOver(i, { kind: 'struct', dims: [1, 1], fieldNames: v.fieldNames, elements: [v.elements[i]!] });
          v.elements[i] = {};
        }
        return 'drop';
      }
      if (path.length === 2 && path[0] === 'DREAMER' && (path[1] === 'EEG_SamplingRate' || path[1] === 'ECG_SamplingRate')) {
        const want = path[1] === 'EEG_SamplingRate' ? DREAMER_EEG_RATE_HZ : DREAMER_ECG_RATE_HZ;
        const got = matScalar(v, `${file}: DREAMER.${path[1]}`);
        if (got !== want) {
          throw new DatasetError('BAD_LAYOUT', `${file}: DREAMER.${path[1]} is ${got} Hz; the importer reads the release's ${want} Hz`, { file });
        }
      }
      return undefined;
    },
  }).then(
    (mat) => {
      if (!mat.variables.has('DREAMER')) failure = new DatasetError('BAD_LAYOUT', `${file}: no variable "DREAMER"`, { file });
      else if (subjectsSeen === 0) failure = new DatasetError('BAD_LAYOUT', `${file}: DREAMER.Data holds no subjects (expected a 1x23 cell of structs)`, { file });
      finished = true;
      poke();
    },
    (err: unknown) => {
      failure = err;
      finished = true;
      poke();
    },
  );

  try {
    for (;;) {
      const batch = ready.shift();
      if (batch) {
        for (const t of batch) yield t;
        const r = resume as (() => void) | null;
        resume = null;
        r?.();
        continue;
      }
      if (failure && !(failure instanceof Cancelled)) throw failure;
      if (finished) return;
      await new Promise<void>((r) => {
        wake = r;
      });
    }
  } finally {
    cancelled = true;
    const r = resume as (() => void) | null;
    resume = null;
    r?.();
    await parse;
  }
}
