// The window assembler: cuts one model window (DESIGN §4: x_m, mask a_m, patch times tau_m per
// modality plus the reference token times) out of an aligned session, or straight out of the
// live ring-buffer contents; windowsOver walks a recorded session for offline evaluation.

import { AlignError } from '../errors.js';
import { lowerBoundSec, resampleToGrid } from '../dsp/resample.js';
import { anchorFor, asAlignError, validateInputs } from './aligner.js';
import {
  type AlignConfig,
  type AlignedSession,
  type Modality,
  type ModalityInput,
  type ModelWindow,
  type WindowModality,
  gridOriginAtOrBefore,
  patchGeometry,
  resolveAlignConfig,
} from './types.js';

/** Fields of an aligned session's config a window may change. */
const WINDOW_OVERRIDABLE: ReadonlySet<string> = new Set(['windowSec', 'minPresentFraction']);

/** Tolerance, in patches, for "a patch ends at the window end". */
const PATCH_EPS = 1e-6;

function configForAligned(aligned: AlignedSession, overrides: Partial<AlignConfig> | undefined): AlignConfig {
  if (overrides === undefined) return aligned.config;
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined || WINDOW_OVERRIDABLE.has(key)) continue;
    if (value !== (aligned.config as unknown as Record<string, unknown>)[key]) {
      throw new AlignError(
        'invalid-config',
        `assembleWindow on an aligned session may only change windowSec and minPresentFraction; "${key}" is fixed when the session is aligned (re-run alignSession to change it)`,
        { field: key },
      );
    }
  }
  return resolveAlignConfig({ ...aligned.config, windowSec: overrides.windowSec ?? aligned.config.windowSec, minPresentFraction: overrides.minPresentFraction ?? aligned.config.minPresentFraction });
}

/** Index (relative to the grid's patch 0) of the last patch whose interval ends at or before windowEndSec. */
function lastPatchIndex(originSec: number, rateHz: number, patchSec: number, windowEndSec: number): number {
  const cellStartSec = originSec - 0.5 / rateHz;
  return Math.floor((windowEndSec - cellStartSec) / patchSec + PATCH_EPS) - 1;
}

/** Fill patchTimesSec / patchPresent from the mask; returns the number of present samples. */
/**
 * From a window modality's mask, set each patch's presence (present fraction >= the
 * threshold) and time (mean time of its present samples, or the patch centre when missing);
 * returns the number of present samples. Exported for augmentation, which edits masks.
 */
export function summarisePatches(wm: WindowModality, patches: number, minPresentFraction: number): number {
  const s = wm.samplesPerPatch;
  const period = 1 / wm.rateHz;
  let presentTotal = 0;
  for (let p = 0; p < patches; p++) {
    let count = 0;
    let sumIdx = 0;
    for (let k = p * s; k < (p + 1) * s; k++) {
      if (wm.mask[k] !== 0) {
        count++;
        sumIdx += k;
      }
    }
    presentTotal += count;
    const present = count > 0 && count / s >= minPresentFraction - 1e-12;
    wm.patchPresent[p] = present ? 1 : 0;
    const meanIdx = present ? sumIdx / count : p * s + (s - 1) / 2;
    wm.patchTimesSec[p] = wm.startSec + meanIdx * period;
  }
  return presentTotal;
}

function emptyWindowModality(channelCount: number, rateHz: number, samplesPerPatch: number, startSec: number, patches: number): WindowModality {
  const length = patches * samplesPerPatch;
  return {
    channelCount,
    rateHz,
    samplesPerPatch,
    startSec,
    x: new Float32Array(length * channelCount),
    mask: new Uint8Array(length),
    patchTimesSec: new Float64Array(patches),
    patchPresent: new Uint8Array(patches),
  };
}

/** How assembleWindow builds a window from an aligned session. */
export interface AssembleOptions {
  /**
   * Offline datasets only: a window lying wholly inside the aligned span takes `x` and `mask` as
   * `subarray` views of the aligned session's arrays instead of copies (with 8 s windows at a
   * 2 s hop every sample would otherwise be stored 4 times, 16 times at 0.5 s). Windows that reach
   * past either end are still copied (zero padding); patchTimesSec / patchPresent are always the
   * window's own. A shared window must never be written (copy it first, e.g. copyModality of
   * model/training/augment), since a write changes the session and every overlapping window;
   * and any in-place change of the aligned arrays (per-subject normalisation) must happen before
   * the windows are cut. Every window of a shared session also names the session's arrays as
   * its `recording` (for content shifts). Ignored when the source is raw inputs (the live path
   * always copies).
   */
  shareAligned?: boolean;
}

