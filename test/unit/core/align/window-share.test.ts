// Shared windows (windowsOver / assembleWindow with shareAligned): a window inside the aligned
// span views the session's arrays instead of copying them, with exactly the copied values.

import { describe, expect, it } from 'vitest';
import { alignSession } from '../../../../src-main/core/align/aligner.js';
import { assembleWindow, windowsOver } from '../../../../src-main/core/align/window.js';
import { MODALITIES, type AlignedSession, type ModalityInput, type ModelWindow } from '../../../../src-main/core/align/types.js';
import { makeStream } from './make-stream.js';

function session(): AlignedSession {
  const inputs: ModalityInput[] = [
    makeStream({ modality: 'EEG', rateHz: 256, channelCount: 3, startSec: 0.011, endSec: 40, driftPpm: 20, jitterSec: 0.0002, gaps: [[12.3, 14.1]] }),
    makeStream({ modality: 'ECG', rateHz: 500, channelCount: 2, startSec: 0.003, endSec: 40 }),
    makeStream({ modality: 'EDA', rateHz: 32, startSec: 3.5, endSec: 33 }),
    makeStream({ modality: 'PPG', rateHz: 64, startSec: 0.05, endSec: 40, gaps: [[20, 21]] }),
    makeStream({ modality: 'RESP', rateHz: 25, startSec: 0.07, endSec: 40 }),
  ];
  return alignSession(inputs, { startSec: 0, endSec: 40 });
}

function expectSameWindow(shared: ModelWindow, copied: ModelWindow): void {
  expect(shared.startSec).toBe(copied.startSec);
  expect(shared.endSec).toBe(copied.endSec);
  expect(Array.from(shared.referenceTimesSec)).toEqual(Array.from(copied.referenceTimesSec));
  expect(shared.availability).toEqual(copied.availability);
  for (const m of MODALITIES) {
    const a = shared.modalities[m]!;
    const b = copied.modalities[m]!;
    expect(a.startSec, m).toBe(b.startSec);
    expect(a.channelCount, m).toBe(b.channelCount);
    expect(a.x.length, m).toBe(b.x.length);
    expect(Buffer.from(a.x.buffer, a.x.byteOffset, a.x.byteLength).equals(Buffer.from(b.x.buffer, b.x.byteOffset, b.x.byteLength)), `${m} x`).toBe(true);
    expect(Array.from(a.mask), m).toEqual(Array.from(b.mask));
    expect(Array.from(a.patchTimesSec), m).toEqual(Array.from(b.patchTimesSec));
    expect(Array.from(a.patchPresent), m).toEqual(Array.from(b.patchPresent));
  }
}

describe('shared windows of an aligned session', () => {
  it('hold exactly the values of copied windows, inside the span and at both edges', () => {
    const aligned = session();
    // From a window reaching before the span to one reaching past its end (zero padding on both sides).
    const options = { hopSec: 0.5, firstEndSec: 4, lastEndSec: 44 };
    const shared = [...windowsOver(aligned, { ...options, shareAligned: true })];
    const copied = [...windowsOver(aligned, options)];
    expect(shared.length).toBe(copied.length);
    expect(shared.length).toBe(81);
    shared.forEach((w, k) => expectSameWindow(w, copied[k]!));
    // The edges really are padded: the first window's EEG starts with mask 0, the last ends with it.
    expect(shared[0]!.modalities.EEG!.mask[0]).toBe(0);
    expect(shared.at(-1)!.modalities.EEG!.mask.at(-1)).toBe(0);
  });

  it('views the aligned arrays inside the span (no copy) and copies a window reaching past either end', () => {
    const aligned = session();
    const inside = assembleWindow(aligned, 20, undefined, { shareAligned: true });
    const before = assembleWindow(aligned, 5, undefined, { shareAligned: true });
    const after = assembleWindow(aligned, 43, undefined, { shareAligned: true });
    const unshared = assembleWindow(aligned, 20);
    for (const m of MODALITIES) {
      const am = aligned.modalities[m]!;
      expect(inside.modalities[m]!.x.buffer, m).toBe(am.x.buffer);
      expect(inside.modalities[m]!.mask.buffer, m).toBe(am.mask.buffer);
      expect(inside.modalities[m]!.x.byteOffset, m).toBeGreaterThan(0);
      for (const w of [before, after, unshared]) {
        expect(w.modalities[m]!.x.buffer, m).not.toBe(am.x.buffer);
        expect(w.modalities[m]!.mask.buffer, m).not.toBe(am.mask.buffer);
      }
      // Patch summaries are each window's own.
      expect(inside.modalities[m]!.patchPresent.buffer).not.toBe(unshared.modalities[m]!.patchPresent.buffer);
    }
  });

  it('shares nothing with raw inputs (the live path always copies)', () => {
    const eeg = makeStream({ modality: 'EEG', rateHz: 128, channelCount: 2, endSec: 20 });
    const w = assembleWindow([eeg], 16, { modalities: ['EEG'] }, { shareAligned: true });
    expect(w.modalities.EEG!.x.buffer).not.toBe(eeg.values.buffer);
    expect(w.modalities.EEG!.x.byteOffset).toBe(0);
  });
});
