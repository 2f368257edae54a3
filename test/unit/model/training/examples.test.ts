import { describe, expect, it } from 'vitest';
import { renderRecording } from '../../../../src-main/acquisition/synthetic/index.js';
import { sampleTrace, syntheticExamples } from '../../../../src-main/model/training/index.js';
import { smallConfig } from '../himoe/fixtures.js';

describe('training examples from synthetic sessions', () => {
  const config = smallConfig();

  it('cuts model windows whose targets are the ground truth at the reference times', () => {
    const { examples } = syntheticExamples(config, { subjectSeed: 3, durationSec: 30, hopSec: 2 });
    const truth = renderRecording({ seed: 3, modalities: ['EEG', 'ECG', 'EDA'], durationSec: 30, eeg: { rateHz: 32, channels: ['Fz', 'Cz', 'Pz'] }, ecg: { rateHz: 32 }, eda: { rateHz: 8 } }).groundTruth;
    expect(examples.length).toBe(14); // window ends at 4, 6, ..., 30
    const e = examples[5]!;
    expect(e.window.referenceTimesSec.length).toBe(16);
    expect(e.subject).toBe('synthetic-3');
    const t = e.window.referenceTimesSec[7]!;
    const i = Math.round(t * truth.rateHz); // reference times fall between ground-truth samples: interpolate by hand
    const f = t * truth.rateHz - Math.floor(t * truth.rateHz);
    const i0 = Math.floor(t * truth.rateHz);
    expect(i).toBeGreaterThan(0);
    expect(e.targets[7 * 2]).toBeCloseTo(truth.values[i0 * 2]! * (1 - f) + truth.values[(i0 + 1) * 2]! * f, 5);
    expect(e.targets[7 * 2 + 1]).toBeCloseTo(truth.values[i0 * 2 + 1]! * (1 - f) + truth.values[(i0 + 1) * 2 + 1]! * f, 5);
  });

  it('normalises each subject\'s channels to median 0 and unit robust scale', () => {
    const { examples, normalisation } = syntheticExamples(config, { subjectSeed: 4, durationSec: 40, hopSec: 4 });
    expect(Object.keys(normalisation).sort()).toEqual(['ECG', 'EDA', 'EEG']);
    const values: number[] = [];
    for (const e of examples) {
      const wm = e.window.modalities.EDA!;
      for (let k = 0; k < wm.mask.length; k++) if (wm.mask[k] === 1) values.push(wm.x[k]!);
    }
    values.sort((a, b) => a - b);
    const median = values[Math.floor(values.length / 2)]!;
    const iqr = values[Math.floor(values.length * 0.75)]! - values[Math.floor(values.length * 0.25)]!;
    expect(Math.abs(median)).toBeLessThan(0.3);
    expect(iqr).toBeGreaterThan(0.6);
    expect(iqr).toBeLessThan(2.2);
  });

  it('interpolates a trace linearly and gives NaN outside it', () => {
    const out = new Float32Array(6);
    sampleTrace(new Float32Array([0, 10, 1, 20, 2, 30]), 2, 2, [0.25, 0.75, 5], out);
    expect(Array.from(out)).toEqual([0.5, 15, 1.5, 25, Number.NaN, Number.NaN]);
  });
});
