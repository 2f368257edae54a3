// Types and configuration of the aligner: which modalities the model sees, at what rates,
// and the shapes of an aligned session and of one model window (DESIGN §2 step 4, §4).

import { AlignError } from '../errors.js';
import type { ResampleFilterOptions } from '../dsp/resample.js';

export type Modality = 'EEG' | 'ECG' | 'EDA' | 'PPG' | 'RESP';

/** The model's modality set, in its fixed order. */
export const MODALITIES: readonly Modality[] = ['EEG', 'ECG', 'EDA', 'PPG', 'RESP'];

export function isModality(value: string): value is Modality {
  return (MODALITIES as readonly string[]).includes(value);
}

/** Rates the model consumes each modality at (DESIGN §4). */
export const DEFAULT_MODEL_RATES_HZ: Readonly<Record<Modality, number>> = Object.freeze({
  EEG: 128,
  ECG: 128,
  EDA: 32,
  PPG: 64,
  RESP: 32,
});

/** One device stream of a modality, timestamps already on the session clock (synchronised,
 *  dejittered) but irregular: drift, jitter, gaps, late start, early stop. */
export interface ModalityInput {
  modality: Modality;
  channelCount: number;
  /** Declared device rate; 0 means "estimate from the timestamps". */
  nominalRateHz: number;
  /** n session-clock seconds, non-decreasing. */
  timestamps: Float64Array;
  /** n x channelCount, row-major. */
  values: Float32Array;
  /** Named in error messages, e.g. "synthetic:eeg". */
  streamId?: string;
}

/**
 * Where a modality's model-rate grid (and so its patch boundaries) is anchored. Grid samples
 * sit at the centres of their 1/rateHz cells, so a patch of samplesPerPatch samples covers a
 * cell interval of 1/tokenRateHz seconds and a fully present patch's time is that interval's
 * centre.
 * - 'stream': the grid passes through the stream's own first sample (or `anchorsSec[m]`) with
 *   a patch starting there, so a device whose timestamps are 40 ms late gets patch times 40 ms
 *   late: the model sees the asynchrony in tau (DESIGN §4).
 * - 'session': patch intervals coincide with the token intervals counted from the session
 *   start (alignSession) or `sessionStartSec` (assembleWindow from inputs): every modality
 *   shares the reference token grid, and a shift of the device moves the signal inside the
 *   patches instead.
 */
export type GridAnchor = 'stream' | 'session';

export interface AlignConfig {
  /** Model window length, seconds. */
  windowSec: number;
  /** Token rate, Hz; a patch lasts 1 / tokenRateHz seconds. */
  tokenRateHz: number;
  /** Model rate per modality; each must be a whole multiple of tokenRateHz. */
  modelRatesHz: Readonly<Record<Modality, number>>;
  /** A patch with a smaller fraction of its samples present is missing. */
  minPresentFraction: number;
  /** Modalities returned in every aligned session and window (present with an all-zero mask
   *  when no stream feeds them). */
  modalities: readonly Modality[];
  /** The model's fixed channel count per modality: an input with another count is an error,
   *  and an absent modality gets this many (zero, masked) channels. Without an entry the
   *  input's own count is used, and an absent modality has 0 channels. */
  channelCounts: Readonly<Partial<Record<Modality, number>>>;
  gridAnchor: GridAnchor;
  /** Fixed grid anchors per modality: a session time the grid passes through at the first
   *  sample of a patch; overrides the gridAnchor rule. Pass each stream's first-ever timestamp
   *  here in live use so the phase does not move as the ring buffer slides. */
  anchorsSec: Readonly<Partial<Record<Modality, number>>>;
  /** Session origin used by the 'session' anchor when assembling windows straight from inputs. */
  sessionStartSec: number;
  /** A timestamp step larger than this many nominal periods is a gap. */
  maxGapPeriods: number;
  /** Anti-aliasing filter shape (see core/dsp/resample). */
  filter: Readonly<ResampleFilterOptions>;
}

