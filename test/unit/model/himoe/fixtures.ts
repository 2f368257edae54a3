// Small Hi-MoE configs and hand-built model windows for the model tests (generated, seeded).

import type { Modality, ModelWindow, WindowModality } from '../../../../src-main/core/align/types.js';
import { resolveHiMoEConfig, samplesPerPatch, tokensPerWindow, type HiMoEConfig } from '../../../../src-main/model/himoe/index.js';
import { seededRng } from '../../../../src-main/model/runtime/index.js';

/** Three modalities, 4 s windows at 4 Hz (16 tokens), d = 16: fast enough for unit tests. */
export function smallConfig(overrides: Partial<HiMoEConfig> = {}): HiMoEConfig {
  return resolveHiMoEConfig({
    modalities: [
      { modality: 'EEG', rateHz: 32, channelLabels: ['Fz', 'Cz', 'Pz'] },
      { modality: 'ECG', rateHz: 32, channelLabels: ['ECG-II'] },
      { modality: 'EDA', rateHz: 8, channelLabels: ['EDA'] },
    ],
    windowSec: 4,
    dModel: 16,
    heads: 2,
    prototypes: 8,
    dropout: 0.1,
    alignHorizonSec: 2,
    ...overrides,
  });
}

export interface WindowOptions {
  endSec?: number;
  /** Modalities with no data at all. */
  absent?: Modality[];
  /** Per modality, patch indices whose samples are all missing. */
  missingPatches?: Partial<Record<Modality, number[]>>;
  /** Per modality, a delay of the device's patch grid (s), as the 'stream' anchor gives. */
  delaySec?: Partial<Record<Modality, number>>;
}

/** A window of random signals shaped like assembleWindow's output for `config`. */
export function randomWindow(config: HiMoEConfig, seed: number, options: WindowOptions = {}): ModelWindow {
  const rng = seededRng(seed, 'window');
  const L = tokensPerWindow(config);
  const endSec = options.endSec ?? 100;
  const startSec = endSec - config.windowSec;
  const referenceTimesSec = new Float64Array(L);
  for (let i = 0; i < L; i++) referenceTimesSec[i] = startSec + (i + 0.5) / config.tokenRateHz;
  const modalities: Partial<Record<Modality, WindowModality>> = {};
  const availability: Partial<Record<Modality, number>> = {};
  for (const spec of config.modalities) {
    const S = samplesPerPatch(config, spec);
    const C = spec.channelLabels.length;
    const T = S * L;
    const absent = options.absent?.includes(spec.modality) ?? false;
    const missing = new Set(options.missingPatches?.[spec.modality] ?? []);
    const delay = options.delaySec?.[spec.modality] ?? 0;
    const wmStart = startSec - delay + 0.5 / spec.rateHz;
    const x = new Float32Array(T * C);
    const mask = new Uint8Array(T);
    const patchTimesSec = new Float64Array(L);
    const patchPresent = new Uint8Array(L);
    let presentSamples = 0;
    for (let i = 0; i < L; i++) {
      const on = !absent && !missing.has(i);
      patchPresent[i] = on ? 1 : 0;
      patchTimesSec[i] = wmStart + (i * S + (S - 1) / 2) / spec.rateHz;
      for (let s = 0; s < S; s++) {
        const k = i * S + s;
        if (!on) continue;
        mask[k] = 1;
        presentSamples++;
        for (let c = 0; c < C; c++) x[k * C + c] = rng.gaussian();
      }
    }
    modalities[spec.modality] = { channelCount: C, rateHz: spec.rateHz, samplesPerPatch: S, startSec: wmStart, x, mask, patchTimesSec, patchPresent };
    availability[spec.modality] = presentSamples / T;
  }
  return { startSec, endSec, referenceTimesSec, modalities, availability };
}

/** Smooth random targets in [-0.8, 0.8], L x D. */
export function randomTargets(config: HiMoEConfig, seed: number): Float32Array {
  const rng = seededRng(seed, 'targets');
  const L = tokensPerWindow(config);
  const D = config.outputs.length;
  const out = new Float32Array(L * D);
  for (let d = 0; d < D; d++) {
    const a = rng.range(-0.8, 0.8);
    const b = rng.range(-0.8, 0.8);
    for (let i = 0; i < L; i++) out[i * D + d] = a + ((b - a) * i) / (L - 1);
  }
  return out;
}

/** Copy a window deeply so a test can change one copy. */
export function cloneWindow(w: ModelWindow): ModelWindow {
  const modalities: Partial<Record<Modality, WindowModality>> = {};
  for (const [m, wm] of Object.entries(w.modalities) as Array<[Modality, WindowModality]>) {
    modalities[m] = { ...wm, x: wm.x.slice(), mask: wm.mask.slice(), patchTimesSec: wm.patchTimesSec.slice(), patchPresent: wm.patchPresent.slice() };
  }
  return { ...w, referenceTimesSec: w.referenceTimesSec.slice(), modalities, availability: { ...w.availability } };
}
