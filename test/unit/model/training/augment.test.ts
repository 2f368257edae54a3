import { describe, expect, it } from 'vitest';
import { DEFAULT_AUGMENT, augmentWindow, shiftContent } from '../../../../src-main/model/training/index.js';
import { copyModality, dropAll } from '../../../../src-main/model/training/augment.js';
import { alignSession, assembleWindow, type AlignedSession } from '../../../../src-main/core/align/index.js';
import { seededRng } from '../../../../src-main/model/runtime/index.js';
import { cloneWindow, randomWindow, smallConfig } from '../himoe/fixtures.js';

const config = smallConfig();

/** 40 s of ECG (64 Hz) and EDA (32 Hz) without gaps, aligned at the model rates. */
function syntheticAligned(): AlignedSession {
  const stream = (modality: 'ECG' | 'EDA', rateHz: number) => {
    const n = 40 * rateHz;
    return { modality, channelCount: 1, nominalRateHz: rateHz, timestamps: Float64Array.from({ length: n }, (_, i) => i / rateHz), values: Float32Array.from({ length: n }, (_, i) => Math.sin(i / 7) + i / n) };
  };
  return alignSession([stream('ECG', 64), stream('EDA', 32)], { startSec: 0, endSec: 40, modalities: ['ECG', 'EDA'], modelRatesHz: { EEG: 128, ECG: 64, EDA: 32, PPG: 64, RESP: 32 } });
}
const none = { ...DEFAULT_AUGMENT, modalityDropout: 0, segmentDropout: 0, timeShift: 0, jitterSec: 0, rateChange: 0, maxGain: 1 };

