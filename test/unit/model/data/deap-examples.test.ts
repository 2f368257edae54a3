// deap:DIR as model examples: DEAP subject files written by numpy in the release's pickle format
// (test/unit/storage/datasets/fixtures.py) become windows with the model's channels, masks for
// what DEAP lacks, and the trial ratings mapped to [-1, 1] as constant targets.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pearson } from '../../../../src-main/core/annotation/correlation.js';
import { DEAP_MODALITIES, deapExamples, loadDataset, modelSpecsFor, parseDataSpec } from '../../../../src-main/model/data/index.js';
import { ModelError } from '../../../../src-main/model/errors.js';
import { resolveHiMoEConfig, type HiMoEConfig } from '../../../../src-main/model/himoe/config.js';
import { DEAP_EEG_LABELS } from '../../../../src-main/storage/datasets/deap/deap.js';
import { makeTempDir, pyFixture, readF8 } from '../../storage/datasets/fixture-helpers.js';

const TRIALS = 3;
const BASELINE = 3 * 128;
const TRIAL_SEC = 10;
const SAMPLES = BASELINE + TRIAL_SEC * 128;
let tmp: ReturnType<typeof makeTempDir>;
let dir: string;

beforeAll(() => {
  tmp = makeTempDir('himoe-deap-examples-');
  dir = join(tmp.dir, 'deap');
  mkdirSync(dir);
  pyFixture('pickle', join(dir, 's01.dat'), '--style', 'py2', '--protocol', '2', '--trials', String(TRIALS), '--samples', String(SAMPLES));
  pyFixture('pickle', join(dir, 's02.dat'), '--style', 'py2', '--protocol', '2', '--trials', '2', '--samples', String(SAMPLES));
});
afterAll(() => tmp.cleanup());

/** EEG at the native rate (so a window's samples are the file's), ECG which DEAP lacks, EDA named differently from DEAP's GSR. */
function config(eeg: string[] = ['Cz', 'Fp1', 'O2'], outputs = ['valence', 'arousal']): HiMoEConfig {
  return resolveHiMoEConfig({
    modalities: [
      { modality: 'EEG', rateHz: 128, channelLabels: eeg },
      { modality: 'ECG', rateHz: 32, channelLabels: ['ECG-II'] },
      { modality: 'EDA', rateHz: 8, channelLabels: ['EDA'] },
    ],
    windowSec: 4,
    tokenRateHz: 4,
    outputs,
    dModel: 8,
    heads: 2,
  });
}

