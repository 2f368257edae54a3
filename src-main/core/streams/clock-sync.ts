// Clock synchronisation: maps a source's timestamps onto the session clock from LSL-style
// clock-offset measurements (sessionTime = sourceTime + offsetSec). ClockSync runs live in the
// engine, one per source; synchronizeClocksOffline is pyxdf's algorithm for files (XDF reader).

import { StreamError } from '../errors.js';
import {
  assertFinite,
  checkFitOptions,
  makeFitScratch,
  median,
  robustLinearFitCentred,
  toLinearFit,
  type CentredFit,
  type FitScratch,
  type LinearFit,
} from './robust-fit.js';

export { robustLinearFit, type LinearFit, type RobustFitOptions } from './robust-fit.js';

export interface ClockSyncOptions {
  /** Measurements kept for the drift fit (default 60: five minutes at one every 5 s). */
  windowSize?: number;
  /** A measurement whose offset is further than this from the current fit is a clock-reset
   *  candidate (default 0.1 s; never below resetThresholdScales × the fit's robust residual scale). */
  resetThresholdSec?: number;
  /** Multiple of the robust residual scale (1.4826 × MAD) a reset must also exceed (default 10). */
  resetThresholdScales?: number;
  /** Consecutive, mutually consistent far-off measurements needed to declare a reset (default 2).
   *  One spike is an outlier, not a reset. */
  resetConfirmations?: number;
  /** Huber threshold of the drift fit in seconds (default: adaptive, see robustLinearFit). */
  huberThreshold?: number;
  /** Below this many measurements the offset is a constant (their median) and no drift is fitted:
   *  a slope from a handful of points, one of them a delayed round trip, extrapolates badly
   *  (default 6, i.e. 25 s at one measurement every 5 s; at least 2). */
  minDriftMeasurements?: number;
}

/**
 * Online clock synchronisation for one source.
 *
 * Each measurement (collectionTimeSec on the session clock, offsetSec) is stored against the
 * source-clock time it was taken at, `collectionTimeSec - offsetSec`, and the offset is fitted as
 * a robust straight line of source time over the last `windowSize` measurements. Fitting against
 * source time makes `toSessionTime(src) = src + offset(src)` exact whatever the size of the offset
 * (a fit against session time would be wrong by drift × offset, seconds for LSL clocks).
 * No measurement: identity. Fewer than `minDriftMeasurements`: a constant offset (their median).
 * A clock reset (offsets that jump far beyond
 * the fit's residual scale for `resetConfirmations` measurements in a row, consistently) restarts
 * the fit from the new measurements; a lone far-off measurement is dropped as an outlier.
 */
export class ClockSync {
  private readonly capacity: number;
  private readonly resetThresholdSec: number;
  private readonly resetThresholdScales: number;
  private readonly resetConfirmations: number;
  private readonly minDriftMeasurements: number;
  private readonly fitOptions: { huberThreshold?: number };
  // Circular window of (source time, offset).
  private readonly srcTimes: Float64Array;
  private readonly offsets: Float64Array;
  private head = 0;
  private count = 0;
  // Contiguous copies for the fitter, and its scratch.
  private readonly fitX: Float64Array;
  private readonly fitY: Float64Array;
  private readonly scratch: FitScratch;
  // Reset candidates, in arrival order.
  private readonly pendingSrc: Float64Array;
  private readonly pendingOffset: Float64Array;
  private pendingCount = 0;
  // Current mapping: offset(src) = offsetAtCentre + slope * (src - centre).
  private centreSec = 0;
  private offsetAtCentreSec = 0;
  private slopeValue = 0;
  private scaleSec = 0;
  private currentFit: LinearFit | null = null;
  private resets = 0;

  constructor(opts: ClockSyncOptions = {}) {
    const windowSize = opts.windowSize ?? 60;
    if (!Number.isInteger(windowSize) || windowSize < 2) {
      throw badOption('ClockSync', 'windowSize', windowSize, 'an integer >= 2');
    }
    this.resetThresholdSec = positiveOption('ClockSync', 'resetThresholdSec', opts.resetThresholdSec, 0.1);
    this.resetThresholdScales = positiveOption('ClockSync', 'resetThresholdScales', opts.resetThresholdScales, 10);
    const confirmations = opts.resetConfirmations ?? 2;
    if (!Number.isInteger(confirmations) || confirmations < 1 || confirmations > windowSize) {
      throw badOption('ClockSync', 'resetConfirmations', confirmations, `an integer from 1 to windowSize (${windowSize})`);
    }
    this.resetConfirmations = confirmations;
    const minDrift = opts.minDriftMeasurements ?? 6;
    if (!Number.isInteger(minDrift) || minDrift < 2) {
      throw badOption('ClockSync', 'minDriftMeasurements', minDrift, 'an integer >= 2');
    }
    this.minDriftMeasurements = minDrift;
    this.fitOptions = opts.huberThreshold === undefined ? {} : { huberThreshold: opts.huberThreshold };
    checkFitOptions(this.fitOptions, 'ClockSync');
    this.capacity = windowSize;
    this.srcTimes = new Float64Array(windowSize);
    this.offsets = new Float64Array(windowSize);
    this.fitX = new Float64Array(windowSize);
    this.fitY = new Float64Array(windowSize);
    this.scratch = makeFitScratch(windowSize);
    this.pendingSrc = new Float64Array(confirmations);
    this.pendingOffset = new Float64Array(confirmations);
  }

