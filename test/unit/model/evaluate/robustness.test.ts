import { describe, expect, it } from 'vitest';
import { alignSession, assembleWindow } from '../../../../src-main/core/align/index.js';
import type { Modality, ModelWindow } from '../../../../src-main/core/align/types.js';
import { perturbExamples, perturbWindow } from '../../../../src-main/model/evaluate/index.js';
import { seededRng } from '../../../../src-main/model/runtime/index.js';
import type { Example } from '../../../../src-main/model/training/index.js';
import { cloneWindow, randomWindow, smallConfig } from '../himoe/fixtures.js';

const config = smallConfig();
const rng = () => seededRng(3, 'test');
const names = (w: ModelWindow) => Object.keys(w.modalities) as Modality[];
const missingFraction = (w: ModelWindow, m: Modality) => {
  const mask = w.modalities[m]!.mask;
  return mask.reduce((n, v) => n + (v === 0 ? 1 : 0), 0) / mask.length;
};

describe('robustness perturbations', () => {
  it('modality-missing at rate 1 keeps exactly one modality, at rate 0 changes nothing', () => {
    for (let seed = 0; seed < 10; seed++) {
      const w = randomWindow(config, seed);
      const all = perturbWindow(w, { kind: 'modality-missing', level: 1 }, seededRng(seed, 'p'), 'EEG');
      expect(names(all).filter((m) => all.modalities[m]!.patchPresent.some((p) => p === 1))).toHaveLength(1);
      const none = perturbWindow(w, { kind: 'modality-missing', level: 0 }, rng(), 'EEG');
      for (const m of names(w)) expect(none.modalities[m]!.x).toEqual(w.modalities[m]!.x);
    }
  });

  it('modality-missing at rate 0.5 removes about half of the modalities over many windows', () => {
    const r = rng();
    let dropped = 0;
    let total = 0;
    for (let seed = 0; seed < 200; seed++) {
      const out = perturbWindow(randomWindow(config, seed), { kind: 'modality-missing', level: 0.5 }, r, 'EEG');
      for (const m of names(out)) {
        total++;
        if (out.modalities[m]!.patchPresent.every((p) => p === 0)) dropped++;
      }
    }
    // Each of 3 modalities drops with p = 0.5, one always kept: expected (1.5 - 0.125) / 3 = 0.458.
    expect(dropped / total).toBeGreaterThan(0.38);
    expect(dropped / total).toBeLessThan(0.54);
  });

  it('segment-missing reaches at least the rate on every modality, with the availability updated', () => {
    const w = randomWindow(config, 1);
    const out = perturbWindow(w, { kind: 'segment-missing', level: 0.3 }, rng(), 'EEG');
    for (const m of names(out)) {
      expect(missingFraction(out, m)).toBeGreaterThanOrEqual(0.3);
      expect(out.availability[m]).toBeCloseTo(1 - missingFraction(out, m), 9);
    }
  });

  it('shift of a window cut from a recording brings in the recording\'s earlier content: an asynchrony, not a gap', () => {
    const stream = (modality: Modality, rateHz: number, channelCount: number) => {
      const n = 30 * rateHz;
      return { modality, channelCount, nominalRateHz: rateHz, timestamps: Float64Array.from({ length: n }, (_, i) => i / rateHz), values: Float32Array.from({ length: n * channelCount }, (_, i) => Math.cos(i / 5)) };
    };
    const rates = { EEG: 64, ECG: 64, EDA: 32, PPG: 64, RESP: 32 };
    const aligned = alignSession([stream('EEG', 64, 2), stream('ECG', 64, 1), stream('EDA', 32, 1)], { startSec: 0, endSec: 30, modalities: ['EEG', 'ECG', 'EDA'], modelRatesHz: rates });
    const w = assembleWindow(aligned, 20, undefined, { shareAligned: true });
    const earlier = assembleWindow(aligned, 19, undefined, { shareAligned: true });
    const out = perturbWindow(w, { kind: 'shift', level: 1 }, rng(), 'EEG');
    expect(Array.from(out.modalities.EEG!.x)).toEqual(Array.from(w.modalities.EEG!.x));
    for (const m of ['ECG', 'EDA'] as const) {
      expect(out.modalities[m]!.mask.every((v) => v === 1), m).toBe(true);
      expect(Array.from(out.modalities[m]!.x), m).toEqual(Array.from(earlier.modalities[m]!.x));
      expect(out.availability[m], m).toBe(1);
    }
  });

  it('shift of a window without a recording delays every modality but the reference by whole samples; what comes before the window is missing', () => {
    const w = randomWindow(config, 2);
    const out = perturbWindow(w, { kind: 'shift', level: 0.5 }, rng(), 'EEG');
    expect(out.modalities.EEG!.x).toEqual(w.modalities.EEG!.x);
    for (const m of ['ECG', 'EDA'] as const) {
      const a = w.modalities[m]!;
      const b = out.modalities[m]!;
      const n = Math.round(0.5 * a.rateHz);
      const C = a.channelCount;
      expect(Array.from(b.mask.subarray(0, n))).toEqual(new Array(n).fill(0));
      expect(Array.from(b.x.subarray(n * C, (n + 5) * C))).toEqual(Array.from(a.x.subarray(0, 5 * C)));
    }
  });

  it('jitter moves patch times and leaves the samples alone', () => {
    const w = randomWindow(config, 4);
    const out = perturbWindow(w, { kind: 'jitter', level: 0.1 }, rng(), 'EEG');
    for (const m of names(w)) {
      expect(out.modalities[m]!.x).toEqual(w.modalities[m]!.x);
      const moved = out.modalities[m]!.patchTimesSec.map((t, i) => Math.abs(t - w.modalities[m]!.patchTimesSec[i]!));
      expect(Math.max(...moved)).toBeGreaterThan(0.01);
      expect(Math.max(...moved)).toBeLessThan(0.6);
    }
  });

  it('does not change its input, and gives every model the same perturbed windows for a seed', () => {
    const examples: Example[] = [0, 1, 2].map((s) => ({ window: randomWindow(config, s), targets: new Float32Array(0), subject: 'a', trial: 'a/t' }));
    const before = examples.map((e) => cloneWindow(e.window));
    const a = perturbExamples(examples, { kind: 'segment-missing', level: 0.5 }, 9);
    const b = perturbExamples(examples, { kind: 'segment-missing', level: 0.5 }, 9);
    const c = perturbExamples(examples, { kind: 'segment-missing', level: 0.5 }, 10);
    examples.forEach((e, i) => expect(e.window).toEqual(before[i]));
    expect(a.map((e) => e.window)).toEqual(b.map((e) => e.window));
    expect(a.map((e) => e.window)).not.toEqual(c.map((e) => e.window));
  });
});