/**
 * Assemble the model window ending at `windowEndSec` ([windowEndSec - windowSec, windowEndSec)).
 * Each modality contributes the L consecutive patches of its own grid whose last one ends at or
 * before windowEndSec (with the 'stream' anchor a modality's patches may precede the reference
 * tokens by up to one patch). Every configured modality is present; one without data has an
 * all-zero mask and all patches missing.
 *
 * `source` is either an aligned session (the session's config applies; `config` may change only
 * windowSec and minPresentFraction) or the raw inputs (e.g. the last seconds of each ring
 * buffer), which are resampled just for this window from the samples stamped before
 * windowEndSec only: strictly causal, as live inference must be. Windows cut from an aligned
 * session instead carry the anti-aliasing filter's look-ahead (half the kernel, e.g. ~0.14 s
 * at 256 -> 128 Hz, ~0.56 s at 32 -> 32 Hz) into their last samples. For a stable grid phase
 * in live use pass `anchorsSec` (each stream's first timestamp) in `config`. With
 * `options.shareAligned` a window inside an aligned session's span holds views of its arrays.
 */
export function assembleWindow(
  source: AlignedSession | readonly ModalityInput[],
  windowEndSec: number,
  config?: Partial<AlignConfig>,
  options?: AssembleOptions,
): ModelWindow {
  if (!Number.isFinite(windowEndSec)) {
    throw new AlignError('invalid-span', `assembleWindow: windowEndSec must be finite seconds, got ${windowEndSec}`, { windowEndSec });
  }
  const fromInputs = Array.isArray(source);
  const aligned = fromInputs ? undefined : (source as AlignedSession);
  const inputs = fromInputs ? (source as readonly ModalityInput[]) : undefined;
  const cfg = aligned !== undefined ? configForAligned(aligned, config) : resolveAlignConfig(config);
  const byModality = inputs !== undefined ? validateInputs(inputs, cfg, false) : {};
  const geometry = patchGeometry(cfg);
  const patches = geometry.patchesPerWindow;
  const windowStartSec = windowEndSec - cfg.windowSec;

  const referenceTimesSec = new Float64Array(patches);
  for (let j = 0; j < patches; j++) referenceTimesSec[j] = windowStartSec + (j + 0.5) * geometry.patchSec;

  const modalities: Partial<Record<Modality, WindowModality>> = {};
  const availability: Partial<Record<Modality, number>> = {};
  for (const m of cfg.modalities) {
    const rateHz = cfg.modelRatesHz[m];
    const s = geometry.samplesPerPatch(m);
    const length = patches * s;
    let wm: WindowModality;
    if (aligned !== undefined) {
      const am = aligned.modalities[m];
      if (am === undefined) {
        throw new AlignError('unknown-modality', `assembleWindow: the aligned session has no ${m}; align it with ${m} among the configured modalities`, { modality: m });
      }
      const firstPatch = lastPatchIndex(am.startSec, rateHz, geometry.patchSec, windowEndSec) - patches + 1;
      const s0 = firstPatch * s;
      const c = am.channelCount;
      const startSec = am.startSec + s0 / rateHz;
      if (options?.shareAligned === true && s0 >= 0 && s0 + length <= am.length) {
        // Wholly inside the aligned span: views of the session's arrays, no copy (read-only by contract).
        wm = {
          channelCount: c,
          rateHz,
          samplesPerPatch: s,
          startSec,
          x: am.x.subarray(s0 * c, (s0 + length) * c),
          mask: am.mask.subarray(s0, s0 + length),
          patchTimesSec: new Float64Array(patches),
          patchPresent: new Uint8Array(patches),
          recording: { x: am.x, mask: am.mask, offset: s0 },
        };
      } else {
        // Copied, zero-padded (mask 0) where the window reaches past either end of the span.
        wm = emptyWindowModality(c, rateHz, s, startSec, patches);
        const kLo = Math.max(0, -s0);
        const kHi = Math.min(length, am.length - s0);
        if (kHi > kLo) {
          wm.x.set(am.x.subarray((s0 + kLo) * c, (s0 + kHi) * c), kLo * c);
          wm.mask.set(am.mask.subarray(s0 + kLo, s0 + kHi), kLo);
        }
        if (options?.shareAligned === true) wm.recording = { x: am.x, mask: am.mask, offset: s0 };
      }
    } else {
      const input = byModality[m];
      const channelCount = input?.channelCount ?? cfg.channelCounts[m] ?? 0;
      const anchorSec = anchorFor(m, input, cfg, cfg.sessionStartSec);
      const originSec = gridOriginAtOrBefore(anchorSec, windowStartSec, geometry.patchSec);
      const firstPatch = lastPatchIndex(originSec, rateHz, geometry.patchSec, windowEndSec) - patches + 1;
      wm = emptyWindowModality(channelCount, rateHz, s, originSec + (firstPatch * s) / rateHz, patches);
      // Causal: only samples stamped before the window end, whatever the buffer holds.
      const used = input === undefined ? 0 : lowerBoundSec(input.timestamps, windowEndSec);
      if (input !== undefined && used > 0) {
        const causal = { ...input, timestamps: input.timestamps.subarray(0, used), values: input.values.subarray(0, used * input.channelCount) };
        try {
          resampleToGrid(
            causal,
            { startSec: wm.startSec, rateHz, length },
            { ...cfg.filter, maxGapPeriods: cfg.maxGapPeriods, out: { values: wm.x, mask: wm.mask } },
          );
        } catch (error) {
          const index = inputs!.indexOf(input);
          throw asAlignError(error, `input ${index} (${m}${input.streamId !== undefined ? `, "${input.streamId}"` : ''})`, index);
        }
      }
    }
    const presentSamples = summarisePatches(wm, patches, cfg.minPresentFraction);
    modalities[m] = wm;
    availability[m] = length > 0 ? presentSamples / length : 0;
  }
  return { startSec: windowStartSec, endSec: windowEndSec, referenceTimesSec, modalities, availability };
}

