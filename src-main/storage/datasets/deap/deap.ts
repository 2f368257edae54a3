// DEAP importer (Koelstra et al. 2012, preprocessed release): reads a subject's
// data_preprocessed_python/sXX.dat (Python 2 cPickle of numpy arrays, through the safe pickle
// reader) or data_preprocessed_matlab/sXX.mat (MAT level 5) and streams its 40 trials into the
// dataset abstraction (types.ts), one subject at a time.
//
// Each file holds 'data' [trials x 40 channels x samples] and 'labels' [trials x 4]. The release
// has 40 x 40 x 8064 float64 at 128 Hz: a 3 s pre-trial baseline then the 60 s trial; labels are
// valence, arousal, dominance, liking on 1-9.
//
// What the release's .dat files are: Python 2 cPickle output (Python 3 needs
// pickle.load(f, encoding='latin1')), so dict keys and the numpy payloads are Python 2 byte
// strings and the arrays come through numpy.core.multiarray._reconstruct / numpy.dtype. The
// protocol used is not documented (cPickle's binary protocols 1/2 are likely given the ~99 MB
// size of each file); the reader accepts 0, 1 and 2. The .mat files are MAT level 5.

import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import type { ChannelInfo } from '../../../core/streams/types.js';
import { DatasetError } from '../dataset-error.js';
import { readMatFile, matToNdArray } from '../mat/mat-reader.js';
import type { NdArray } from '../ndarray.js';
import { PyDict, readPickle } from '../pickle/pickle-reader.js';
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

export const DEAP_RATE_HZ = 128;
export const DEAP_BASELINE_SEC = 3;
export const DEAP_TRIAL_SEC = 60;
export const DEAP_CHANNEL_COUNT = 40;
export const DEAP_RATING_SCALE = { min: 1, max: 9 } as const;
/** Column order of 'labels'. */
export const DEAP_LABELS: readonly RatingDimension[] = ['valence', 'arousal', 'dominance', 'liking'];

/** EEG channels 1-32 in the Geneva order of the preprocessed files. */
export const DEAP_EEG_LABELS = [
  'Fp1', 'AF3', 'F3', 'F7', 'FC5', 'FC1', 'C3', 'T7', 'CP5', 'CP1', 'P3', 'P7', 'PO3', 'O1', 'Oz', 'Pz',
  'Fp2', 'AF4', 'Fz', 'F4', 'F8', 'FC6', 'FC2', 'Cz', 'C4', 'T8', 'CP6', 'CP2', 'P4', 'P8', 'PO4', 'O2',
] as const;

export interface DeapChannel {
  /** 0-based row in the file's channel axis. */
  row: number;
  label: string;
  modality: DatasetModality;
  unit: string;
}

/** All 40 channels. Units: EEG/EOG/EMG in microvolts; GSR as the dataset documents it (Geneva
 *  format, ohm); respiration, plethysmograph and temperature are uncalibrated (a.u.). */
export const DEAP_CHANNELS: readonly DeapChannel[] = [
  ...DEAP_EEG_LABELS.map((label, row) => ({ row, label, modality: 'EEG' as const, unit: 'microvolts' })),
  { row: 32, label: 'hEOG', modality: 'EOG', unit: 'microvolts' },
  { row: 33, label: 'vEOG', modality: 'EOG', unit: 'microvolts' },
  { row: 34, label: 'zEMG', modality: 'EMG', unit: 'microvolts' },
  { row: 35, label: 'tEMG', modality: 'EMG', unit: 'microvolts' },
  { row: 36, label: 'GSR', modality: 'EDA', unit: 'ohm' },
  { row: 37, label: 'Respiration belt', modality: 'RESP', unit: 'a.u.' },
  { row: 38, label: 'Plethysmograph', modality: 'PPG', unit: 'a.u.' },
  { row: 39, label: 'Temperature', modality: 'TEMP', unit: 'a.u.' },
];

const MODALITY_ORDER: readonly DatasetModality[] = ['EEG', 'EOG', 'EMG', 'EDA', 'RESP', 'PPG', 'TEMP'];
const GROUPS = MODALITY_ORDER.map((modality) => {
  const chans = DEAP_CHANNELS.filter((c) => c.modality === modality);
  return { modality, rows: chans.map((c) => c.row), channels: chans.map((c): ChannelInfo => ({ label: c.label, unit: c.unit })) };
});

/** The two arrays of one subject file, row-major. */
export interface DeapSubjectArrays {
  /** [trials, 40, samples] */
  data: NdArray;
  /** [trials, 4] */
  labels: NdArray;
}

/** Reads sXX.dat (pickle) or sXX.mat and checks the layout. */
export async function readDeapSubjectFile(path: string): Promise<DeapSubjectArrays> {
  let data: NdArray;
  let labels: NdArray;
  if (extname(path).toLowerCase() === '.mat') {
    const mat = await readMatFile(path, { variables: ['data', 'labels'] });
    data = matToNdArray(mat.variables.get('data'), `${path}: variable "data"`);
    labels = matToNdArray(mat.variables.get('labels'), `${path}: variable "labels"`);
  } else {
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (err) {
      throw new DatasetError('NOT_FOUND', `${path}: cannot read the DEAP file: ${(err as Error).message}`, { path }, { cause: err });
    }
    const root = readPickle(bytes, { source: path });
    if (!(root instanceof PyDict)) throw new DatasetError('BAD_LAYOUT', `${path}: the pickle holds no dict; expected {'data': ..., 'labels': ...}`, { path });
    data = ndArrayField(root, 'data', path);
    labels = ndArrayField(root, 'labels', path);
  }
  checkDeapLayout(data, labels, path);
  return { data, labels };
}