export const DEFAULT_ALIGN_CONFIG: Readonly<AlignConfig> = Object.freeze({
  windowSec: 8,
  tokenRateHz: 4,
  modelRatesHz: DEFAULT_MODEL_RATES_HZ,
  minPresentFraction: 0.5,
  modalities: MODALITIES,
  channelCounts: Object.freeze({}),
  gridAnchor: 'stream',
  anchorsSec: Object.freeze({}),
  sessionStartSec: 0,
  maxGapPeriods: 1.5,
  filter: Object.freeze({}),
});

/** A modality mapped onto its model-rate grid: sample k sits at startSec + k / rateHz, and
 *  patch p is samples [p * samplesPerPatch, (p + 1) * samplesPerPatch), covering the interval
 *  [startSec - 0.5 / rateHz + p / tokenRateHz, ... + 1 / tokenRateHz). */
export interface AlignedModality {
  modality: Modality;
  channelCount: number;
  rateHz: number;
  /** Session time of sample 0 (the first sample of a patch). */
  startSec: number;
  /** Number of samples T (a whole number of patches). */
  length: number;
  samplesPerPatch: number;
  /** T x channelCount, row-major; exactly 0 where mask is 0. */
  x: Float32Array;
  /** T; 1 where a device sample run covers the grid time. */
  mask: Uint8Array;
  /** Whether any stream fed this modality. */
  hasStream: boolean;
}

export interface AlignedSession {
  startSec: number;
  endSec: number;
  config: Readonly<AlignConfig>;
  /** One entry per configured modality. Each grid's patch intervals cover [startSec, endSec],
   *  starting less than one patch before startSec and ending less than one patch after endSec. */
  modalities: Partial<Record<Modality, AlignedModality>>;
}

/** One modality of a model window: L patches of samplesPerPatch samples each. */
export interface WindowModality {
  channelCount: number;
  rateHz: number;
  samplesPerPatch: number;
  /** Session time of row 0 of x. */
  startSec: number;
  /** T x channelCount, T = L x samplesPerPatch; exactly 0 where mask is 0. May be a view of an
   *  aligned session's array shared with overlapping windows (windowsOver with shareAligned):
   *  never write it in place; copy first (copyModality of model/training/augment). */
  x: Float32Array;
  /** T availability mask; shared like x (never write it in place). */
  mask: Uint8Array;
  /** L patch times, seconds: the mean session time of the samples present in the patch when
   *  the patch is present; the patch's nominal centre (the mean time of all its samples, the
   *  centre of its interval) when it is missing. */
  patchTimesSec: Float64Array;
  /** L; 1 iff the present fraction of the patch >= minPresentFraction. */
  patchPresent: Uint8Array;
  /**
   * The aligned recording this window was cut from (windowsOver with shareAligned) and the index
   * in it of the window's row 0 (negative when the window starts before the recording). A time
   * shift of the content (an uncorrected device latency, model/training/augment shiftContent)
   * takes the samples it moves in from here: the device's late content lies in the recording
   * just outside the window, it is not missing. Never written; not present on live windows.
   */
  recording?: WindowRecording;
}

export interface WindowRecording {
  /** The aligned session's n x channelCount values (the same array windows share views of). */
  x: Float32Array;
  /** Its n availability mask. */
  mask: Uint8Array;
  /** Index of the window's row 0 in the recording. */
  offset: number;
}

export interface ModelWindow {
  startSec: number;
  endSec: number;
  /** L reference token centre times: startSec + (j + 0.5) / tokenRateHz. */
  referenceTimesSec: Float64Array;
  /** Every configured modality, absent ones with an all-zero mask. */
  modalities: Partial<Record<Modality, WindowModality>>;
  /** Fraction of model-rate samples present in the window, per modality (0 when absent). */
  availability: Partial<Record<Modality, number>>;
}

const EPS = 1e-9;

