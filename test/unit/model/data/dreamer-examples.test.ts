// dreamer:FILE.mat as model examples: a DREAMER.mat written by scipy in the release's layout
// (test/unit/storage/datasets/fixtures.py) becomes windows of EEG and the first ECG lead, one
// subject at a time, with each clip's ratings mapped to [-1, 1] as constant targets.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pearson } from '../../../../src-main/core/annotation/correlation.js';
import { DREAMER_MODALITIES, dreamerExamples, loadDataset, modelSpecsFor } from '../../../../src-main/model/data/index.js';
import { ModelError } from '../../../../src-main/model/errors.js';
import { resolveHiMoEConfig, type HiMoEConfig, type ModalitySpec } from '../../../../src-main/model/himoe/config.js';
import { DREAMER_EEG_LABELS } from '../../../../src-main/storage/datasets/dreamer/dreamer.js';
import { makeTempDir, pyFixture, readF8 } from '../../storage/datasets/fixture-helpers.js';

const SUBJECTS = 2;
const TRIALS = 3;
const SEC = 6;
let tmp: ReturnType<typeof makeTempDir>;
let file: string;

beforeAll(() => {
  tmp = makeTempDir('himoe-dreamer-examples-');
  file = join(tmp.dir, 'DREAMER.mat');
  pyFixture('dreamer', file, '--subjects', String(SUBJECTS), '--trials', String(TRIALS), '--eeg-sec', String(SEC), '--ecg-sec', String(SEC));
});
afterAll(() => tmp.cleanup());

/** fixtures.py's raw dump: per subject, per trial EEG baseline, EEG stimulus (samples x 14), ECG
 *  baseline, ECG stimulus (samples x 2), then valence, arousal, dominance (one per trial). */
function expected(): Array<{ eegS: Float64Array[]; ecgS: Float64Array[]; scores: Float64Array[] }> {
  const raw = readF8(`${file}.raw.f8`);
  let o = 0;
  const take = (n: number) => raw.subarray(o, (o += n));
  return Array.from({ length: SUBJECTS }, () => {
    const eegS: Float64Array[] = [];
    const ecgS: Float64Array[] = [];
    for (let t = 0; t < TRIALS; t++) {
      take(SEC * 128 * 14);
      eegS.push(take((SEC * 128 + 16 * t) * 14));
      take(SEC * 256 * 2);
      ecgS.push(take((SEC * 256 + 32 * t) * 2));
    }
    return { eegS, ecgS, scores: [take(TRIALS), take(TRIALS), take(TRIALS)] };
  });
}

function config(modalities: ModalitySpec[], outputs = ['valence', 'arousal']): HiMoEConfig {
  return resolveHiMoEConfig({ modalities, windowSec: 4, tokenRateHz: 4, outputs, dModel: 8, heads: 2 });
}

const EEG_ECG = [
  { modality: 'EEG' as const, rateHz: 128, channelLabels: ['O1', 'AF3'] },
  { modality: 'ECG' as const, rateHz: 128, channelLabels: ['ECG-II'] },
];