function ndArrayField(d: PyDict, key: string, path: string): NdArray {
  const v = d.get(key);
  if (!v || typeof v !== 'object' || !('shape' in v) || !('data' in v)) {
    throw new DatasetError('BAD_LAYOUT', `${path}: key '${key}' is missing or not a numpy array`, { path, key });
  }
  return v;
}

function checkDeapLayout(data: NdArray, labels: NdArray, path: string): void {
  const [t, c, s] = data.shape;
  const baseline = DEAP_BASELINE_SEC * DEAP_RATE_HZ;
  if (data.shape.length !== 3 || c !== DEAP_CHANNEL_COUNT || s === undefined || s <= baseline) {
    throw new DatasetError('BAD_LAYOUT', `${path}: 'data' has shape [${data.shape.join(', ')}]; expected [trials, 40, samples > ${baseline}] (release: [40, 40, 8064])`, { path });
  }
  if (labels.shape.length !== 2 || labels.shape[0] !== t || labels.shape[1] !== 4) {
    throw new DatasetError('BAD_LAYOUT', `${path}: 'labels' has shape [${labels.shape.join(', ')}]; expected [${t}, 4] (valence, arousal, dominance, liking)`, { path });
  }
}

/** Splits one trial of a subject's arrays into baseline and stimulus blocks per modality. */
export function deapTrial(arrays: DeapSubjectArrays, subject: DatasetSubject, trialIndex: number): DatasetTrial {
  const [trials, channels, samples] = arrays.data.shape as [number, number, number];
  const baselineN = DEAP_BASELINE_SEC * DEAP_RATE_HZ;
  const offset = trialIndex * channels * samples;
  const block = (first: number, n: number): SignalBlock[] =>
    GROUPS.map((g) => ({
      modality: g.modality,
      channels: g.channels,
      rateHz: DEAP_RATE_HZ,
      sampleCount: n,
      values: channelMajorToBlock(arrays.data.data, offset, samples, first, n, g.rows),
    }));
  const ratings: DatasetTrial['ratings'] = {};
  DEAP_LABELS.forEach((dim, k) => {
    ratings[dim] = makeRating(Number(arrays.labels.data[trialIndex * 4 + k]), DEAP_RATING_SCALE);
  });
  return {
    subject,
    trialIndex,
    trialCount: trials,
    baseline: block(0, baselineN),
    signals: block(baselineN, samples - baselineN),
    baselineContiguous: true,
    ratings,
  };
}

const SUBJECT_FILE = /^s(\d{2})\.(dat|mat)$/i;

/** Finds subject files: DIR itself, or DIR/data_preprocessed_python (preferred) or
 *  DIR/data_preprocessed_matlab. */
export async function findDeapFiles(dir: string): Promise<string[]> {
  for (const sub of ['', 'data_preprocessed_python', 'data_preprocessed_matlab']) {
    const d = sub ? join(dir, sub) : dir;
    let names: string[];
    try {
      if (!(await stat(d)).isDirectory()) continue;
      names = await readdir(d);
    } catch {
      continue;
    }
    const dat = names.filter((n) => SUBJECT_FILE.test(n) && n.toLowerCase().endsWith('.dat')).sort();
    const mat = names.filter((n) => SUBJECT_FILE.test(n) && n.toLowerCase().endsWith('.mat')).sort();
    const pick = dat.length > 0 ? dat : mat;
    if (pick.length > 0) return pick.map((n) => join(d, n));
  }
  throw new DatasetError('NOT_FOUND', `${dir}: no DEAP subject files (sXX.dat or sXX.mat) here or in data_preprocessed_python/ or data_preprocessed_matlab/`, { dir });
}

export function deapSubjectId(file: string): string {
  const m = SUBJECT_FILE.exec(basename(file));
  return `deap-s${m ? m[1] : basename(file, extname(file))}`;
}

/** DEAP as an EmotionDataset over a folder (see findDeapFiles) or explicit subject files. */
export function openDeap(dirOrFiles: string | readonly string[]): EmotionDataset {
  return {
    name: 'DEAP',
    async *trials(query: TrialQuery = {}): AsyncGenerator<DatasetTrial> {
      const files = typeof dirOrFiles === 'string' ? await findDeapFiles(dirOrFiles) : [...dirOrFiles];
      for (let i = 0; i < files.length; i++) {
        const file = files[i]!;
        const subject: DatasetSubject = { dataset: 'DEAP', id: deapSubjectId(file), index: i, file };
        if (query.subjects && !query.subjects.includes(subject.id)) continue;
        const arrays = await readDeapSubjectFile(file);
        const n = arrays.data.shape[0]!;
        for (let t = 0; t < n; t++) yield deapTrial(arrays, subject, t);
      }
    },
  };
}