function isWholeMultiple(value: number, unit: number): boolean {
  const q = value / unit;
  return Math.abs(q - Math.round(q)) < 1e-9 * Math.max(1, Math.abs(q)) && Math.round(q) >= 1;
}

/** Merge a partial config over the defaults and check it; throws AlignError 'invalid-config'. */
export function resolveAlignConfig(partial: Partial<AlignConfig> = {}): AlignConfig {
  const config: AlignConfig = {
    ...DEFAULT_ALIGN_CONFIG,
    ...partial,
    modelRatesHz: { ...DEFAULT_MODEL_RATES_HZ, ...partial.modelRatesHz },
  };
  const bad = (field: string, message: string, value: unknown): never => {
    throw new AlignError('invalid-config', `align config ${field}: ${message} (got ${String(value)})`, { field, value });
  };
  if (!(config.tokenRateHz > 0) || !Number.isFinite(config.tokenRateHz)) bad('tokenRateHz', 'must be a positive number', config.tokenRateHz);
  if (!(config.windowSec > 0) || !isWholeMultiple(config.windowSec * config.tokenRateHz, 1)) {
    bad('windowSec', `must hold a whole number of patches of ${1 / config.tokenRateHz} s`, config.windowSec);
  }
  if (!(config.minPresentFraction > 0 && config.minPresentFraction <= 1)) bad('minPresentFraction', 'must be in (0, 1]', config.minPresentFraction);
  if (!(config.maxGapPeriods > 1)) bad('maxGapPeriods', 'must be > 1', config.maxGapPeriods);
  if (!Number.isFinite(config.sessionStartSec)) bad('sessionStartSec', 'must be finite', config.sessionStartSec);
  if (config.gridAnchor !== 'stream' && config.gridAnchor !== 'session') bad('gridAnchor', "must be 'stream' or 'session'", config.gridAnchor);
  if (config.modalities.length === 0) bad('modalities', 'must name at least one modality', '[]');
  const seen = new Set<string>();
  for (const m of config.modalities) {
    if (!isModality(m)) bad('modalities', `unknown modality "${m}", expected one of ${MODALITIES.join(', ')}`, m);
    if (seen.has(m)) bad('modalities', `"${m}" is listed twice`, m);
    seen.add(m);
    const rate = config.modelRatesHz[m];
    if (!(rate > 0) || !isWholeMultiple(rate, config.tokenRateHz)) {
      bad(`modelRatesHz.${m}`, `must be a positive whole multiple of tokenRateHz ${config.tokenRateHz}`, rate);
    }
    const channels = config.channelCounts[m];
    if (channels !== undefined && (!Number.isInteger(channels) || channels < 1)) bad(`channelCounts.${m}`, 'must be a positive integer', channels);
    const anchor = config.anchorsSec[m];
    if (anchor !== undefined && !Number.isFinite(anchor)) bad(`anchorsSec.${m}`, 'must be finite seconds', anchor);
  }
  for (const key of Object.keys(config.channelCounts)) {
    if (!isModality(key)) bad('channelCounts', `unknown modality "${key}"`, key);
  }
  return config;
}

/** Patch length and counts derived from a resolved config. */
export interface PatchGeometry {
  patchSec: number;
  patchesPerWindow: number;
  samplesPerPatch(m: Modality): number;
}

export function patchGeometry(config: AlignConfig): PatchGeometry {
  return {
    patchSec: 1 / config.tokenRateHz,
    patchesPerWindow: Math.round(config.windowSec * config.tokenRateHz),
    samplesPerPatch: (m) => Math.round(config.modelRatesHz[m] / config.tokenRateHz),
  };
}

/** The latest time anchorSec + k * patchSec (k integer) that is not after `notAfterSec`. */
export function gridOriginAtOrBefore(anchorSec: number, notAfterSec: number, patchSec: number): number {
  return anchorSec - Math.ceil((anchorSec - notAfterSec) / patchSec - EPS) * patchSec;
}
