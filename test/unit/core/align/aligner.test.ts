import { describe, expect, it } from 'vitest';
import { alignSession } from '../../../../src-main/core/align/aligner.js';
import { DEFAULT_MODEL_RATES_HZ, MODALITIES, type AlignedModality, type ModalityInput } from '../../../../src-main/core/align/types.js';
import { AlignError } from '../../../../src-main/core/errors.js';
import { fitSine } from '../dsp/sine-fit.js';
import { makeStream } from './make-stream.js';

function timesOf(am: AlignedModality): Float64Array {
  const t = new Float64Array(am.length);
  for (let k = 0; k < am.length; k++) t[k] = am.startSec + k / am.rateHz;
  return t;
}

function expectMaskMatches(am: AlignedModality, present: (tSec: number) => boolean, edgesSec: readonly number[]): void {
  const times = timesOf(am);
  let checked = 0;
  for (let k = 0; k < am.length; k++) {
    const t = times[k]!;
    const nearEdge = edgesSec.some((e) => Math.abs(t - e) <= 1 / am.rateHz);
    if (nearEdge) continue;
    expect(am.mask[k], `${am.modality} mask at ${t.toFixed(4)} s`).toBe(present(t) ? 1 : 0);
    if (am.mask[k] === 0) {
      for (let c = 0; c < am.channelCount; c++) expect(am.x[k * am.channelCount + c]).toBe(0);
    }
    checked++;
  }
  expect(checked).toBeGreaterThan(am.length * 0.9);
}

