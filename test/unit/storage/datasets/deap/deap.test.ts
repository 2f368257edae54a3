import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetError } from '../../../../../src-main/storage/datasets/dataset-error.js';
import {
  DEAP_CHANNELS,
  DEAP_EEG_LABELS,
  openDeap,
  readDeapSubjectFile,
} from '../../../../../src-main/storage/datasets/deap/deap.js';
import { findBlock, type DatasetTrial } from '../../../../../src-main/storage/datasets/types.js';
import { makeTempDir, pyFixture, readF8 } from '../fixture-helpers.js';

const TRIALS = 3;
const SAMPLES = 1000;
let tmp: ReturnType<typeof makeTempDir>;
let root: string;

beforeAll(() => {
  tmp = makeTempDir('himoe-deap-');
  root = join(tmp.dir, 'deap');
  const py = join(root, 'data_preprocessed_python');
  const mat = join(tmp.dir, 'deap-mat', 'data_preprocessed_matlab');
  mkdirSync(py, { recursive: true });
  mkdirSync(mat, { recursive: true });
  // As the release: Python 2 cPickle (byte-string keys, numpy.core globals), float64, C order.
  pyFixture('pickle', join(py, 's01.dat'), '--style', 'py2', '--protocol', '2', '--trials', String(TRIALS), '--samples', String(SAMPLES));
  pyFixture('pickle', join(py, 's02.dat'), '--style', 'py2', '--protocol', '1', '--dtype', 'f4', '--trials', '2', '--samples', '500');
  pyFixture('deap-mat', join(mat, 's01.mat'), '--trials', String(TRIALS), '--samples', String(SAMPLES));
});
afterAll(() => tmp.cleanup());

async function collect(it: AsyncIterable<DatasetTrial>): Promise<DatasetTrial[]> {
  const out: DatasetTrial[] = [];
  for await (const t of it) out.push(t);
  return out;
}

