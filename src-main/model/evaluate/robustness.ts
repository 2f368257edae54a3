// Robustness perturbations of test windows (issue 3 item 5): modality-level missing rate (whole
// modalities absent from a window), segment-level missing rate (gaps of 0.5-5 s until the rate
// is reached), asynchrony shift (every modality but the reference lags by s seconds: the sample
// stamped t holds what the body showed at t - s, as from a device with uncorrected latency; the
// window's first s seconds come from the recording before it, missing only where the recording
// has none: augment's shiftContent), and
// timestamp jitter of the patch times. Draws come from a seed, so every architecture of a run is
// scored on the same perturbed windows (a paired comparison).

import type { Modality, ModelWindow, WindowModality } from '../../core/align/types.js';
import { seededRng, type Rng } from '../runtime/index.js';
import { copyModality, dropAll, resummarise, shiftContent } from '../training/augment.js';
import type { Example } from '../training/examples.js';

export type PerturbationKind = 'modality-missing' | 'segment-missing' | 'shift' | 'jitter';

export interface Perturbation {
  kind: PerturbationKind;
  /** Missing rate (fraction 0-1) or shift/jitter in seconds. */
  level: number;
}

export interface RobustnessGrid {
  'modality-missing': number[];
  'segment-missing': number[];
  shift: number[];
  jitter: number[];
}

/** The sweeps: missing rate 0-70 %, asynchrony 0-2 s, jitter up to 0.2 s (s.d.). */
export const DEFAULT_ROBUSTNESS_GRID: Readonly<RobustnessGrid> = Object.freeze({
  'modality-missing': [0.1, 0.3, 0.5, 0.7],
  'segment-missing': [0.1, 0.3, 0.5, 0.7],
  shift: [0.5, 1, 2],
  jitter: [0.05, 0.1, 0.2],
});

export const PERTURBATION_UNITS: Readonly<Record<PerturbationKind, string>> = {
  'modality-missing': 'fraction of modalities missing per window',
  'segment-missing': 'fraction of each modality\'s samples missing',
  shift: 'lag of every non-reference modality, s',
  jitter: 'patch timestamp jitter (s.d.), s',
};

const MIN_PRESENT_FRACTION = 0.5;

function presentModalities(w: ModelWindow): Modality[] {
  return (Object.keys(w.modalities) as Modality[]).filter((m) => w.modalities[m]!.patchPresent.some((p) => p === 1));
}

function finish(window: ModelWindow, modalities: Partial<Record<Modality, WindowModality>>): ModelWindow {
  const availability: Partial<Record<Modality, number>> = {};
  for (const [m, wm] of Object.entries(modalities) as Array<[Modality, WindowModality]>) {
    resummarise(wm, MIN_PRESENT_FRACTION);
    let on = 0;
    for (let k = 0; k < wm.mask.length; k++) on += wm.mask[k]!;
    availability[m] = wm.mask.length > 0 ? on / wm.mask.length : 0;
  }
  return { ...window, modalities, availability };
}

function copyAll(w: ModelWindow): Partial<Record<Modality, WindowModality>> {
  const out: Partial<Record<Modality, WindowModality>> = {};
  for (const [m, wm] of Object.entries(w.modalities) as Array<[Modality, WindowModality]>) out[m] = copyModality(wm);
  return out;
}

function clearSamples(wm: WindowModality, from: number, to: number): void {
  const C = wm.channelCount;
  for (let k = Math.max(0, from); k < Math.min(wm.mask.length, to); k++) {
    wm.mask[k] = 0;
    for (let c = 0; c < C; c++) wm.x[k * C + c] = 0;
  }
}

function missingFraction(wm: WindowModality): number {
  let off = 0;
  for (let k = 0; k < wm.mask.length; k++) if (wm.mask[k] === 0) off++;
  return wm.mask.length === 0 ? 1 : off / wm.mask.length;
}

/** One perturbed copy of a window (the input is not changed). */
export function perturbWindow(window: ModelWindow, p: Perturbation, rng: Rng, reference: Modality): ModelWindow {
  const modalities = copyAll(window);
  if (p.level <= 0) return finish(window, modalities);
  switch (p.kind) {
    case 'modality-missing': {
      // Each present modality is absent with probability `level`; one always stays (a window with no data has no prediction to score).
      const present = presentModalities(window);
      const dropped = present.filter(() => rng.uniform() < p.level);
      if (dropped.length === present.length && present.length > 0) dropped.splice(rng.int(dropped.length), 1);
      for (const m of dropped) dropAll(modalities[m]!);
      break;
    }
    case 'segment-missing':
      for (const wm of Object.values(modalities)) {
        const T = wm.mask.length;
        const start = missingFraction(wm);
        for (let guard = 0; guard < 1000 && missingFraction(wm) < Math.min(1, start + p.level * (1 - start)); guard++) {
          const len = Math.max(1, Math.round(rng.range(0.5, 5) * wm.rateHz));
          const at = rng.int(Math.max(1, T));
          clearSamples(wm, at, at + len);
        }
      }
      break;
    case 'shift':
      // Sample k now holds what was at k - n: content s seconds old under the current stamp.
      for (const [m, wm] of Object.entries(modalities) as Array<[Modality, WindowModality]>) if (m !== reference) shiftContent(wm, Math.round(p.level * wm.rateHz));
      break;
    case 'jitter': {
      const out = finish(window, modalities);
      for (const wm of Object.values(out.modalities)) {
        for (let i = 0; i < wm.patchTimesSec.length; i++) wm.patchTimesSec[i] = wm.patchTimesSec[i]! + p.level * rng.gaussian();
      }
      return out;
    }
  }
  return finish(window, modalities);
}

/** Perturb a test set; the same (seed, perturbation) gives the same windows for every model. */
export function perturbExamples(examples: readonly Example[], p: Perturbation, seed: number, reference: Modality = 'EEG'): Example[] {
  const rng = seededRng(seed, 'robustness', p.kind, Math.round(p.level * 1000));
  return examples.map((e) => ({ ...e, window: perturbWindow(e.window, p, rng, reference) }));
}
