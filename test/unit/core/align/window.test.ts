import { describe, expect, it } from 'vitest';
import { alignSession } from '../../../../src-main/core/align/aligner.js';
import { assembleWindow, countWindows, windowsOver } from '../../../../src-main/core/align/window.js';
import { DEFAULT_MODEL_RATES_HZ, MODALITIES, type ModalityInput } from '../../../../src-main/core/align/types.js';
import { AlignError } from '../../../../src-main/core/errors.js';
import { makeStream } from './make-stream.js';

const CHANNELS = { EEG: 4, ECG: 2, EDA: 1, PPG: 1, RESP: 1 } as const;

function fullSession(endSec: number): ModalityInput[] {
  return [
    makeStream({ modality: 'EEG', rateHz: 256, channelCount: CHANNELS.EEG, startSec: 0.011, endSec, driftPpm: 20, jitterSec: 0.0002 }),
    makeStream({ modality: 'ECG', rateHz: 500, channelCount: CHANNELS.ECG, startSec: 0.003, endSec, driftPpm: -35 }),
    makeStream({ modality: 'EDA', rateHz: 32, startSec: 0.02, endSec }),
    makeStream({ modality: 'PPG', rateHz: 64, startSec: 0.05, endSec }),
    makeStream({ modality: 'RESP', rateHz: 25, startSec: 0.07, endSec }),
  ];
}

