// ModelWindow[] (src-main/core/align) -> the tensors Hi-MoE consumes, for the model's fixed
// modality set: patch features (masked values + the sample mask), patch presence, patch times
// relative to the window end, the causal key mask of the time-aware cross-attention and the
// per-token modality availability the router masks with. Optional per-token targets.

import type { Modality, ModelWindow } from '../../core/align/types.js';
import { tf } from '../runtime/index.js';
import { ModelError } from '../errors.js';
import { patchFeatureSize, samplesPerPatch, tokensPerWindow, type HiMoEConfig } from './config.js';
import { encodeTime, timeEncodingFrequencies } from './layers.js';

/** Per-channel affine normalisation x' = (x - center) / scale (robust per-subject statistics). */
export interface ChannelNormalisation {
  center: number[];
  scale: number[];
}

export type Normalisation = Partial<Record<Modality, ChannelNormalisation>>;

export interface BatchOptions {
  normalisation?: Normalisation;
  /** Per window: L x D targets (row-major, in config.outputs order); NaN marks a missing label. */
  targets?: ReadonlyArray<Float32Array>;
}

export interface WindowBatch {
  size: number;
  tokens: number;
  /** Per modality (config order): [B, L, F] = patch samples (x * mask, row-major S x C), the S mask values, then (patchLogPower) C log mean powers of the present samples. */
  patches: tf.Tensor3D[];
  /** [M, B, L] 1 where the patch has >= minPresentFraction samples. */
  patchPresent: tf.Tensor3D;
  /** [M, B, L] patch times minus the window end, seconds. */
  patchTimesSec: tf.Tensor3D;
  /** [B, L] reference token times minus the window end, seconds. */
  referenceTimesSec: tf.Tensor2D;
  /** [M, B*L, dModel] sinusoidal encoding of patchTimesSec. */
  patchTimeEncoding: tf.Tensor3D;
  /** [B*L, dModel] sinusoidal encoding of referenceTimesSec. */
  referenceTimeEncoding: tf.Tensor2D;
  /** [M, B, L, L] 1 where query token i may attend to patch j of modality m (present, j <= i, within the horizon). */
  keyMask: tf.Tensor4D;
  /** [M, B, L] 1 where modality m has data for token i (a key in reach; with alignment 'none', patch i present). */
  available: tf.Tensor3D;
  /** [B, L] 1 where at least one modality is available. */
  tokenValid: tf.Tensor2D;
  /** [B, L, D] and [B, L] when targets were given (mask: label present and token valid). */
  targets?: tf.Tensor3D;
  targetMask?: tf.Tensor2D;
}

export function disposeBatch(batch: WindowBatch): void {
  const all: tf.Tensor[] = [...batch.patches, batch.patchPresent, batch.patchTimesSec, batch.referenceTimesSec, batch.patchTimeEncoding, batch.referenceTimeEncoding, batch.keyMask, batch.available, batch.tokenValid];
  if (batch.targets) all.push(batch.targets);
  if (batch.targetMask) all.push(batch.targetMask);
  tf.dispose(all);
}

/**
 * The per-window inputs of a batch as plain typed arrays (row-major, shapes as in WindowBatch):
 * what batchWindows uploads, and what the inference path (inference.ts) reuses from call to call.
 */
export interface WindowArrays {
  size: number;
  tokens: number;
  /** Per modality (config order): [B, L, F] patch features. */
  feats: Float32Array[];
  /** [M, B, L] */
  present: Float32Array;
  /** [M, B, L] patch times minus the window end (s); the reference times for an absent modality. */
  times: Float32Array;
  /** [B, L] */
  refTimes: Float32Array;
  /** [M, B, L, L] */
  keyMask: Float32Array;
  /** [M, B, L] */
  available: Float32Array;
  /** [B, L] */
  tokenValid: Float32Array;
}

