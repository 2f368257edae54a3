// Training examples: model windows cut from aligned sessions (src-main/core/align) with per-token
// targets at the reference times, after per-subject robust normalisation (DESIGN §4). The
// synthetic source gives sessions with ground truth fast (renderRecording: ideal signals, pure).

import { alignSession, windowsOver, type AlignedSession, type ModalityInput, type ModelWindow } from '../../core/align/index.js';
import { renderRecording, type StimulusSchedule } from '../../acquisition/synthetic/index.js';
import type { SyntheticDeviceKey } from '../../acquisition/synthetic/config.js';
import type { HiMoEConfig } from '../himoe/config.js';
import type { Normalisation } from '../himoe/batch.js';
import { ModelError } from '../errors.js';

export interface Example {
  window: ModelWindow;
  /** L x D targets at the reference times (NaN = no label). */
  targets: Float32Array;
  subject: string;
  /** Trial (stimulus) the window ends in; 'rest' between stimuli. */
  trial: string;
  /**
   * The recording (timeline) the window is cut from, when a subject has several (two sessions'
   * clocks overlap, so times compare only within one); absent: the subject's windows all lie on
   * one timeline.
   */
  recording?: string;
}

/** The timeline an example's times belong to (Example.recording, else its subject's). */
export function timelineOf(e: Example): string {
  return e.recording ?? e.subject;
}

/**
 * Which tokens of each example are scored, in the evaluation's test and in training's validation
 * (evaluateExamples): every instant of a recording once, in the window that gives it the most
 * context. Overlapping windows (hop < window) hold each
 * instant window/hop times, with from one token to a whole window of signal behind it; scoring
 * them all counts each instant that many times and mixes short-context predictions into the score,
 * while live use reads each instant once, at the end of a full window. The window kept for an
 * instant is the earliest-starting one that covers it (where the instant's token sits last), so
 * only the first window of a recording (or of a trial cut on its own) is scored whole, and every
 * later window on the tokens after the previous window's end (the last hop). Windows are grouped
 * by recording (timelineOf: datasets lay a subject's trials end to end on one timeline, each XDF
 * session is its own).
 */
export function tokensWithMostContext(examples: readonly Example[]): Uint8Array[] {
  const keep = examples.map((e) => new Uint8Array(e.window.referenceTimesSec.length));
  const byTimeline = new Map<string, number[]>();
  examples.forEach((e, i) => {
    const list = byTimeline.get(timelineOf(e));
    if (list === undefined) byTimeline.set(timelineOf(e), [i]);
    else list.push(i);
  });
  for (const indices of byTimeline.values()) {
    indices.sort((a, b) => examples[a]!.window.startSec - examples[b]!.window.startSec || a - b);
    let coveredTo = Number.NEGATIVE_INFINITY;
    for (const i of indices) {
      const times = examples[i]!.window.referenceTimesSec;
      const L = times.length;
      if (L === 0) continue;
      const w = examples[i]!.window;
      // Half a token: reference times of two windows on one grid agree to rounding, not exactly.
      const half = (w.endSec - w.startSec) / L / 2;
      for (let r = 0; r < L; r++) keep[i]![r] = times[r]! > coveredTo + half ? 1 : 0;
      coveredTo = Math.max(coveredTo, times[L - 1]!);
    }
  }
  return keep;
}

/** Median and IQR-based scale per channel of the present samples (every `stride`-th sample). */
export function robustStats(aligned: AlignedSession, config: HiMoEConfig, stride = 4): Normalisation {
  const out: Normalisation = {};
  for (const spec of config.modalities) {
    const am = aligned.modalities[spec.modality];
    if (am === undefined || !am.hasStream) continue;
    const C = am.channelCount;
    const center: number[] = [];
    const scale: number[] = [];
    for (let c = 0; c < C; c++) {
      const values: number[] = [];
      for (let k = 0; k < am.length; k += stride) if (am.mask[k] !== 0) values.push(am.x[k * C + c]!);
      values.sort((a, b) => a - b);
      const q = (f: number) => (values.length === 0 ? 0 : values[Math.min(values.length - 1, Math.floor(f * (values.length - 1)))]!);
      center.push(q(0.5));
      const iqr = q(0.75) - q(0.25);
      scale.push(iqr > 1e-9 ? iqr / 1.349 : 1);
    }
    out[spec.modality] = { center, scale };
  }
  return out;
}

/** Normalise an aligned session in place ((x - center) / scale where the mask is 1). */
export function normaliseAligned(aligned: AlignedSession, stats: Normalisation): void {
  for (const [m, s] of Object.entries(stats)) {
    const am = aligned.modalities[m as keyof typeof aligned.modalities];
    if (am === undefined || s === undefined) continue;
    const C = am.channelCount;
    for (let k = 0; k < am.length; k++) {
      if (am.mask[k] === 0) continue;
      for (let c = 0; c < C; c++) am.x[k * C + c] = (am.x[k * C + c]! - s.center[c]!) / s.scale[c]!;
    }
  }
}