describe('alignSession', () => {
  it('masks exactly where a late-starting, early-stopping, gappy stream has no data (within one model sample)', () => {
    const eeg = makeStream({ modality: 'EEG', rateHz: 250, channelCount: 4, startSec: 2, endSec: 7, gaps: [[4, 4.5]], driftPpm: 30, jitterSec: 0.0002 });
    const eda = makeStream({ modality: 'EDA', rateHz: 32, startSec: 0.3, endSec: 9.1, gaps: [[5, 5.75]] });
    const ppg = makeStream({ modality: 'PPG', rateHz: 64, startSec: 1.05, endSec: 10, gaps: [[3, 3.1], [6, 8]] });

    const aligned = alignSession([eeg, eda, ppg], { startSec: 0, endSec: 10 });

    const inside = (t: number, a: number, b: number): boolean => t >= a && t < b;
    expectMaskMatches(aligned.modalities.EEG!, (t) => inside(t, 2, 7) && !inside(t, 4, 4.5), [2, 4, 4.5, 7]);
    expectMaskMatches(aligned.modalities.EDA!, (t) => inside(t, 0.3, 9.1) && !inside(t, 5, 5.75), [0.3, 5, 5.75, 9.1]);
    expectMaskMatches(aligned.modalities.PPG!, (t) => inside(t, 1.05, 10) && !inside(t, 3, 3.1) && !inside(t, 6, 8), [1.05, 3, 3.1, 6, 8, 10]);
  });

  it('puts every modality on its model rate with grids covering the session span in whole patches', () => {
    const inputs = [
      makeStream({ modality: 'EEG', rateHz: 256, channelCount: 8, endSec: 12 }),
      makeStream({ modality: 'ECG', rateHz: 1000, channelCount: 2, endSec: 12 }),
      makeStream({ modality: 'EDA', rateHz: 4, endSec: 12 }),
      makeStream({ modality: 'PPG', rateHz: 100, endSec: 12 }),
      makeStream({ modality: 'RESP', rateHz: 25, endSec: 12 }),
    ];

    const aligned = alignSession(inputs, { startSec: 1, endSec: 11 });

    for (const m of MODALITIES) {
      const am = aligned.modalities[m]!;
      expect(am.rateHz).toBe(DEFAULT_MODEL_RATES_HZ[m]);
      expect(am.samplesPerPatch).toBe(DEFAULT_MODEL_RATES_HZ[m] / 4);
      expect(am.length % am.samplesPerPatch).toBe(0);
      expect(am.x.length).toBe(am.length * am.channelCount);
      const firstCellStart = am.startSec - 0.5 / am.rateHz;
      const lastCellEnd = firstCellStart + am.length / am.rateHz;
      expect(firstCellStart).toBeLessThanOrEqual(1 + 1e-9);
      expect(firstCellStart).toBeGreaterThan(1 - 0.25);
      expect(lastCellEnd).toBeGreaterThanOrEqual(11 - 1e-9);
      expect(lastCellEnd).toBeLessThan(11 + 0.25);
    }
    expect(aligned.modalities.EEG!.channelCount).toBe(8);
    expect(aligned.modalities.ECG!.channelCount).toBe(2);
  });

  it.each(['session', 'stream'] as const)('aligns a 250 Hz and a 1000 Hz stream of the same signal to within 1 ms (%s anchor)', (gridAnchor) => {
    const tones = [3.1, 11.7, 23];
    const signal = (t: number): number => tones.reduce((s, f, i) => s + Math.sin(2 * Math.PI * f * t + i), 0);
    const a = makeStream({ modality: 'EEG', rateHz: 250, startSec: 0.0013, endSec: 30, driftPpm: 45, jitterSec: 0.0003, signal, seed: 1 });
    const b = makeStream({ modality: 'ECG', rateHz: 1000, startSec: 0.0002, endSec: 30, driftPpm: -20, jitterSec: 0.0001, signal, seed: 2 });

    const aligned = alignSession([a, b], { startSec: 0, endSec: 30, gridAnchor });

    const eeg = aligned.modalities.EEG!;
    const ecg = aligned.modalities.ECG!;
    tones.forEach((f, i) => {
      // Fit sin(2 pi f t + i): shift the phase reference so the true delay is 0.
      const fa = fitSine(timesOf(eeg), eeg.x, f, 3, 27, eeg.mask);
      const fb = fitSine(timesOf(ecg), ecg.x, f, 3, 27, ecg.mask);
      const trueDelay = -i / (2 * Math.PI * f);
      const wrap = (d: number): number => d - Math.round(d * f) / f;
      expect(Math.abs(wrap(fa.delaySec - trueDelay))).toBeLessThan(0.001);
      expect(Math.abs(wrap(fb.delaySec - trueDelay))).toBeLessThan(0.001);
      expect(Math.abs(wrap(fa.delaySec - fb.delaySec))).toBeLessThan(0.001);
      expect(fa.amplitude).toBeCloseTo(1, 2);
      expect(fb.amplitude).toBeCloseTo(1, 2);
    });
  });

  it('keeps a modality without a stream, with an all-zero mask and the configured channel count', () => {
    const eeg = makeStream({ modality: 'EEG', rateHz: 256, channelCount: 2, endSec: 10 });

    const aligned = alignSession([eeg], { startSec: 0, endSec: 10, channelCounts: { EDA: 1, RESP: 1 } });

    const eda = aligned.modalities.EDA!;
    expect(eda.hasStream).toBe(false);
    expect(eda.channelCount).toBe(1);
    expect(eda.length).toBeGreaterThanOrEqual(10 * 32);
    expect(eda.mask.every((v) => v === 0)).toBe(true);
    expect(aligned.modalities.ECG!.channelCount).toBe(0);
    expect(aligned.modalities.EEG!.hasStream).toBe(true);
  });

  it('anchors stream grids on the first sample and session grids on the token grid', () => {
    const eda = makeStream({ modality: 'EDA', rateHz: 32, startSec: 2.04, endSec: 10 });

    const byStream = alignSession([eda], { startSec: 0, endSec: 10, gridAnchor: 'stream' }).modalities.EDA!;
    const bySession = alignSession([eda], { startSec: 0, endSec: 10, gridAnchor: 'session' }).modalities.EDA!;

    const k = Math.round((2.04 - byStream.startSec) * 32);
    expect(byStream.startSec + k / 32).toBeCloseTo(2.04, 9);
    expect(k % byStream.samplesPerPatch).toBe(0);
    expect(bySession.startSec).toBeCloseTo(0.5 / 32, 12);
  });

  describe('rejects bad input with an AlignError naming what was wrong', () => {
    const good = (): ModalityInput => makeStream({ modality: 'EEG', rateHz: 256, channelCount: 2, endSec: 2 });
    const span = { startSec: 0, endSec: 2 };
    const expectAlignError = (fn: () => unknown, code: string, text: RegExp): void => {
      let caught: unknown;
      try {
        fn();
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(AlignError);
      expect((caught as AlignError).code).toBe(code);
      expect((caught as AlignError).message).toMatch(text);
    };

    it('mismatched values and timestamps', () => {
      const input = { ...good(), values: new Float32Array(7) };
      expectAlignError(() => alignSession([input], span), 'length-mismatch', /values has 7 elements.*x 2 channels/);
    });

    it('an unknown or unconfigured modality', () => {
      const gsr = { ...good(), modality: 'GSR' } as unknown as ModalityInput;
      expectAlignError(() => alignSession([gsr], span), 'unknown-modality', /"GSR"/);
      expectAlignError(() => alignSession([good()], { ...span, modalities: ['EDA'] }), 'unknown-modality', /"EEG"/);
    });

    it('a channel count the model does not expect', () => {
      expectAlignError(() => alignSession([good()], { ...span, channelCounts: { EEG: 32 } }), 'channel-count-mismatch', /has 2 channels, the model expects 32/);
    });

    it('timestamps that go backwards, naming the index', () => {
      const input = good();
      input.timestamps[100] = input.timestamps[50]!;
      expectAlignError(() => alignSession([input], span), 'non-monotonic-timestamps', /test:eeg.*\[100\]/);
    });

    it('two streams for one modality', () => {
      expectAlignError(() => alignSession([good(), good()], span), 'duplicate-modality', /second stream for EEG/);
    });

    it('a model rate that is not a whole number of samples per patch', () => {
      expectAlignError(() => alignSession([good()], { ...span, modelRatesHz: { ...DEFAULT_MODEL_RATES_HZ, EEG: 130 } }), 'invalid-config', /modelRatesHz\.EEG/);
    });

    it('an empty session span', () => {
      expectAlignError(() => alignSession([good()], { startSec: 5, endSec: 5 }), 'invalid-span', /startSec < endSec/);
    });
  });
});