describe('DEAP importer', () => {
  it('maps the 40 channels exactly: Geneva EEG order, then hEOG, vEOG, zEMG, tEMG, GSR, respiration, plethysmograph, temperature', () => {
    expect(DEAP_CHANNELS).toHaveLength(40);
    expect(DEAP_CHANNELS.slice(0, 32).map((c) => c.label)).toEqual([...DEAP_EEG_LABELS]);
    expect(DEAP_EEG_LABELS.slice(0, 4)).toEqual(['Fp1', 'AF3', 'F3', 'F7']);
    expect(DEAP_EEG_LABELS.slice(28)).toEqual(['P4', 'P8', 'PO4', 'O2']);
    expect(DEAP_CHANNELS.slice(32).map((c) => `${c.label}:${c.modality}`)).toEqual([
      'hEOG:EOG', 'vEOG:EOG', 'zEMG:EMG', 'tEMG:EMG', 'GSR:EDA', 'Respiration belt:RESP', 'Plethysmograph:PPG', 'Temperature:TEMP',
    ]);
  });

  it('splits each trial into a 3 s baseline and the rest, per modality, with values equal to the file', async () => {
    const file = join(root, 'data_preprocessed_python', 's01.dat');
    const expected = readF8(`${file}.data.f8`); // [trial][channel][sample], C order
    const at = (t: number, ch: number, s: number) => expected[(t * 40 + ch) * SAMPLES + s]!;

    const trials = await collect(openDeap(root).trials({ subjects: ['deap-s01'] }));

    expect(trials).toHaveLength(TRIALS);
    const t2 = trials[2]!;
    expect(t2.subject.id).toBe('deap-s01');
    expect(t2.trialIndex).toBe(2);
    expect(t2.baselineContiguous).toBe(true);
    const eeg = findBlock(t2.signals, 'EEG')!;
    const eegBase = findBlock(t2.baseline, 'EEG')!;
    expect(eegBase.sampleCount).toBe(384);
    expect(eeg.sampleCount).toBe(SAMPLES - 384);
    expect(eeg.rateHz).toBe(128);
    expect(eeg.channels.map((c) => c.label)).toEqual([...DEAP_EEG_LABELS]);
    // EEG channel 5 (FC5), stimulus sample 10 = file sample 394; baseline sample 0 carries the marker t*100+ch.
    expect(eeg.values[10 * 32 + 4]).toBe(Math.fround(at(2, 4, 394)));
    expect(eegBase.values[0 * 32 + 31]).toBe(Math.fround(at(2, 31, 0)));
    expect(eegBase.values[31]).toBe(231);
    const gsr = findBlock(t2.signals, 'EDA')!;
    expect(gsr.channels).toEqual([{ label: 'GSR', unit: 'ohm' }]);
    expect(gsr.values[100]).toBe(Math.fround(at(2, 36, 484)));
    const ppg = findBlock(t2.signals, 'PPG')!;
    expect(ppg.values[7]).toBe(Math.fround(at(2, 38, 391)));
    const eog = findBlock(t2.signals, 'EOG')!;
    expect(eog.values[2 * 2 + 1]).toBe(Math.fround(at(2, 33, 386)));
  });

  it('reads ratings on 1-9 with their [-1, 1] mapping', async () => {
    const file = join(root, 'data_preprocessed_python', 's01.dat');
    const labels = readF8(`${file}.labels.f8`);

    const trials = await collect(openDeap(root).trials({ subjects: ['deap-s01'] }));

    const r = trials[1]!.ratings;
    expect(r.valence?.value).toBe(labels[4]);
    expect(r.arousal?.value).toBe(labels[5]);
    expect(r.dominance?.value).toBe(labels[6]);
    expect(r.liking?.value).toBe(labels[7]);
    expect(r.valence?.scale).toEqual({ min: 1, max: 9 });
    expect(r.liking?.normalized).toBeCloseTo((labels[7]! - 5) / 4, 12);
  });

  it('streams every subject in turn, float32 files too', async () => {
    const trials = await collect(openDeap(root).trials());

    expect(trials.map((t) => `${t.subject.id}/${t.trialIndex}`)).toEqual(['deap-s01/0', 'deap-s01/1', 'deap-s01/2', 'deap-s02/0', 'deap-s02/1']);
    expect(findBlock(trials[4]!.signals, 'EEG')!.sampleCount).toBe(500 - 384);
  });

  it('gives the same trials from data_preprocessed_matlab/sXX.mat as from the pickle', async () => {
    const fromPy = await collect(openDeap(root).trials({ subjects: ['deap-s01'] }));

    const fromMat = await collect(openDeap(join(tmp.dir, 'deap-mat')).trials());

    expect(fromMat).toHaveLength(TRIALS);
    expect(fromMat[1]!.subject.file).toMatch(/s01\.mat$/);
    for (let t = 0; t < TRIALS; t++) {
      for (const m of ['EEG', 'EDA', 'TEMP'] as const) {
        expect(findBlock(fromMat[t]!.signals, m)!.values).toEqual(findBlock(fromPy[t]!.signals, m)!.values);
        expect(findBlock(fromMat[t]!.baseline, m)!.values).toEqual(findBlock(fromPy[t]!.baseline, m)!.values);
      }
      expect(fromMat[t]!.ratings).toEqual(fromPy[t]!.ratings);
    }
  });

  it('rejects a file whose data does not have 40 channels, naming the shape', async () => {
    const file = join(tmp.dir, 's09.dat');
    pyFixture('pickle', file, '--style', 'py2', '--channels', '39', '--samples', '400', '--trials', '1');

    const err = await readDeapSubjectFile(file).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(DatasetError);
    expect((err as DatasetError).code).toBe('BAD_LAYOUT');
    expect((err as DatasetError).message).toMatch(/shape \[1, 39, 400\]; expected \[trials, 40/);
  });

  it('rejects a hostile .dat with a clear pickle error', async () => {
    const file = join(tmp.dir, 's10.dat');
    writeFileSync(file, Buffer.from("cposix\nsystem\n(S'id'\ntR.", 'latin1'));

    const err = await readDeapSubjectFile(file).catch((e: unknown) => e);

    expect((err as DatasetError).code).toBe('PICKLE_GLOBAL');
    expect(readFileSync(file).length).toBeGreaterThan(0);
  });

  it('says where it looked when a folder has no subject files', async () => {
    const empty = join(tmp.dir, 'empty');
    mkdirSync(join(empty, 'data_preprocessed_python'), { recursive: true });

    const err = await collect(openDeap(empty).trials()).catch((e: unknown) => e);

    expect((err as DatasetError).code).toBe('NOT_FOUND');
    expect((err as DatasetError).message).toMatch(/data_preprocessed_python/);
  });
});