/** Linear interpolation of a [n x D] trace sampled at rateHz (t = i / rateHz) at times t; NaN outside. */
export function sampleTrace(values: Float32Array, rateHz: number, dims: number, timesSec: ArrayLike<number>, out: Float32Array): void {
  const n = values.length / dims;
  for (let j = 0; j < timesSec.length; j++) {
    const pos = timesSec[j]! * rateHz;
    const i0 = Math.floor(pos);
    for (let d = 0; d < dims; d++) {
      if (i0 < 0 || i0 + 1 >= n) {
        out[j * dims + d] = i0 === n - 1 && pos === i0 ? values[i0 * dims + d]! : Number.NaN;
        continue;
      }
      const f = pos - i0;
      out[j * dims + d] = values[i0 * dims + d]! * (1 - f) + values[(i0 + 1) * dims + d]! * f;
    }
  }
}

/**
 * A session's inputs aligned to a model's modalities, rates and token grid over [startSec,
 * endSec], normalised in place with the session's own robust statistics (DESIGN §4): the one
 * preparation every data source (synthetic, XDF, DEAP, DREAMER) shares.
 */
export function alignForModel(inputs: ModalityInput[], config: HiMoEConfig, startSec: number, endSec: number): { aligned: AlignedSession; normalisation: Normalisation } {
  const aligned = alignSession(inputs, {
    startSec,
    endSec,
    windowSec: config.windowSec,
    tokenRateHz: config.tokenRateHz,
    modelRatesHz: Object.fromEntries(config.modalities.map((s) => [s.modality, s.rateHz])) as AlignedSession['config']['modelRatesHz'],
    modalities: config.modalities.map((s) => s.modality),
    channelCounts: Object.fromEntries(config.modalities.map((s) => [s.modality, s.channelLabels.length])),
  });
  const normalisation = robustStats(aligned, config);
  normaliseAligned(aligned, normalisation);
  return { aligned, normalisation };
}

export interface SyntheticExamplesOptions {
  subjectSeed: number;
  durationSec: number;
  /** Step between window ends, seconds. */
  hopSec: number;
  stimuli?: StimulusSchedule;
  /** Windows inside the session share its aligned arrays (default true; never write them, see
   *  AssembleOptions.shareAligned); false copies every window. */
  shareAligned?: boolean;
}

/**
 * One synthetic subject's session as training examples: rendered at the model rates with the
 * model's EEG montage, aligned, normalised with the subject's own robust statistics, cut into
 * windows; targets are the generator's valence/arousal at each reference time.
 */
export function syntheticExamples(config: HiMoEConfig, options: SyntheticExamplesOptions): { examples: Example[]; normalisation: Normalisation } {
  const dims = config.outputs.length;
  if (config.outputs.join(',') !== 'valence,arousal') {
    throw new ModelError('unsupported-outputs', `synthetic ground truth has valence and arousal only; the model wants ${config.outputs.join(', ')}`);
  }
  const keyOf = (m: string) => m.toLowerCase() as SyntheticDeviceKey;
  const rates: Record<string, { rateHz: number; channels?: string[] }> = {};
  for (const spec of config.modalities) rates[keyOf(spec.modality)] = spec.modality === 'EEG' ? { rateHz: spec.rateHz, channels: [...spec.channelLabels] } : { rateHz: spec.rateHz };
  const rec = renderRecording({
    seed: options.subjectSeed,
    modalities: config.modalities.map((s) => s.modality),
    durationSec: options.durationSec,
    ...rates,
    ...(options.stimuli !== undefined ? { stimuli: options.stimuli } : {}),
  });
  const inputs: ModalityInput[] = [];
  for (const spec of config.modalities) {
    const sig = rec.signals[keyOf(spec.modality)];
    if (sig === undefined) continue;
    const n = sig.values.length / sig.channels.length;
    const timestamps = new Float64Array(n);
    for (let i = 0; i < n; i++) timestamps[i] = i / sig.rateHz;
    inputs.push({ modality: spec.modality, channelCount: sig.channels.length, nominalRateHz: sig.rateHz, timestamps, values: sig.values, streamId: `synthetic:${keyOf(spec.modality)}` });
  }
  const { aligned, normalisation } = alignForModel(inputs, config, 0, options.durationSec);
  const subject = `synthetic-${options.subjectSeed}`;
  const examples: Example[] = [];
  // Normalised in place above, so the windows may share the aligned arrays.
  for (const window of windowsOver(aligned, { hopSec: options.hopSec, shareAligned: options.shareAligned ?? true })) {
    const targets = new Float32Array(window.referenceTimesSec.length * dims);
    sampleTrace(rec.groundTruth.values, rec.groundTruth.rateHz, 2, window.referenceTimesSec, targets);
    const t = window.endSec;
    const stim = rec.stimuli.findIndex((s) => s.onsetSec <= t && t < s.onsetSec + s.durationSec);
    examples.push({ window, targets, subject, trial: stim >= 0 ? `${subject}/stimulus${stim}` : `${subject}/rest` });
  }
  return { examples, normalisation };
}