describe('assembleWindow', () => {
  it('returns the model shapes for all five modalities and the reference token times', () => {
    const aligned = alignSession(fullSession(30), { startSec: 0, endSec: 30 });

    const window = assembleWindow(aligned, 20);

    expect(window.startSec).toBe(12);
    expect(window.endSec).toBe(20);
    expect(window.referenceTimesSec.length).toBe(32);
    expect(window.referenceTimesSec[0]).toBeCloseTo(12.125, 12);
    expect(window.referenceTimesSec[31]).toBeCloseTo(19.875, 12);
    for (const m of MODALITIES) {
      const wm = window.modalities[m]!;
      const t = 8 * DEFAULT_MODEL_RATES_HZ[m];
      expect(wm.channelCount).toBe(CHANNELS[m]);
      expect(wm.x.length).toBe(t * CHANNELS[m]);
      expect(wm.mask.length).toBe(t);
      expect(wm.patchTimesSec.length).toBe(32);
      expect(wm.patchPresent.length).toBe(32);
      expect(wm.patchPresent.every((p) => p === 1)).toBe(true);
      expect(window.availability[m]).toBe(1);
      // Patches precede their reference tokens by less than one patch and never end after the window.
      for (let j = 0; j < 32; j++) {
        const lead = window.referenceTimesSec[j]! - wm.patchTimesSec[j]!;
        expect(lead).toBeGreaterThanOrEqual(-1e-9);
        expect(lead).toBeLessThan(0.25);
      }
      expect(wm.startSec + (t - 0.5) / wm.rateHz).toBeLessThanOrEqual(20 + 1e-9);
    }
  });

  it('returns a modality without any stream with an all-zero mask, missing patches and zero availability', () => {
    const aligned = alignSession([makeStream({ modality: 'EEG', rateHz: 256, endSec: 20 })], { startSec: 0, endSec: 20, channelCounts: { EDA: 1 } });

    const window = assembleWindow(aligned, 16);

    const eda = window.modalities.EDA!;
    expect(eda.x.length).toBe(8 * 32);
    expect(eda.mask.every((v) => v === 0)).toBe(true);
    expect(eda.patchPresent.every((v) => v === 0)).toBe(true);
    expect(window.availability.EDA).toBe(0);
    // Missing patches carry their nominal centres, here the reference token times.
    for (let j = 0; j < 32; j++) expect(eda.patchTimesSec[j]).toBeCloseTo(window.referenceTimesSec[j]!, 9);
  });

  it('marks a patch present iff at least half its samples are, and times it by the samples present', () => {
    // EDA at 32 Hz, 8 samples per patch; the mask is set by hand to hit the threshold exactly.
    const aligned = alignSession([], { startSec: 0, endSec: 8, modalities: ['EDA'], channelCounts: { EDA: 1 }, gridAnchor: 'session' });
    const eda = aligned.modalities.EDA!;
    expect(eda.startSec).toBeCloseTo(0.5 / 32, 12);
    eda.mask.fill(1, 0, 4); // patch 0: samples 0..3 present (4/8)
    eda.mask.fill(1, 8, 11); // patch 1: samples 0..2 present (3/8)
    eda.mask.fill(1, 20, 24); // patch 2: samples 4..7 present (4/8)

    const window = assembleWindow(aligned, 8);
    const stricter = assembleWindow(aligned, 8, { minPresentFraction: 0.75 });

    const wm = window.modalities.EDA!;
    expect(Array.from(wm.patchPresent.subarray(0, 4))).toEqual([1, 0, 1, 0]);
    expect(Array.from(stricter.modalities.EDA!.patchPresent.subarray(0, 4))).toEqual([0, 0, 0, 0]);
    const sampleTime = (k: number): number => eda.startSec + k / 32;
    expect(wm.patchTimesSec[0]).toBeCloseTo((sampleTime(0) + sampleTime(3)) / 2, 12);
    expect(wm.patchTimesSec[2]).toBeCloseTo((sampleTime(20) + sampleTime(23)) / 2, 12);
    expect(wm.patchTimesSec[1]).toBeCloseTo(0.375, 12); // missing: nominal centre
    expect(window.availability.EDA).toBeCloseTo(11 / 256, 12);
  });

  it('gives a device stamped 40 ms late patch times 40 ms late (stream anchor)', () => {
    const signal = (t: number): number => Math.sin(2 * Math.PI * 0.7 * t) + 0.3 * Math.sin(2 * Math.PI * 5.3 * t);
    const onTime = makeStream({ modality: 'EDA', rateHz: 32, startSec: 0.01, endSec: 30, signal });
    const late = makeStream({ modality: 'EDA', rateHz: 32, startSec: 0.01, endSec: 30, signal, shiftSec: 0.04 });
    const a = alignSession([onTime], { startSec: 0, endSec: 30, modalities: ['EDA'] });
    const b = alignSession([late], { startSec: 0, endSec: 30, modalities: ['EDA'] });

    for (const endSec of [12.1, 20.1, 25.6]) {
      const wa = assembleWindow(a, endSec).modalities.EDA!;
      const wb = assembleWindow(b, endSec).modalities.EDA!;

      for (let j = 0; j < 32; j++) expect(wb.patchTimesSec[j]! - wa.patchTimesSec[j]!).toBeCloseTo(0.04, 9);
      // The samples moved with their timestamps: same content, later times.
      for (let k = 0; k < wa.x.length; k++) expect(Math.abs(wb.x[k]! - wa.x[k]!)).toBeLessThan(1e-5);
    }
    // Whatever the window end, the shift is 40 ms modulo one patch.
    const wa = assembleWindow(a, 20.0).modalities.EDA!;
    const wb = assembleWindow(b, 20.0).modalities.EDA!;
    const d = wb.patchTimesSec[5]! - wa.patchTimesSec[5]!;
    expect(d - Math.round((d - 0.04) / 0.25) * 0.25).toBeCloseTo(0.04, 9);
  });

  it('with the session anchor keeps patch times on the reference tokens and moves the signal instead', () => {
    const onTime = makeStream({ modality: 'EDA', rateHz: 32, endSec: 30, signal: (t) => t });
    const late = makeStream({ modality: 'EDA', rateHz: 32, endSec: 30, signal: (t) => t, shiftSec: 0.04 });
    const config = { startSec: 0, endSec: 30, modalities: ['EDA'] as const, gridAnchor: 'session' as const };

    const wa = assembleWindow(alignSession([onTime], config), 20);
    const wb = assembleWindow(alignSession([late], config), 20);

    for (let j = 0; j < 32; j++) {
      expect(wa.modalities.EDA!.patchTimesSec[j]).toBeCloseTo(wa.referenceTimesSec[j]!, 9);
      expect(wb.modalities.EDA!.patchTimesSec[j]).toBeCloseTo(wa.referenceTimesSec[j]!, 9);
    }
    // A ramp value is its true sampling time: stamped 40 ms late, the value at a grid time is 40 ms older.
    const k = 100;
    expect(wa.modalities.EDA!.x[k]! - wb.modalities.EDA!.x[k]!).toBeCloseTo(0.04, 3);
  });

  it('assembles the same window from the live inputs as from the aligned session, without looking past the window end', () => {
    const inputs = fullSession(40);
    const anchorsSec = Object.fromEntries(inputs.map((i) => [i.modality, i.timestamps[0]!]));
    const aligned = alignSession(inputs, { startSec: 0, endSec: 40 });
    // The live buffer holds only the last 12 s, and data after the window end must not matter.
    const endSec = 30.1;
    const live = inputs.map((input) => {
      const from = input.timestamps.findIndex((t) => t >= endSec - 12);
      const timestamps = input.timestamps.slice(from);
      const values = input.values.slice(from * input.channelCount);
      for (let i = 0; i < timestamps.length; i++) {
        if (timestamps[i]! >= endSec) values.fill(1e6, i * input.channelCount, (i + 1) * input.channelCount);
      }
      return { ...input, timestamps, values };
    });

    const offline = assembleWindow(aligned, endSec);
    const online = assembleWindow(live, endSec, { anchorsSec });

    for (const m of MODALITIES) {
      const a = offline.modalities[m]!;
      const b = online.modalities[m]!;
      expect(b.startSec).toBeCloseTo(a.startSec, 9);
      expect(Array.from(b.mask)).toEqual(Array.from(a.mask));
      expect(Array.from(b.patchPresent)).toEqual(Array.from(a.patchPresent));
      for (let j = 0; j < 32; j++) expect(b.patchTimesSec[j]).toBeCloseTo(a.patchTimesSec[j]!, 9);
      // Away from the window end (filter look-ahead), the values agree.
      const c = a.channelCount;
      const upTo = (8 - 1) * a.rateHz * c;
      let maxDiff = 0;
      for (let k = 0; k < upTo; k++) maxDiff = Math.max(maxDiff, Math.abs(a.x[k]! - b.x[k]!));
      expect(maxDiff, m).toBeLessThan(1e-3);
      for (let k = 0; k < b.x.length; k++) expect(Math.abs(b.x[k]!)).toBeLessThan(10);
    }
  });

  it('rejects config changes an aligned session cannot honour', () => {
    const aligned = alignSession(fullSession(10), { startSec: 0, endSec: 10 });

    expect(() => assembleWindow(aligned, 9, { tokenRateHz: 8 })).toThrow(AlignError);
    expect(() => assembleWindow(aligned, Number.NaN)).toThrow(/windowEndSec/);
    expect(assembleWindow(aligned, 9, { windowSec: 4 }).referenceTimesSec.length).toBe(16);
  });
});

describe('windowsOver', () => {
  it('yields windows every hop from the first full window to the session end', () => {
    const aligned = alignSession(fullSession(20), { startSec: 0, endSec: 20 });

    const ends = Array.from(windowsOver(aligned, { hopSec: 0.25 }), (w) => w.endSec);

    expect(ends.length).toBe(49);
    expect(countWindows(aligned, { hopSec: 0.25 })).toBe(49);
    ends.forEach((e, k) => expect(e).toBeCloseTo(8 + k * 0.25, 9));
  });

  it('honours explicit first and last window ends and refuses a non-positive hop', () => {
    const aligned = alignSession(fullSession(20), { startSec: 0, endSec: 20 });

    const windows = Array.from(windowsOver(aligned, { hopSec: 2, firstEndSec: 10, lastEndSec: 15 }));

    expect(windows.map((w) => w.endSec)).toEqual([10, 12, 14]);
    expect(() => Array.from(windowsOver(aligned, { hopSec: 0 }))).toThrow(AlignError);
  });
});