  /** Measurements currently in the fit window. */
  get measurementCount(): number {
    return this.count;
  }

  /** The current fit of offsetSec ≈ interceptSec + slope × sourceTimeSec; null before any measurement. */
  get fit(): LinearFit | null {
    return this.currentFit;
  }

  /** How many clock resets were detected (each restarted the fit). */
  get resetCount(): number {
    return this.resets;
  }

  /** Add one measurement: at `collectionTimeSec` (session clock), sessionTime = sourceTime + offsetSec. */
  addMeasurement(collectionTimeSec: number, offsetSec: number): void {
    if (!Number.isFinite(collectionTimeSec) || !Number.isFinite(offsetSec)) {
      throw new StreamError(
        'NON_FINITE',
        `ClockSync.addMeasurement: collectionTimeSec=${collectionTimeSec}, offsetSec=${offsetSec}; expected finite numbers`,
        { collectionTimeSec, offsetSec },
      );
    }
    const src = collectionTimeSec - offsetSec;
    if (this.count === 0) {
      this.push(src, offsetSec);
      this.refit();
      return;
    }
    const residual = offsetSec - this.offsetAt(src);
    const threshold = Math.max(this.resetThresholdSec, this.resetThresholdScales * this.scaleSec);
    if (Math.abs(residual) <= threshold) {
      this.pendingCount = 0;
      this.push(src, offsetSec);
      this.refit();
      return;
    }
    // Far off the current fit: an outlier or the start of a reset.
    if (this.pendingCount > 0 && Math.abs(offsetSec - this.pendingOffset[this.pendingCount - 1]) > threshold) {
      // Not consistent with the previous candidate: keep only the newest.
      this.pendingCount = 0;
    }
    this.pendingSrc[this.pendingCount] = src;
    this.pendingOffset[this.pendingCount] = offsetSec;
    this.pendingCount++;
    if (this.pendingCount >= this.resetConfirmations) {
      this.resets++;
      this.head = 0;
      this.count = 0;
      for (let i = 0; i < this.pendingCount; i++) this.push(this.pendingSrc[i], this.pendingOffset[i]);
      this.pendingCount = 0;
      this.refit();
    }
  }

  /** Session time of a source-clock time (identity before the first measurement). */
  toSessionTime(sourceTimeSec: number): number {
    return sourceTimeSec + this.offsetAt(sourceTimeSec);
  }

  /** Map source-clock timestamps to session time, in place. No allocation. */
  mapInPlace(timestamps: Float64Array): void {
    if (this.count === 0) return;
    const c = this.centreSec;
    const o = this.offsetAtCentreSec;
    const b = this.slopeValue;
    for (let i = 0; i < timestamps.length; i++) {
      const t = timestamps[i];
      timestamps[i] = t + o + b * (t - c);
    }
  }

  private offsetAt(sourceTimeSec: number): number {
    if (this.count === 0) return 0;
    return this.offsetAtCentreSec + this.slopeValue * (sourceTimeSec - this.centreSec);
  }

  private push(src: number, offset: number): void {
    const slot = (this.head + this.count) % this.capacity;
    this.srcTimes[slot] = src;
    this.offsets[slot] = offset;
    if (this.count < this.capacity) this.count++;
    else this.head = (this.head + 1) % this.capacity;
  }

  private refit(): void {
    const n = this.count;
    for (let i = 0; i < n; i++) {
      const slot = (this.head + i) % this.capacity;
      this.fitX[i] = this.srcTimes[slot];
      this.fitY[i] = this.offsets[slot];
    }
    const fit: CentredFit =
      n >= this.minDriftMeasurements
        ? robustLinearFitCentred(this.fitX, this.fitY, n, this.fitOptions, this.scratch)
        : this.constantFit(n);
    this.centreSec = fit.xCentre;
    this.offsetAtCentreSec = fit.yAtCentre;
    this.slopeValue = fit.slope;
    // With two points there is no usable scale information yet.
    this.scaleSec = n >= 3 ? fit.robustScaleSec : 0;
    this.currentFit = toLinearFit(fit);
  }