export interface WindowsOverOptions {
  /** Step between consecutive window ends, seconds. */
  hopSec: number;
  /** End of the first window; default aligned.startSec + windowSec (the first full window). */
  firstEndSec?: number;
  /** No window ends after this; default aligned.endSec. */
  lastEndSec?: number;
  windowSec?: number;
  minPresentFraction?: number;
  /** Windows inside the span share the aligned arrays (see AssembleOptions.shareAligned: never write them). */
  shareAligned?: boolean;
}

/** Number of windows windowsOver yields for these options. */
export function countWindows(aligned: AlignedSession, options: WindowsOverOptions): number {
  const { firstEndSec, lastEndSec, hopSec } = windowSpan(aligned, options);
  return lastEndSec < firstEndSec ? 0 : Math.floor((lastEndSec - firstEndSec) / hopSec + 1e-9) + 1;
}

function windowSpan(aligned: AlignedSession, options: WindowsOverOptions): { firstEndSec: number; lastEndSec: number; hopSec: number } {
  const hopSec = options.hopSec;
  if (!(hopSec > 0) || !Number.isFinite(hopSec)) {
    throw new AlignError('invalid-config', `windowsOver: hopSec must be a positive number of seconds, got ${hopSec}`, { field: 'hopSec', value: hopSec });
  }
  const windowSec = options.windowSec ?? aligned.config.windowSec;
  return { hopSec, firstEndSec: options.firstEndSec ?? aligned.startSec + windowSec, lastEndSec: options.lastEndSec ?? aligned.endSec };
}

/** Windows over an aligned session, ends at firstEndSec + k * hopSec up to lastEndSec, for offline evaluation. */
export function* windowsOver(aligned: AlignedSession, options: WindowsOverOptions): Generator<ModelWindow, void, undefined> {
  const { firstEndSec, hopSec } = windowSpan(aligned, options);
  const count = countWindows(aligned, options);
  const overrides: Partial<AlignConfig> = {};
  if (options.windowSec !== undefined) overrides.windowSec = options.windowSec;
  if (options.minPresentFraction !== undefined) overrides.minPresentFraction = options.minPresentFraction;
  const assemble: AssembleOptions = { shareAligned: options.shareAligned === true };
  for (let k = 0; k < count; k++) yield assembleWindow(aligned, firstEndSec + k * hopSec, overrides, assemble);
}
