// Training examples whose windows share their session's aligned arrays: the same values as copied
// windows, and neither augmentation nor the robustness perturbations ever write into them.

import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Modality } from '../../../../src-main/core/align/types.js';
import { DEFAULT_ROBUSTNESS_GRID, perturbWindow, type PerturbationKind } from '../../../../src-main/model/evaluate/index.js';
import { seededRng } from '../../../../src-main/model/runtime/index.js';
import { DEFAULT_AUGMENT, augmentWindow, syntheticExamples, type Example } from '../../../../src-main/model/training/index.js';
import { smallConfig } from '../himoe/fixtures.js';

const config = smallConfig();

/** The distinct buffers behind the examples' x and mask that are views of a larger (aligned) array. */
function sharedBuffers(examples: readonly Example[]): ArrayBufferLike[] {
  const out = new Set<ArrayBufferLike>();
  for (const e of examples) {
    for (const wm of Object.values(e.window.modalities)) {
      if (wm!.x.byteLength < wm!.x.buffer.byteLength) out.add(wm!.x.buffer);
      if (wm!.mask.byteLength < wm!.mask.buffer.byteLength) out.add(wm!.mask.buffer);
    }
  }
  return [...out];
}

const digest = (buffers: readonly ArrayBufferLike[]) => buffers.map((b) => createHash('sha256').update(new Uint8Array(b)).digest('hex'));

describe('training examples with shared windows', () => {
  it('share one aligned array per modality and hold the same values as copied windows', () => {
    const shared = syntheticExamples(config, { subjectSeed: 3, durationSec: 30, hopSec: 2 }).examples;
    const copied = syntheticExamples(config, { subjectSeed: 3, durationSec: 30, hopSec: 2, shareAligned: false }).examples;
    // EEG, ECG, EDA: one x and one mask array each (the 3-channel EEG x is its own buffer).
    expect(sharedBuffers(shared)).toHaveLength(6);
    expect(sharedBuffers(copied)).toHaveLength(0);
    expect(shared.length).toBe(copied.length);
    shared.forEach((e, k) => {
      const c = copied[k]!;
      expect(Array.from(e.targets)).toEqual(Array.from(c.targets));
      expect(e.trial).toBe(c.trial);
      for (const m of Object.keys(c.window.modalities) as Modality[]) {
        expect(Array.from(e.window.modalities[m]!.x), m).toEqual(Array.from(c.window.modalities[m]!.x));
        expect(Array.from(e.window.modalities[m]!.mask), m).toEqual(Array.from(c.window.modalities[m]!.mask));
        expect(Array.from(e.window.modalities[m]!.patchTimesSec), m).toEqual(Array.from(c.window.modalities[m]!.patchTimesSec));
      }
    });
  });

  it('augmentWindow and every robustness perturbation leave the shared aligned arrays byte-identical', () => {
    const { examples } = syntheticExamples(config, { subjectSeed: 5, durationSec: 30, hopSec: 1 });
    const buffers = sharedBuffers(examples);
    expect(buffers.length).toBeGreaterThan(0);
    const before = digest(buffers);
    const always = { ...DEFAULT_AUGMENT, modalityDropout: 1, segmentDropout: 1, timeShift: 1, rateChange: 1, maxGain: 2, jitterSec: 0.05 };
    const rng = seededRng(9, 'shared');
    let changed = 0;
    for (const e of examples) {
      for (const options of [DEFAULT_AUGMENT, always]) {
        const a = augmentWindow(e.window, rng, options);
        if (a.modalities.EEG!.x.some((v, i) => v !== e.window.modalities.EEG!.x[i])) changed++;
      }
      for (const kind of Object.keys(DEFAULT_ROBUSTNESS_GRID) as PerturbationKind[]) {
        for (const level of [0, ...DEFAULT_ROBUSTNESS_GRID[kind], 1]) perturbWindow(e.window, { kind, level }, rng, 'EEG');
      }
    }
    expect(changed).toBeGreaterThan(0); // the augmentations did change their copies
    expect(digest(buffers)).toEqual(before);
  });
});