  /** Median offset of the first n measurements in fitX/fitY, slope 0. */
  private constantFit(n: number): CentredFit {
    const { residuals, sorted } = this.scratch;
    const level = median(this.fitY, n, sorted);
    let xSum = 0;
    let ss = 0;
    for (let i = 0; i < n; i++) {
      xSum += this.fitX[i];
      residuals[i] = this.fitY[i] - level;
      ss += residuals[i] * residuals[i];
    }
    for (let i = 0; i < n; i++) residuals[i] = Math.abs(residuals[i]);
    return {
      xCentre: xSum / n,
      yAtCentre: level,
      slope: 0,
      residualRmsSec: Math.sqrt(ss / n),
      robustScaleSec: 1.4826 * median(residuals, n, sorted),
    };
  }
}

export interface OfflineClockSyncOptions {
  /** Detect clock resets and fit each range between resets separately (default true). */
  handleClockResets?: boolean;
  /** Huber threshold of the offset fit, seconds (pyxdf's winsor_threshold, default 0.0001). */
  winsorThreshold?: number;
  /** A reset needs a gap between offset measurements this many MADs from the median (default 5) ... */
  resetThresholdStds?: number;
  /** ... and at least this many seconds from the median gap (default 5) ... */
  resetThresholdSeconds?: number;
  /** ... and a jump in offset value this many MADs from the median change (default 10) ... */
  resetThresholdOffsetStds?: number;
  /** ... and at least this many seconds from the median change (default 1). Measurement times
   *  going backwards are a reset on their own. */
  resetThresholdOffsetSeconds?: number;
}

/**
 * Index ranges (inclusive) of the offset series between clock resets, as pyxdf 1.17 finds them:
 * a reset follows measurement i when offsetTimes decrease there, or when both the gap in
 * measurement times and the change in offset value are outliers (beyond the MAD and the
 * seconds thresholds). With fewer than two measurements: one range.
 */
export function detectClockResetRanges(
  offsetTimes: Float64Array,
  offsetValues: Float64Array,
  opts: OfflineClockSyncOptions = {},
): Array<[number, number]> {
  checkOffsetSeries(offsetTimes, offsetValues, 'detectClockResetRanges');
  const o = offlineOptions(opts, 'detectClockResetRanges');
  const n = offsetTimes.length;
  if (n === 0) return [];
  if (n === 1) return [[0, 0]];
  const m = n - 1;
  const timeDiff = new Float64Array(m);
  const valueDiff = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    timeDiff[i] = offsetTimes[i + 1] - offsetTimes[i];
    valueDiff[i] = offsetValues[i + 1] - offsetValues[i];
  }
  const timeGlitch = diffOutliers(timeDiff, o.resetThresholdStds, o.resetThresholdSeconds);
  const valueGlitch = diffOutliers(valueDiff, o.resetThresholdOffsetStds, o.resetThresholdOffsetSeconds);
  const ranges: Array<[number, number]> = [];
  let start = 0;
  for (let i = 0; i < m; i++) {
    if (timeDiff[i] < 0 || (timeGlitch[i] === 1 && valueGlitch[i] === 1)) {
      ranges.push([start, i]);
      start = i + 1;
    }
  }
  ranges.push([start, m]);
  return ranges;
}

/**
 * pyxdf's clock synchronisation of one stream: returns new timestamps = timestamps + fitted
 * offset (input untouched). `offsetTimes` are the XDF ClockOffset CollectionTimes, which are on the
 * SOURCE clock (LabRecorder writes local_clock() - offset); `offsetValues` are the offsets
 * (sessionTime = sourceTime + offset). Each range between clock resets gets its own Huber fit
 * (threshold winsorThreshold) of offset vs time; a range of one measurement is a constant. With
 * several ranges, timestamps are assigned in order: a range keeps the following samples while they
 * are closer to its last measurement time than to the next range's first one (as pyxdf).
 * No measurements: the timestamps are returned unchanged (copied).
 */