describe('dreamer:FILE.mat examples', () => {
  it('gives one subject per DREAMER subject with windows inside each clip, named sNN/trialK, and targets (r - 3) / 2', async () => {
    const exp = expected();
    const seen: string[] = [];

    const { subjects, description } = await dreamerExamples(file, config(EEG_ECG, ['valence', 'arousal', 'dominance']), { hopSec: 1, onSubject: (name, i, total) => seen.push(`${name} ${i} ${total}`) });

    expect(seen).toEqual(['s01 0 0', 's02 1 0']);
    expect(subjects.map((s) => [s.subject, s.trials])).toEqual([['s01', 3], ['s02', 3]]);
    // Clip t lasts 6 s + 0.125 t: windows of 4 s every 1 s end at 4, 5, 6 s into the clip.
    expect(subjects[1]!.examples.map((e) => e.trial)).toEqual(['trial1', 'trial2', 'trial3'].flatMap((t) => Array<string>(3).fill(`s02/${t}`)));
    subjects.forEach((s, si) => {
      for (const e of s.examples) {
        const t = Number(e.trial.split('/trial')[1]) - 1;
        const want = exp[si]!.scores.map((d) => (d[t]! - 3) / 2);
        for (let j = 0; j < e.targets.length; j++) expect(e.targets[j]).toBeCloseTo(want[j % 3]!, 6);
      }
    });
    expect(description).toMatch(/^DREAMER: 2 subject\(s\)/);
    expect(description).toContain('ECG: model channel ECG-II from DREAMER\'s ECG1');
  });

  it("takes the model's EEG channels by label and the first ECG lead for a one-channel model ECG, from the stimulus clips", async () => {
    const exp = expected();

    const { subjects } = await dreamerExamples(file, config(EEG_ECG), { hopSec: 1 });

    // Second window of subject 2's clip 3: clip seconds 1-5 (clear of the fixture's marker in the first sample).
    const e = subjects[1]!.examples.filter((x) => x.trial === 's02/trial3')[1]!;
    const eeg = e.window.modalities.EEG!;
    const T = eeg.mask.length;
    expect(eeg.mask.every((m) => m === 1)).toBe(true);
    const eegS = exp[1]!.eegS[2]!;
    ['O1', 'AF3'].forEach((label, c) => {
      const col = (DREAMER_EEG_LABELS as readonly string[]).indexOf(label);
      const got = Array.from({ length: T }, (_, i) => eeg.x[i * 2 + c]!);
      const raw = (k: number) => Array.from({ length: T }, (_, i) => eegS[(128 + i) * 14 + k]!);
      expect(pearson(got, raw(col))).toBeGreaterThan(0.9);
      expect(Math.abs(pearson(got, raw(col === 0 ? 1 : 0)))).toBeLessThan(0.3);
    });
    const ecg = e.window.modalities.ECG!;
    expect(ecg.channelCount).toBe(1);
    expect(ecg.mask.every((m) => m === 1)).toBe(true);
    const ecgS = exp[1]!.ecgS[2]!;
    // 256 Hz -> 128 Hz: grid sample i is raw sample 2i (after the anti-aliasing low-pass, which keeps ~45 % of white noise).
    const lead = (k: number) => Array.from({ length: ecg.mask.length }, (_, i) => ecgS[(256 + 2 * i) * 2 + k]!);
    const got = Array.from(ecg.x);
    expect(pearson(got, lead(0))).toBeGreaterThan(0.5);
    expect(Math.abs(pearson(got, lead(1)))).toBeLessThan(0.25);
  });

  it('a model trained for DREAMER channels takes both ECG leads by label; a model modality DREAMER lacks is masked', async () => {
    const specs = [...modelSpecsFor(DREAMER_MODALITIES), { modality: 'EDA' as const, rateHz: 8, channelLabels: ['EDA'] }];
    expect(specs.slice(0, 2).map((s) => `${s.modality}:${s.channelLabels.join(',')}@${s.rateHz}`)).toEqual([`EEG:${DREAMER_EEG_LABELS.join(',')}@128`, 'ECG:ECG1,ECG2@128']);

    const dataset = await loadDataset(`dreamer:${file}`, config(specs), { hopSec: 2 });

    expect(dataset.synthetic).toBe(false);
    const w = dataset.subjects[0]!.examples[0]!.window;
    expect(w.modalities.EEG!.channelCount).toBe(14);
    expect(w.modalities.ECG!.channelCount).toBe(2);
    expect(w.availability.ECG).toBeGreaterThan(0.9);
    expect(w.availability.EDA).toBe(0);
    expect(dataset.description).toContain('EDA: not recorded in DREAMER, masked as absent');
  });

  it('a model with none of DREAMER\'s modalities, or an output DREAMER has no rating for, is an error saying so', async () => {
    const peripheral = config([{ modality: 'EDA', rateHz: 8, channelLabels: ['EDA'] }]);
    const e1 = await dreamerExamples(file, peripheral, { hopSec: 1 }).catch((e: unknown) => e);
    expect((e1 as ModelError).code).toBe('no-modality');
    expect((e1 as ModelError).message).toMatch(/none of the model's modalities \(EDA\) is recorded in DREAMER \(it has EEG, ECG\)/);

    const e2 = await dreamerExamples(file, config(EEG_ECG, ['valence', 'liking']), { hopSec: 1 }).catch((e: unknown) => e);
    expect((e2 as ModelError).code).toBe('no-ground-truth');
    expect((e2 as ModelError).message).toMatch(/dreamer-s01 trial 1: no liking rating \(the trial has valence, arousal, dominance\)/);
  });
});
