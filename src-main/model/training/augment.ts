// Training augmentations of DESIGN §4 on model windows: modality dropout (keep >= 1), segment
// dropout (0.5-5 s gaps), per-modality time shifts (up to +-2 s: the modality's content moves
// against its timestamps, as from a device whose latency or clock offset is not corrected),
// timestamp jitter, sampling-rate perturbation (+-2 %) and amplitude scaling. Each draws from the
// given seeded PRNG and returns a new window (the input is not changed).

import type { Modality, ModelWindow, WindowModality } from '../../core/align/types.js';
import type { Rng } from '../runtime/index.js';
import { summarisePatches } from '../../core/align/window.js';

export interface AugmentOptions {
  /** Probability that a window loses modalities (each present modality then drops with p = 0.5, keeping >= 1). */
  modalityDropout: number;
  /** Probability per modality of one missing segment. */
  segmentDropout: number;
  segmentSec: [number, number];
  /** Probability per modality of a time shift of its content (shiftContent), uniform in +-maxShiftSec. */
  timeShift: number;
  maxShiftSec: number;
  /** Standard deviation of the per-patch timestamp jitter, seconds. */
  jitterSec: number;
  /** Probability per modality of a rate perturbation, uniform in +-maxRateChange. */
  rateChange: number;
  maxRateChange: number;
  /** Amplitude scale per modality, log-uniform in [1 / maxGain, maxGain]. */
  maxGain: number;
  /** A patch with a smaller present fraction is missing (as in the aligner). */
  minPresentFraction: number;
}

export const DEFAULT_AUGMENT: Readonly<AugmentOptions> = Object.freeze({
  modalityDropout: 0.3,
  segmentDropout: 0.2,
  segmentSec: [0.5, 5] as [number, number],
  timeShift: 0.2,
  maxShiftSec: 2,
  jitterSec: 0.01,
  rateChange: 0.2,
  maxRateChange: 0.02,
  maxGain: 1.25,
  minPresentFraction: 0.5,
});

/** Names of the augmentations, for the manifest. */
export const AUGMENTATION_NAMES = ['modality dropout', 'segment dropout (0.5-5 s)', 'time shift of a modality\'s content against its timestamps (+-2 s)', 'timestamp jitter', 'sampling-rate perturbation (+-2 %)', 'amplitude scaling'];

/** A deep copy of one modality of a window (the perturbations of the evaluation use it too). */
export function copyModality(wm: WindowModality): WindowModality {
  return { ...wm, x: wm.x.slice(), mask: wm.mask.slice(), patchTimesSec: wm.patchTimesSec.slice(), patchPresent: wm.patchPresent.slice() };
}

/** Recompute patch presence and times after the mask changed (the aligner's own rule). */
export function resummarise(wm: WindowModality, minPresentFraction: number): void {
  summarisePatches(wm, wm.patchPresent.length, minPresentFraction);
}

/** Remove every sample of a modality from the window (values 0, mask 0). */
export function dropAll(wm: WindowModality): void {
  wm.x.fill(0);
  wm.mask.fill(0);
  // A dropped modality stays dropped: no later shift may bring its recording back.
  delete wm.recording;
}

/**
 * Move a modality's samples n places later in the window (n < 0: earlier) while their timestamps
 * stay: the sample stamped t then holds what the body showed at t - n / rateHz, as from a device
 * whose latency or clock offset is not corrected. Windows are cut by timestamps, so this, and not
 * a shift of the patch times over unmoved samples, is what such a device gives the model.
 *
 * The samples moved in come from the window's `recording` when it has one (a window cut from an
 * aligned session): a device 1 s late still delivered the second before the window, it lies in
 * the recording. Only where the recording has no sample (before its start, after its end) or has
 * none at all (a copied or live window) is the moved-in part missing (value 0, mask 0). Without
 * this, every shifted window would also lose its first |n| samples, which measures a gap, not an
 * asynchrony. With a recording the content is taken from it, so shift before any other change of
 * the window's content. Patch summaries are not updated (resummarise).
 */