export function synchronizeClocksOffline(
  timestamps: Float64Array,
  offsetTimes: Float64Array,
  offsetValues: Float64Array,
  opts: OfflineClockSyncOptions = {},
): Float64Array {
  checkOffsetSeries(offsetTimes, offsetValues, 'synchronizeClocksOffline');
  assertFinite(timestamps, 'timestamps', 'synchronizeClocksOffline');
  const o = offlineOptions(opts, 'synchronizeClocksOffline');
  const out = Float64Array.from(timestamps);
  const nOff = offsetTimes.length;
  const nTs = out.length;
  if (nOff === 0 || nTs === 0) return out;

  const ranges: Array<[number, number]> =
    o.handleClockResets && nOff > 1 ? detectClockResetRanges(offsetTimes, offsetValues, opts) : [[0, nOff - 1]];
  const scratch = makeFitScratch(nOff);
  const fits: CentredFit[] = ranges.map(([s, e]) => {
    if (s === e) {
      return { xCentre: 0, yAtCentre: offsetValues[s], slope: 0, residualRmsSec: 0, robustScaleSec: 0 };
    }
    return robustLinearFitCentred(
      offsetTimes.subarray(s, e + 1),
      offsetValues.subarray(s, e + 1),
      e - s + 1,
      { huberThreshold: o.winsorThreshold },
      scratch,
    );
  });

  if (ranges.length === 1) {
    applyFit(out, 0, nTs, fits[0]);
    return out;
  }
  let tsStart = 0;
  for (let r = 0; r < ranges.length; r++) {
    const end = ranges[r][1];
    let tsStop = nTs;
    if (end + 1 < nOff) {
      const currentEndT = offsetTimes[end];
      const nextStartT = offsetTimes[end + 1];
      tsStop = tsStart;
      while (tsStop < nTs && Math.abs(timestamps[tsStop] - currentEndT) < Math.abs(timestamps[tsStop] - nextStartT)) {
        tsStop++;
      }
    }
    if (tsStop > tsStart) {
      applyFit(out, tsStart, tsStop, fits[r]);
      tsStart = tsStop;
    }
  }
  return out;
}

function applyFit(ts: Float64Array, from: number, to: number, fit: CentredFit): void {
  const c = fit.xCentre;
  const o = fit.yAtCentre;
  const b = fit.slope;
  for (let i = from; i < to; i++) ts[i] += o + b * (ts[i] - c);
}

/** 1 where |d - median| is both > stds × MAD and > seconds (pyxdf's reset criterion per series). */
function diffOutliers(diff: Float64Array, stds: number, seconds: number): Uint8Array {
  const m = diff.length;
  const sorted = new Float64Array(m);
  const med = median(diff, m, sorted);
  const absShift = new Float64Array(m);
  for (let i = 0; i < m; i++) absShift[i] = Math.abs(diff[i] - med);
  const mad = median(absShift, m, sorted) + Number.EPSILON;
  const out = new Uint8Array(m);
  for (let i = 0; i < m; i++) out[i] = absShift[i] / mad > stds && absShift[i] > seconds ? 1 : 0;
  return out;
}

interface ResolvedOfflineOptions {
  handleClockResets: boolean;
  winsorThreshold: number;
  resetThresholdStds: number;
  resetThresholdSeconds: number;
  resetThresholdOffsetStds: number;
  resetThresholdOffsetSeconds: number;
}

function offlineOptions(opts: OfflineClockSyncOptions, where: string): ResolvedOfflineOptions {
  return {
    handleClockResets: opts.handleClockResets ?? true,
    winsorThreshold: positiveOption(where, 'winsorThreshold', opts.winsorThreshold, 0.0001),
    resetThresholdStds: nonNegativeOption(where, 'resetThresholdStds', opts.resetThresholdStds, 5),
    resetThresholdSeconds: nonNegativeOption(where, 'resetThresholdSeconds', opts.resetThresholdSeconds, 5),
    resetThresholdOffsetStds: nonNegativeOption(where, 'resetThresholdOffsetStds', opts.resetThresholdOffsetStds, 10),
    resetThresholdOffsetSeconds: nonNegativeOption(where, 'resetThresholdOffsetSeconds', opts.resetThresholdOffsetSeconds, 1),
  };
}

function checkOffsetSeries(offsetTimes: Float64Array, offsetValues: Float64Array, where: string): void {
  if (offsetTimes.length !== offsetValues.length) {
    throw new StreamError(
      'LENGTH_MISMATCH',
      `${where}: offsetTimes has ${offsetTimes.length} values but offsetValues has ${offsetValues.length}`,
      { offsetTimesLength: offsetTimes.length, offsetValuesLength: offsetValues.length },
    );
  }
  assertFinite(offsetTimes, 'offsetTimes', where);
  assertFinite(offsetValues, 'offsetValues', where);
}

function badOption(where: string, option: string, value: unknown, expected: string): StreamError {
  return new StreamError('BAD_OPTION', `${where}: ${option} must be ${expected}, got ${String(value)}`, { option, value });
}

function positiveOption(where: string, option: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(Number.isFinite(value) && value > 0)) throw badOption(where, option, value, 'a positive finite number');
  return value;
}

function nonNegativeOption(where: string, option: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(Number.isFinite(value) && value >= 0)) throw badOption(where, option, value, 'a finite number >= 0');
  return value;
}
