import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetError } from '../../../../../src-main/storage/datasets/dataset-error.js';
import { DREAMER_EEG_LABELS, openDreamer } from '../../../../../src-main/storage/datasets/dreamer/dreamer.js';
import { findBlock, type DatasetTrial } from '../../../../../src-main/storage/datasets/types.js';
import { makeTempDir, pyFixture, readF8 } from '../fixture-helpers.js';

const SUBJECTS = 2;
const TRIALS = 3;
let tmp: ReturnType<typeof makeTempDir>;
let file: string;

beforeAll(() => {
  tmp = makeTempDir('himoe-dreamer-');
  file = join(tmp.dir, 'DREAMER.mat');
  pyFixture('dreamer', file, '--subjects', String(SUBJECTS), '--trials', String(TRIALS), '--eeg-sec', '2', '--ecg-sec', '2');
});
afterAll(() => tmp.cleanup());

async function collect(it: AsyncIterable<DatasetTrial>): Promise<DatasetTrial[]> {
  const out: DatasetTrial[] = [];
  for await (const t of it) out.push(t);
  return out;
}

/** The arrays fixtures.py wrote, in its order: per subject, per trial EEG base, EEG stim, ECG
 *  base, ECG stim (each samples x channels, C order), then valence, arousal, dominance. */
function expectedArrays(): Array<{ eegB: Float64Array; eegS: Float64Array; ecgB: Float64Array; ecgS: Float64Array }[] & { scores?: Float64Array[] }> {
  const raw = readF8(`${file}.raw.f8`);
  let o = 0;
  const take = (n: number) => raw.subarray(o, (o += n));
  const out = [];
  for (let s = 0; s < SUBJECTS; s++) {
    const trials: { eegB: Float64Array; eegS: Float64Array; ecgB: Float64Array; ecgS: Float64Array }[] & { scores?: Float64Array[] } = [];
    for (let t = 0; t < TRIALS; t++) {
      trials.push({ eegB: take(256 * 14), eegS: take((256 + 16 * t) * 14), ecgB: take(512 * 2), ecgS: take((512 + 32 * t) * 2) });
    }
    trials.scores = [take(TRIALS), take(TRIALS), take(TRIALS)];
    out.push(trials);
  }
  return out;
}

describe('DREAMER importer', () => {
  it('streams every subject and trial with EEG (14 ch, 128 Hz) and ECG (2 ch, 256 Hz) equal to the file', async () => {
    const exp = expectedArrays();

    const trials = await collect(openDreamer(file).trials());

    expect(trials.map((t) => `${t.subject.id}/${t.trialIndex}`)).toEqual(['dreamer-s01/0', 'dreamer-s01/1', 'dreamer-s01/2', 'dreamer-s02/0', 'dreamer-s02/1', 'dreamer-s02/2']);
    for (const t of trials) {
      const e = exp[t.subject.index]![t.trialIndex]!;
      const eeg = findBlock(t.signals, 'EEG')!;
      const ecg = findBlock(t.signals, 'ECG')!;
      expect(eeg.channels.map((c) => c.label)).toEqual([...DREAMER_EEG_LABELS]);
      expect(eeg.rateHz).toBe(128);
      expect(ecg.rateHz).toBe(256);
      expect(eeg.sampleCount).toBe(256 + 16 * t.trialIndex);
      expect(ecg.sampleCount).toBe(512 + 32 * t.trialIndex);
      expect(Array.from(eeg.values)).toEqual(Array.from(Float32Array.from(e.eegS)));
      expect(Array.from(ecg.values)).toEqual(Array.from(Float32Array.from(e.ecgS)));
      expect(Array.from(findBlock(t.baseline, 'EEG')!.values)).toEqual(Array.from(Float32Array.from(e.eegB)));
      expect(Array.from(findBlock(t.baseline, 'ECG')!.values)).toEqual(Array.from(Float32Array.from(e.ecgB)));
      // First stimulus sample carries subject*1000 + trial*100 + channel.
      expect(eeg.values[13]).toBe(t.subject.index * 1000 + t.trialIndex * 100 + 13);
      expect(t.baselineContiguous).toBe(false);
    }
  });

  it('reads valence, arousal and dominance on 1-5 with their [-1, 1] mapping, and age and gender', async () => {
    const exp = expectedArrays();

    const trials = await collect(openDreamer(file).trials({ subjects: ['dreamer-s02'] }));

    expect(trials).toHaveLength(TRIALS);
    const scores = exp[1]!.scores!;
    for (const t of trials) {
      expect(t.ratings.valence?.value).toBe(scores[0]![t.trialIndex]);
      expect(t.ratings.arousal?.value).toBe(scores[1]![t.trialIndex]);
      expect(t.ratings.dominance?.value).toBe(scores[2]![t.trialIndex]);
      expect(t.ratings.dominance?.normalized).toBe((scores[2]![t.trialIndex]! - 3) / 2);
      expect(t.ratings.liking).toBeUndefined();
    }
    expect(trials[0]!.subject.age).toBe(21);
    expect(trials[0]!.subject.gender).toBe('female');
  });

  it('hands over one subject at a time: the next is not decoded until the previous is consumed', async () => {
    const decoded: string[] = [];
    const it = openDreamer(file, { onSubjectDecoded: (id) => decoded.push(id) }).trials()[Symbol.asyncIterator]();

    const first = await it.next();
    await new Promise((r) => setTimeout(r, 50));
    const decodedWhileFirstHeld = [...decoded];
    for (let k = 1; k < TRIALS; k++) await it.next();
    const fourth = await it.next();
    const done = await it.return?.(undefined);

    expect(first.value?.subject.id).toBe('dreamer-s01');
    expect(decodedWhileFirstHeld).toEqual(['dreamer-s01']);
    expect(fourth.value?.subject.id).toBe('dreamer-s02');
    expect(decoded).toEqual(['dreamer-s01', 'dreamer-s02']);
    expect(done?.done).toBe(true);
  });

  it('also reads a variant where Data is a struct array rather than a cell of structs', async () => {
    const variant = join(tmp.dir, 'DREAMER-struct-array.mat');
    pyFixture('dreamer', variant, '--subjects', String(SUBJECTS), '--trials', String(TRIALS), '--struct-array');
    const reference = await collect(openDreamer(file).trials());

    const trials = await collect(openDreamer(variant).trials());

    expect(trials.map((t) => `${t.subject.id}/${t.trialIndex}`)).toEqual(reference.map((t) => `${t.subject.id}/${t.trialIndex}`));
    expect(findBlock(trials[4]!.signals, 'ECG')!.values).toEqual(findBlock(reference[4]!.signals, 'ECG')!.values);
    expect(trials[4]!.ratings).toEqual(reference[4]!.ratings);
  });

  it('reports a file without the DREAMER variable as a layout error', async () => {
    const other = join(tmp.dir, 'other.mat');
    pyFixture('mat-misc', other, '--compress');

    const err = await collect(openDreamer(other).trials()).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(DatasetError);
    expect((err as DatasetError).code).toBe('BAD_LAYOUT');
    expect((err as DatasetError).message).toMatch(/no variable "DREAMER"/);
  });
});