describe('deap:DIR examples', () => {
  it('gives one subject per sNN file and windows inside each 10 s trial only, named sNN/trialK', async () => {
    const names: string[] = [];

    const { subjects } = await deapExamples(dir, config(), { hopSec: 2, onSubject: (name, i, total) => names.push(`${name} ${i + 1}/${total}`) });

    expect(names).toEqual(['s01 1/2', 's02 2/2']);
    expect(subjects.map((s) => [s.subject, s.trials])).toEqual([['s01', 3], ['s02', 2]]);
    const perTrial = Math.floor((TRIAL_SEC - 4) / 2) + 1;
    expect(subjects[0]!.examples.map((e) => e.trial)).toEqual(['s01/trial1', 's01/trial2', 's01/trial3'].flatMap((t) => Array<string>(perTrial).fill(t)));
    expect(subjects[1]!.examples.every((e) => e.subject === 's02' && e.trial.startsWith('s02/trial'))).toBe(true);
    // Windows of one trial lie between its first and last sample: none reaches into the gap or the next trial.
    const byTrial = new Map<string, number[]>();
    for (const e of subjects[0]!.examples) byTrial.set(e.trial, [...(byTrial.get(e.trial) ?? []), e.window.startSec, e.window.endSec]);
    const spans = [...byTrial.values()].map((v) => [Math.min(...v), Math.max(...v)]);
    for (const [lo, hi] of spans) expect(hi! - lo!).toBeCloseTo(TRIAL_SEC, 6);
    for (let k = 1; k < spans.length; k++) expect(spans[k]![0]!).toBeGreaterThan(spans[k - 1]![1]!);
  });

  it('targets are the trial ratings mapped by (r - 5) / 4, the same at every token', async () => {
    const labels = readF8(join(dir, 's01.dat.labels.f8')); // [trial][valence, arousal, dominance, liking]

    const { subjects } = await deapExamples(dir, config(undefined, ['valence', 'arousal', 'liking']), { hopSec: 2 });

    for (const e of subjects[0]!.examples) {
      const k = Number(e.trial.replace('s01/trial', '')) - 1;
      const want = [labels[k * 4]!, labels[k * 4 + 1]!, labels[k * 4 + 3]!].map((r) => (r - 5) / 4);
      expect(e.targets.length).toBe(e.window.referenceTimesSec.length * 3);
      for (let j = 0; j < e.targets.length; j++) expect(e.targets[j]).toBeCloseTo(want[j % 3]!, 5);
    }
    expect(new Set(subjects[0]!.examples.map((e) => e.targets[0])).size).toBe(TRIALS);
  });

  it("takes the model's EEG channels by label in the model's order from the stimulus part (baseline dropped), EDA from GSR, and masks the absent ECG", async () => {
    const data = readF8(join(dir, 's01.dat.data.f8')); // [trial][40 channels][SAMPLES]
    const row = (label: string) => (DEAP_EEG_LABELS as readonly string[]).indexOf(label);

    const { subjects } = await deapExamples(dir, config(), { hopSec: 2 });

    const first = subjects[0]!.examples.find((e) => e.trial === 's01/trial2')!;
    const eeg = first.window.modalities.EEG!;
    expect(eeg.channelCount).toBe(3);
    expect(eeg.mask.every((m) => m === 1)).toBe(true);
    const T = eeg.mask.length;
    ['Cz', 'Fp1', 'O2'].forEach((label, c) => {
      const got = Float64Array.from({ length: T }, (_, i) => eeg.x[i * 3 + c]!);
      const raw = (r: number) => data.subarray((1 * 40 + r) * SAMPLES + BASELINE, (1 * 40 + r) * SAMPLES + BASELINE + T);
      // The aligner's anti-aliasing low-pass (0.45 x 128 Hz) removes the top of the fixture's white noise.
      expect(pearson(got, raw(row(label)))).toBeGreaterThan(0.9);
      expect(Math.abs(pearson(got, raw(row(label) === 0 ? 1 : 0)))).toBeLessThan(0.3);
      // With the baseline kept the window would start 3 s earlier and not match.
      expect(Math.abs(pearson(got, data.subarray((1 * 40 + row(label)) * SAMPLES, (1 * 40 + row(label)) * SAMPLES + T)))).toBeLessThan(0.3);
    });
    const eda = first.window.modalities.EDA!;
    expect(eda.channelCount).toBe(1);
    expect(first.window.availability.EDA).toBeGreaterThan(0.9);
    const ecg = first.window.modalities.ECG!;
    expect(ecg.channelCount).toBe(1);
    expect(ecg.mask.every((m) => m === 0)).toBe(true);
    expect(first.window.availability.ECG).toBe(0);
  });

  it('normalises per subject: every EEG channel has median ~0 and IQR ~1.349 over the subject', async () => {
    const { subjects } = await deapExamples(dir, config(), { hopSec: 4 });

    for (let c = 0; c < 3; c++) {
      const values = subjects[0]!.examples.flatMap((e) => Array.from({ length: e.window.modalities.EEG!.mask.length }, (_, i) => e.window.modalities.EEG!.x[i * 3 + c]!)).sort((a, b) => a - b);
      const q = (f: number) => values[Math.floor(f * (values.length - 1))]!;
      expect(Math.abs(q(0.5))).toBeLessThan(0.1);
      expect(q(0.75) - q(0.25)).toBeGreaterThan(1.2);
      expect(q(0.75) - q(0.25)).toBeLessThan(1.5);
    }
  });

  it('refuses a model EEG channel DEAP lacks, naming it, before reading any file', async () => {
    const err = await deapExamples(join(tmp.dir, 'does-not-exist'), config(['Cz', 'FCz', 'Fp1', 'TP9']), { hopSec: 2 }).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(ModelError);
    expect((err as ModelError).code).toBe('channel-mismatch');
    expect((err as ModelError).message).toMatch(/DEAP has no EEG channels FCz, TP9 \(it has Fp1, AF3/);
    expect((err as ModelError).message).toContain('modelSpecsFor(DEAP_MODALITIES)');
  });

  it('refuses a model output DEAP has no rating for', async () => {
    const err = await deapExamples(dir, config(undefined, ['valence', 'joy']), { hopSec: 2 }).catch((e: unknown) => e);

    expect((err as ModelError).code).toBe('no-ground-truth');
    expect((err as ModelError).message).toMatch(/no joy rating/);
  });

  it('a directory without subject files is an error naming the directory', async () => {
    const empty = join(tmp.dir, 'empty');
    mkdirSync(empty);

    await expect(deapExamples(empty, config(), { hopSec: 2 })).rejects.toThrow(/no DEAP subject files/);
  });

  it("modelSpecsFor(DEAP_MODALITIES) builds a config with DEAP's 32 EEG channels, EDA, PPG and RESP that loads with every modality present", async () => {
    const specs = modelSpecsFor(DEAP_MODALITIES);
    expect(specs.map((s) => `${s.modality}:${s.channelLabels.length}@${s.rateHz}`)).toEqual(['EEG:32@128', 'EDA:1@32', 'PPG:1@64', 'RESP:1@32']);
    expect(specs[0]!.channelLabels).toEqual([...DEAP_EEG_LABELS]);
    const full = resolveHiMoEConfig({ modalities: specs, windowSec: 4 });

    const dataset = await loadDataset(parseDataSpec(`deap:${dir}`), full, { hopSec: 3 });

    expect(dataset.synthetic).toBe(false);
    expect(dataset.spec).toMatchObject({ kind: 'deap', dir });
    expect(dataset.description).toMatch(/^DEAP \(preprocessed, 128 Hz\): 2 subject file\(s\)/);
    const w = dataset.subjects[1]!.examples[0]!.window;
    expect(Object.keys(w.modalities).sort()).toEqual(['EDA', 'EEG', 'PPG', 'RESP']);
    for (const m of ['EEG', 'EDA', 'PPG', 'RESP'] as const) expect(w.availability[m]).toBeGreaterThan(0.9);
    expect(w.modalities.EEG!.channelCount).toBe(32);
  });
});