export function shiftContent(wm: WindowModality, n: number): void {
  const T = wm.mask.length;
  const C = wm.channelCount;
  if (n === 0 || T === 0) return;
  const rec = wm.recording;
  if (rec !== undefined) {
    const N = rec.mask.length;
    for (let k = 0; k < T; k++) {
      const src = rec.offset + k - n;
      const inside = src >= 0 && src < N && rec.mask[src] !== 0;
      wm.mask[k] = inside ? 1 : 0;
      for (let c = 0; c < C; c++) wm.x[k * C + c] = inside ? rec.x[src * C + c]! : 0;
    }
    return;
  }
  // Walk against the direction of the move so every source sample is read before it is overwritten.
  for (let i = 0; i < T; i++) {
    const k = n > 0 ? T - 1 - i : i;
    const src = k - n;
    const inside = src >= 0 && src < T;
    wm.mask[k] = inside ? wm.mask[src]! : 0;
    for (let c = 0; c < C; c++) wm.x[k * C + c] = inside ? wm.x[src * C + c]! : 0;
  }
}

/** Resample the window's samples by factor (1 + change) about the window end (linear interpolation, mask by nearest). */
function perturbRate(wm: WindowModality, change: number): void {
  const T = wm.mask.length;
  const C = wm.channelCount;
  const x = wm.x.slice();
  const mask = wm.mask.slice();
  for (let k = 0; k < T; k++) {
    const src = T - 1 - (T - 1 - k) * (1 + change);
    const k0 = Math.floor(src);
    const f = src - k0;
    if (k0 < 0 || k0 + 1 >= T || mask[k0] === 0 || mask[k0 + 1] === 0) {
      wm.mask[k] = k0 >= 0 && k0 < T && f === 0 ? mask[k0]! : 0;
      for (let c = 0; c < C; c++) wm.x[k * C + c] = wm.mask[k] === 1 ? x[k0 * C + c]! : 0;
      continue;
    }
    wm.mask[k] = 1;
    for (let c = 0; c < C; c++) wm.x[k * C + c] = x[k0 * C + c]! * (1 - f) + x[(k0 + 1) * C + c]! * f;
  }
}

/** One augmented copy of a window. */
export function augmentWindow(window: ModelWindow, rng: Rng, options: AugmentOptions = DEFAULT_AUGMENT): ModelWindow {
  const modalities: Partial<Record<Modality, WindowModality>> = {};
  const availability: Partial<Record<Modality, number>> = {};
  const names = Object.keys(window.modalities) as Modality[];
  const present = names.filter((m) => window.modalities[m]!.patchPresent.some((p) => p === 1));
  const dropped = new Set<Modality>();
  if (present.length > 1 && rng.uniform() < options.modalityDropout) {
    for (const m of present) if (rng.uniform() < 0.5) dropped.add(m);
    if (dropped.size === present.length) dropped.delete(present[rng.int(present.length)]!);
  }
  for (const m of names) {
    const wm = copyModality(window.modalities[m]!);
    modalities[m] = wm;
    const T = wm.mask.length;
    if (dropped.has(m)) {
      dropAll(wm);
    } else if (T > 0) {
      const C = wm.channelCount;
      // Draws in a fixed order; the shift is applied first because it may take its content from the recording.
      const gain = Math.exp(rng.range(-Math.log(options.maxGain), Math.log(options.maxGain)));
      const rate = rng.uniform() < options.rateChange ? rng.range(-options.maxRateChange, options.maxRateChange) : 0;
      const shift = rng.uniform() < options.timeShift ? Math.round(rng.range(-options.maxShiftSec, options.maxShiftSec) * wm.rateHz) : 0;
      shiftContent(wm, shift);
      for (let i = 0; i < wm.x.length; i++) wm.x[i] = wm.x[i]! * gain;
      if (rate !== 0) perturbRate(wm, rate);
      if (rng.uniform() < options.segmentDropout) {
        const len = Math.round(rng.range(options.segmentSec[0], options.segmentSec[1]) * wm.rateHz);
        const start = rng.int(Math.max(1, T - Math.min(len, T) + 1));
        for (let k = start; k < Math.min(T, start + len); k++) {
          wm.mask[k] = 0;
          for (let c = 0; c < C; c++) wm.x[k * C + c] = 0;
        }
      }
    }
    resummarise(wm, options.minPresentFraction);
    for (let p = 0; p < wm.patchTimesSec.length; p++) wm.patchTimesSec[p] = wm.patchTimesSec[p]! + options.jitterSec * rng.gaussian();
    let on = 0;
    for (let k = 0; k < T; k++) on += wm.mask[k]!;
    availability[m] = T > 0 ? on / T : 0;
  }
  return { ...window, referenceTimesSec: window.referenceTimesSec.slice(), modalities, availability };
}