describe('window augmentations', () => {
  it('drops whole modalities but always keeps at least one', () => {
    const w = randomWindow(config, 1);
    const rng = seededRng(1, 'aug');
    let droppedSome = 0;
    for (let i = 0; i < 200; i++) {
      const a = augmentWindow(w, rng, { ...none, modalityDropout: 1 });
      const present = Object.values(a.modalities).filter((m) => m!.patchPresent.some((p) => p === 1)).length;
      expect(present).toBeGreaterThanOrEqual(1);
      if (present < 3) droppedSome++;
      for (const m of Object.values(a.modalities)) if (m!.patchPresent.every((p) => p === 0)) expect(m!.mask.every((v) => v === 0)).toBe(true);
    }
    expect(droppedSome).toBeGreaterThan(100);
  });

  it('cuts one contiguous 0.5-5 s gap per modality and marks the patches it empties as missing', () => {
    const w = randomWindow(config, 2);
    const a = augmentWindow(w, seededRng(2, 'aug'), { ...none, segmentDropout: 1 });
    for (const [m, wm] of Object.entries(a.modalities)) {
      const missing = Array.from(wm!.mask).map((v, k) => (v === 0 ? k : -1)).filter((k) => k >= 0);
      const lenSec = missing.length / wm!.rateHz;
      expect(lenSec, m).toBeGreaterThanOrEqual(0.5 - 1 / wm!.rateHz);
      expect(lenSec, m).toBeLessThanOrEqual(5 + 1 / wm!.rateHz);
      expect(missing[missing.length - 1]! - missing[0]! + 1, m).toBe(missing.length);
      const S = wm!.samplesPerPatch;
      for (let p = 0; p < wm!.patchPresent.length; p++) {
        const present = Array.from(wm!.mask.subarray(p * S, (p + 1) * S)).filter((v) => v === 1).length;
        expect(wm!.patchPresent[p], `${m} patch ${p}`).toBe(present >= S / 2 ? 1 : 0);
      }
    }
  });

  it('moves a modality\'s samples by at most 2 s against unchanged timestamps (the uncovered edge missing), without touching the input window', () => {
    const w = randomWindow(config, 3);
    for (const wm of Object.values(w.modalities)) for (let i = 0; i < wm!.x.length; i++) wm!.x[i] = i + 1;
    const before = cloneWindow(w);
    const moves = new Set<number>();
    for (let seed = 0; seed < 12; seed++) {
      const a = augmentWindow(w, seededRng(seed, 'aug'), { ...none, timeShift: 1 });
      expect(w).toEqual(before);
      for (const [m, wm] of Object.entries(a.modalities)) {
        const orig = w.modalities[m as 'EEG']!;
        // The stamps are not what moves: a patch's time stays inside its own span (it is the mean
        // time of its present samples, so a partly emptied patch moves by less than half a patch).
        const halfPatchSec = wm!.samplesPerPatch / wm!.rateHz / 2;
        for (let p = 0; p < orig.patchTimesSec.length; p++) expect(Math.abs(wm!.patchTimesSec[p]! - orig.patchTimesSec[p]!)).toBeLessThanOrEqual(halfPatchSec);
        const C = wm!.channelCount;
        const T = wm!.mask.length;
        const k = Array.from(wm!.mask).findIndex((v) => v === 1);
        // The first present sample tells the move: sample k holds original sample src.
        const n = k > 0 ? k : -(Math.round(wm!.x[0]! - 1) / C);
        moves.add(Math.sign(n));
        expect(Math.abs(n) / wm!.rateHz, m).toBeLessThanOrEqual(2 + 1 / wm!.rateHz);
        for (let j = 0; j < T; j++) {
          const src = j - n;
          const inside = src >= 0 && src < T;
          expect(wm!.mask[j], `${m} sample ${j}`).toBe(inside ? 1 : 0);
          expect(wm!.x[j * C], `${m} sample ${j}`).toBe(inside ? orig.x[src * C] : 0);
        }
      }
    }
    expect(moves.has(-1) && moves.has(1)).toBe(true);
  });

  it('shiftContent moves samples later or earlier in place and leaves the uncovered edge missing', () => {
    const wm = { channelCount: 2, rateHz: 4, samplesPerPatch: 2, startSec: 0, x: Float32Array.from([1, 10, 2, 20, 3, 30, 4, 40]), mask: Uint8Array.from([1, 1, 0, 1]), patchTimesSec: new Float64Array(2), patchPresent: new Uint8Array(2) };
    const later = { ...wm, x: wm.x.slice(), mask: wm.mask.slice() };
    shiftContent(later, 1);
    expect(Array.from(later.x)).toEqual([0, 0, 1, 10, 2, 20, 3, 30]);
    expect(Array.from(later.mask)).toEqual([0, 1, 1, 0]);
    const earlier = { ...wm, x: wm.x.slice(), mask: wm.mask.slice() };
    shiftContent(earlier, -2);
    expect(Array.from(earlier.x)).toEqual([3, 30, 4, 40, 0, 0, 0, 0]);
    expect(Array.from(earlier.mask)).toEqual([0, 1, 0, 0]);
  });

  it('shiftContent takes the samples it moves in from the window\'s recording, as a late device delivers them', () => {
    // A recording of 10 samples, 2 channels; the window is rows 4-7 of it.
    const rx = Float32Array.from({ length: 20 }, (_, i) => i + 1);
    const rmask = Uint8Array.from([1, 1, 0, 1, 1, 1, 1, 1, 1, 1]);
    const window = () => ({ channelCount: 2, rateHz: 4, samplesPerPatch: 2, startSec: 1, x: rx.slice(8, 16), mask: rmask.slice(4, 8), patchTimesSec: new Float64Array(2), patchPresent: new Uint8Array(2), recording: { x: rx, mask: rmask, offset: 4 } });
    const later = window();
    shiftContent(later, 2);
    // Rows 2-5 of the recording: row 2 was missing there and stays missing, nothing is cut off.
    expect(Array.from(later.x)).toEqual([0, 0, 7, 8, 9, 10, 11, 12]);
    expect(Array.from(later.mask)).toEqual([0, 1, 1, 1]);
    const earlier = window();
    shiftContent(earlier, -3);
    // Rows 7-10: row 10 lies past the recording's end, the only part that is missing.
    expect(Array.from(earlier.x)).toEqual([15, 16, 17, 18, 19, 20, 0, 0]);
    expect(Array.from(earlier.mask)).toEqual([1, 1, 1, 0]);
    // The recording itself is never written.
    expect(Array.from(rx)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const first = { ...window(), x: rx.slice(0, 8), mask: rmask.slice(0, 4), recording: { x: rx, mask: rmask, offset: 0 } };
    shiftContent(first, 1);
    // Before the recording's start there is nothing to bring in.
    expect(Array.from(first.mask)).toEqual([0, 1, 1, 0]);
  });

  it('a shifted window cut from an aligned session equals the window cut that much earlier, and a dropped modality stays dropped', () => {
    const aligned = syntheticAligned();
    const w = assembleWindow(aligned, 20, undefined, { shareAligned: true });
    const early = assembleWindow(aligned, 19, undefined, { shareAligned: true });
    for (const m of ['ECG', 'EDA'] as const) {
      const wm = copyModality(w.modalities[m]!);
      shiftContent(wm, Math.round(wm.rateHz));
      expect(Array.from(wm.mask), m).toEqual(Array.from(early.modalities[m]!.mask));
      expect(Array.from(wm.x), m).toEqual(Array.from(early.modalities[m]!.x));
    }
    const gone = copyModality(w.modalities.ECG!);
    dropAll(gone);
    shiftContent(gone, 64);
    expect(gone.mask.every((v) => v === 0)).toBe(true);
    // A window reaching before the recording's start gets only the part the recording has.
    const start = assembleWindow(aligned, aligned.startSec + 8, undefined, { shareAligned: true });
    const ecg = copyModality(start.modalities.ECG!);
    shiftContent(ecg, Math.round(ecg.rateHz));
    expect(Array.from(ecg.mask.subarray(0, Math.round(ecg.rateHz))).every((v) => v === 0)).toBe(true);
    expect(Array.from(ecg.mask.subarray(Math.round(ecg.rateHz))).every((v) => v === 1)).toBe(true);
  });

  it('the time-shift augmentation of a window cut from a recording brings in the recording\'s content, not a gap', () => {
    const aligned = syntheticAligned();
    const w = assembleWindow(aligned, 20, undefined, { shareAligned: true });
    const moves = new Set<number>();
    for (let seed = 0; seed < 6; seed++) {
      const a = augmentWindow(w, seededRng(seed, 'aug'), { ...none, timeShift: 1 });
      for (const m of ['ECG', 'EDA'] as const) {
        const wm = a.modalities[m]!;
        const rec = w.modalities[m]!.recording!;
        // Nothing is cut out: the window is the recording's samples n places earlier (or later), whole.
        expect(wm.mask.every((v) => v === 1), `${m} seed ${seed}`).toBe(true);
        const T = wm.mask.length;
        const n = [...Array(4 * wm.rateHz + 1).keys()].map((i) => i - 2 * wm.rateHz).find((k) => Array.from(wm.x).every((v, j) => v === rec.x[rec.offset + j - k]));
        expect(n, `${m} seed ${seed}: not a slice of the recording`).toBeDefined();
        expect(T).toBe(8 * wm.rateHz);
        moves.add(n!);
      }
    }
    expect([...moves].some((n) => n !== 0)).toBe(true);
  });

  it('scales amplitudes by at most the configured gain and perturbs the rate by at most 2 %', () => {
    const w = randomWindow(config, 4);
    const a = augmentWindow(w, seededRng(4, 'aug'), { ...none, maxGain: 1.25 });
    const ratio = a.modalities.ECG!.x[10]! / w.modalities.ECG!.x[10]!;
    expect(ratio).toBeGreaterThanOrEqual(0.8 - 1e-6);
    expect(ratio).toBeLessThanOrEqual(1.25 + 1e-6);
    for (let i = 0; i < w.modalities.ECG!.x.length; i++) expect(a.modalities.ECG!.x[i]).toBeCloseTo(w.modalities.ECG!.x[i]! * ratio, 4);
    // a linear ramp resampled 2 % slower stays a ramp whose slope changes by at most 2 %
    const ramp = cloneWindow(w);
    const ecg = ramp.modalities.ECG!;
    for (let k = 0; k < ecg.x.length; k++) ecg.x[k] = k;
    const r = augmentWindow(ramp, seededRng(5, 'aug'), { ...none, rateChange: 1 }).modalities.ECG!;
    const T = ecg.x.length;
    const slope = r.x[T - 1]! - r.x[T - 2]!;
    expect(slope).toBeGreaterThanOrEqual(0.98 - 1e-4);
    expect(slope).toBeLessThanOrEqual(1.02 + 1e-4);
    expect(r.x[T - 1]).toBeCloseTo(T - 1, 4);
  });
});