/** Zeroed arrays for `size` windows of `config`. */
export function allocWindowArrays(config: HiMoEConfig, size: number): WindowArrays {
  const L = tokensPerWindow(config);
  const M = config.modalities.length;
  return {
    size,
    tokens: L,
    feats: config.modalities.map((spec) => new Float32Array(size * L * patchFeatureSize(config, spec))),
    present: new Float32Array(M * size * L),
    times: new Float32Array(M * size * L),
    refTimes: new Float32Array(size * L),
    keyMask: new Float32Array(M * size * L * L),
    available: new Float32Array(M * size * L),
    tokenValid: new Float32Array(size * L),
  };
}

/**
 * Fill `out` (sized for windows.length, see allocWindowArrays; overwritten, so it can be reused)
 * from the windows; throws ModelError naming the window and modality on a shape mismatch.
 */
export function fillWindowArrays(windows: readonly ModelWindow[], config: HiMoEConfig, normalisation: Normalisation | undefined, out: WindowArrays): void {
  const B = windows.length;
  if (B === 0) throw new ModelError('empty-batch', 'batchWindows needs at least one window');
  const L = tokensPerWindow(config);
  if (out.size !== B || out.tokens !== L) throw new ModelError('window-shape', `window arrays sized for ${out.size} x ${out.tokens} tokens, given ${B} windows of ${L}`);
  const horizon = Math.max(1, Math.round(config.alignHorizonSec * config.tokenRateHz));
  const aligned = config.ablation.alignment === 'full';
  const { present, times, refTimes, keyMask, available, tokenValid } = out;
  for (const a of [present, keyMask, available, tokenValid]) a.fill(0);

  windows.forEach((w, b) => {
    if (w.referenceTimesSec.length !== L) {
      throw new ModelError('window-shape', `window ${b}: ${w.referenceTimesSec.length} reference tokens, the model expects ${L} (${config.windowSec} s at ${config.tokenRateHz} Hz)`, { window: b });
    }
    for (let i = 0; i < L; i++) refTimes[b * L + i] = w.referenceTimesSec[i]! - w.endSec;
  });

  config.modalities.forEach((spec, m) => {
    const S = samplesPerPatch(config, spec);
    const C = spec.channelLabels.length;
    const F = patchFeatureSize(config, spec);
    const logPower = config.patchLogPower;
    const feats = out.feats[m]!;
    feats.fill(0);
    const norm = normalisation?.[spec.modality];
    windows.forEach((w, b) => {
      const wm = w.modalities[spec.modality];
      const base = (m * B + b) * L;
      if (wm === undefined) {
        for (let i = 0; i < L; i++) times[base + i] = w.referenceTimesSec[i]! - w.endSec;
        return;
      }
      if (wm.channelCount !== C) {
        throw new ModelError('channel-mismatch', `window ${b}: ${spec.modality} has ${wm.channelCount} channels, the model expects ${C} (${spec.channelLabels.join(', ')})`, { window: b, modality: spec.modality });
      }
      if (Math.abs(wm.rateHz - spec.rateHz) > 1e-9 || wm.samplesPerPatch !== S || wm.patchPresent.length !== L) {
        throw new ModelError('rate-mismatch', `window ${b}: ${spec.modality} at ${wm.rateHz} Hz with ${wm.samplesPerPatch} samples x ${wm.patchPresent.length} patches, the model expects ${spec.rateHz} Hz, ${S} x ${L}`, { window: b, modality: spec.modality });
      }
      for (let i = 0; i < L; i++) {
        present[base + i] = wm.patchPresent[i]!;
        times[base + i] = wm.patchTimesSec[i]! - w.endSec;
        const row = (b * L + i) * F;
        let count = 0;
        for (let s = 0; s < S; s++) {
          const k = i * S + s;
          if (wm.mask[k] === 0) continue;
          feats[row + S * C + s] = 1;
          count++;
          for (let c = 0; c < C; c++) {
            const v = wm.x[k * C + c]!;
            feats[row + s * C + c] = norm === undefined ? v : (v - norm.center[c]!) / norm.scale[c]!;
          }
        }
        if (logPower && count > 0) {
          const base = row + S * C + S;
          for (let c = 0; c < C; c++) {
            let power = 0;
            for (let s = 0; s < S; s++) power += feats[row + s * C + c]! ** 2;
            feats[base + c] = Math.log(power / count + 1e-3);
          }
        }
      }
    });
    for (let b = 0; b < B; b++) {
      const base = (m * B + b) * L;
      for (let i = 0; i < L; i++) {
        let any = 0;
        if (aligned) {
          for (let j = Math.max(0, i - horizon + 1); j <= i; j++) {
            if (present[base + j] === 1) {
              keyMask[(base + i) * L + j] = 1;
              any = 1;
            }
          }
        } else {
          any = present[base + i]!;
          keyMask[(base + i) * L + i] = any;
        }
        available[base + i] = any;
        if (any === 1) tokenValid[b * L + i] = 1;
      }
    }
  });
}

/** Batch windows for a model config; throws ModelError naming the window and modality on a shape mismatch. */
export function batchWindows(windows: readonly ModelWindow[], config: HiMoEConfig, options: BatchOptions = {}): WindowBatch {
  const B = windows.length;
  if (B === 0) throw new ModelError('empty-batch', 'batchWindows needs at least one window');
  const L = tokensPerWindow(config);
  const M = config.modalities.length;
  const arrays = allocWindowArrays(config, B);
  fillWindowArrays(windows, config, options.normalisation, arrays);
  const { present, times, refTimes, keyMask, available, tokenValid } = arrays;
  const patches = config.modalities.map((spec, m) => tf.tensor3d(arrays.feats[m]!, [B, L, patchFeatureSize(config, spec)]));

  const d = config.dModel;
  const freqs = timeEncodingFrequencies(d);
  const patchEnc = new Float32Array(M * B * L * d);
  for (let r = 0; r < M * B * L; r++) encodeTime(times[r]!, freqs, d, patchEnc, r * d);
  const refEnc = new Float32Array(B * L * d);
  for (let r = 0; r < B * L; r++) encodeTime(refTimes[r]!, freqs, d, refEnc, r * d);

  const batch: WindowBatch = {
    size: B,
    tokens: L,
    patches,
    patchPresent: tf.tensor3d(present, [M, B, L]),
    patchTimesSec: tf.tensor3d(times, [M, B, L]),
    referenceTimesSec: tf.tensor2d(refTimes, [B, L]),
    patchTimeEncoding: tf.tensor3d(patchEnc, [M, B * L, d]),
    referenceTimeEncoding: tf.tensor2d(refEnc, [B * L, d]),
    keyMask: tf.tensor4d(keyMask, [M, B, L, L]),
    available: tf.tensor3d(available, [M, B, L]),
    tokenValid: tf.tensor2d(tokenValid, [B, L]),
  };
  if (options.targets !== undefined) {
    const D = config.outputs.length;
    if (options.targets.length !== B) throw new ModelError('target-shape', `${options.targets.length} target arrays for ${B} windows`);
    const y = new Float32Array(B * L * D);
    const ym = new Float32Array(B * L);
    options.targets.forEach((t, b) => {
      if (t.length !== L * D) throw new ModelError('target-shape', `window ${b}: ${t.length} target values, expected ${L} tokens x ${D} outputs`, { window: b });
      for (let i = 0; i < L; i++) {
        let ok = tokenValid[b * L + i] === 1;
        for (let d = 0; d < D; d++) {
          const v = t[i * D + d]!;
          if (Number.isNaN(v)) ok = false;
          else y[(b * L + i) * D + d] = v;
        }
        ym[b * L + i] = ok ? 1 : 0;
      }
    });
    batch.targets = tf.tensor3d(y, [B, L, D]);
    batch.targetMask = tf.tensor2d(ym, [B, L]);
  }
  return batch;
}
