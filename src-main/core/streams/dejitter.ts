// Dejittering: replaces jittery per-sample timestamps by a straight line of time on sample index.
// OnlineDejitter runs live in the engine, one per regular stream; dejitterOffline is pyxdf's
// segment-wise least squares for files (XDF reader).

import { StreamError } from '../errors.js';
import { assertFinite } from './robust-fit.js';

export interface OnlineDejitterOptions {
  /** Forgetting factor per sample, 0 < λ ≤ 1. Default 2^(-1 / (90 s × rate)): a 90 s half-life,
   *  LSL's default smoothing half-time. 1 keeps every sample of the segment with equal weight. */
  forgetting?: number;
  /** A sample whose time is further than this from the line's prediction for its index (either
   *  way: a jump forward, or time going backwards) starts a new segment (default 1 s). */
  breakThresholdSec?: number;
  /** A counter jump between chunks of more than this many samples, or any counter going
   *  backwards, starts a new segment (default 500). Smaller losses stay in the segment: the fit
   *  is on the sample counter, so lost samples do not bend it. */
  breakThresholdSamples?: number;
}

/** Prior on the slope (the nominal period): as strong as this many seconds of data, so the first
 *  samples of a segment follow the nominal rate instead of the jitter. Decays with the forgetting. */
const PRIOR_SECONDS = 2;
/** Re-reference the running sums when their weighted mean index drifts this far from the
 *  reference, so sums stay centred and the normal equations stay well conditioned for days. */
const RECENTRE_SAMPLES = 1024;

/**
 * Online dejittering by recursive least squares of time on sample index with exponential
 * forgetting, one per stream. The recursion keeps the exponentially weighted normal equations
 * (information form of RLS) in sums relative to the segment's reference index and time, re-centred
 * as the segment grows, which is exact EWLS and numerically stable where the covariance-form
 * update drifts. Each output is the fitted line at the sample, including that sample; within a
 * segment the output is strictly increasing. A break (see options) restarts the fit: the first
 * sample of a segment keeps its own timestamp. No allocation per sample; `out` may alias
 * `timestamps` (in-place) and may be reused between calls.
 */
export class OnlineDejitter {
  private readonly periodSec: number;
  private readonly lambda: number;
  private readonly breakSec: number;
  private readonly breakSamples: number;
  private readonly priorStrength: number;
  private readonly minStepSec: number;
  private inSegment = false;
  private segments = 0;
  private nextIndex = 0;
  // Segment references: u = index - indexRef, y = time - timeRef.
  private indexRef = 0;
  private timeRef = 0;
  // Exponentially weighted sums of 1, u, u², y, u·y, and the decaying prior weight on the slope.
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private sy = 0;
  private suy = 0;
  private prior = 0;
  // Current line y = w0 + w1 u.
  private w0 = 0;
  private w1 = 0;
  private lastOut = -Infinity;

  constructor(
    readonly nominalRateHz: number,
    opts: OnlineDejitterOptions = {},
  ) {
    if (!(Number.isFinite(nominalRateHz) && nominalRateHz >= 0)) {
      throw new StreamError('BAD_RATE', `OnlineDejitter: nominalRateHz must be a finite number >= 0, got ${nominalRateHz}`, {
        nominalRateHz,
      });
    }
    this.periodSec = nominalRateHz > 0 ? 1 / nominalRateHz : 0;
    const lambda = opts.forgetting ?? (nominalRateHz > 0 ? Math.pow(2, -1 / (90 * nominalRateHz)) : 1);
    if (!(lambda > 0 && lambda <= 1)) {
      throw new StreamError('BAD_OPTION', `OnlineDejitter: forgetting must be in (0, 1], got ${lambda}`, {
        option: 'forgetting',
        value: lambda,
      });
    }
    this.lambda = lambda;
    this.breakSec = opts.breakThresholdSec ?? 1;
    if (!(Number.isFinite(this.breakSec) && this.breakSec > 0)) {
      throw new StreamError('BAD_OPTION', `OnlineDejitter: breakThresholdSec must be a positive finite number, got ${this.breakSec}`, {
        option: 'breakThresholdSec',
        value: this.breakSec,
      });
    }
    this.breakSamples = opts.breakThresholdSamples ?? 500;
    if (!(Number.isFinite(this.breakSamples) && this.breakSamples >= 0)) {
      throw new StreamError('BAD_OPTION', `OnlineDejitter: breakThresholdSamples must be a finite number >= 0, got ${this.breakSamples}`, {
        option: 'breakThresholdSamples',
        value: this.breakSamples,
      });
    }
    const priorSamples = Math.max(PRIOR_SECONDS * nominalRateHz, 4);
    // Information about the slope from n equally weighted consecutive samples is n³/12 (u in samples).
    this.priorStrength = (priorSamples * priorSamples * priorSamples) / 12;
    this.minStepSec = this.periodSec * 1e-3;
  }

  /** Segments started so far (1 after the first sample, +1 at every break or reset()). */
  get segmentCount(): number {
    return this.segments;
  }

  /** Forget the fit: the next sample starts a new segment. */
  reset(): void {
    this.inSegment = false;
  }

  /**
   * Smooth the timestamps of one chunk whose first sample has counter `firstIndex` (consecutive
   * samples, consecutive counters). Returns `out` (allocated when not given) holding the smoothed
   * timestamps. Irregular streams (rate 0) are passed through unchanged.
   */
  process(firstIndex: number, timestamps: Float64Array, out?: Float64Array): Float64Array {
    const n = timestamps.length;
    if (!Number.isFinite(firstIndex)) {
      throw new StreamError('NON_FINITE', `OnlineDejitter.process: firstIndex is ${firstIndex}; expected a finite sample counter`, {
        firstIndex,
      });
    }
    assertFinite(timestamps, 'timestamps', 'OnlineDejitter.process');
    const result = out ?? new Float64Array(n);
    if (result.length < n) {
      throw new StreamError('LENGTH_MISMATCH', `OnlineDejitter.process: out has ${result.length} values but the chunk has ${n}`, {
        outLength: result.length,
        chunkLength: n,
      });
    }
    if (n === 0) return result;
    if (this.periodSec === 0) {
      if (result !== timestamps) result.set(timestamps);
      if (!this.inSegment) {
        this.inSegment = true;
        this.segments++;
      }
      return result;
    }
    if (this.inSegment) {
      const jump = firstIndex - this.nextIndex;
      if (jump < 0 || jump > this.breakSamples) this.inSegment = false;
    }
    const lambda = this.lambda;
    for (let i = 0; i < n; i++) {
      const t = timestamps[i];
      const index = firstIndex + i;
      if (this.inSegment) {
        const residual = t - this.timeRef - (this.w0 + this.w1 * (index - this.indexRef));
        if (residual > this.breakSec || residual < -this.breakSec) this.inSegment = false;
      }
      if (!this.inSegment) this.startSegment(index, t);
      const u = index - this.indexRef;
      const y = t - this.timeRef;
      this.s0 = this.s0 * lambda + 1;
      this.s1 = this.s1 * lambda + u;
      this.s2 = this.s2 * lambda + u * u;
      this.sy = this.sy * lambda + y;
      this.suy = this.suy * lambda + u * y;
      this.prior *= lambda;
      this.solve();
      if (this.s1 > RECENTRE_SAMPLES * this.s0 || this.s1 < -RECENTRE_SAMPLES * this.s0) this.recentre();
      let smoothed = this.timeRef + this.w0 + this.w1 * (index - this.indexRef);
      if (smoothed <= this.lastOut) smoothed = this.lastOut + this.minStepSec;
      this.lastOut = smoothed;
      result[i] = smoothed;
    }
    this.nextIndex = firstIndex + n;
    return result;
  }

  private startSegment(index: number, t: number): void {
    this.inSegment = true;
    this.segments++;
    this.indexRef = index;
    this.timeRef = t;
    this.s0 = 0;
    this.s1 = 0;
    this.s2 = 0;
    this.sy = 0;
    this.suy = 0;
    this.prior = this.priorStrength;
    this.w0 = 0;
    this.w1 = this.periodSec;
    this.lastOut = -Infinity;
  }

  /** Solve [s0 s1; s1 s2+prior] [w0; w1] = [sy; suy + prior·period]. */
  private solve(): void {
    const c = this.s2 + this.prior;
    const det = this.s0 * c - this.s1 * this.s1;
    if (!(det > 0)) return; // cannot happen with prior > 0; keep the previous line if it does
    this.w1 = (this.s0 * (this.suy + this.prior * this.periodSec) - this.s1 * this.sy) / det;
    this.w0 = (this.sy - this.s1 * this.w1) / this.s0;
  }

  /** Move the references to the weighted mean index and the line's time there; the sums follow. */
  private recentre(): void {
    const dI = Math.round(this.s1 / this.s0);
    const dT = this.w0 + this.w1 * dI;
    this.s2 = this.s2 - 2 * dI * this.s1 + dI * dI * this.s0;
    this.suy = this.suy - dI * this.sy;
    this.s1 = this.s1 - dI * this.s0;
    this.suy = this.suy - dT * this.s1;
    this.sy = this.sy - dT * this.s0;
    this.indexRef += dI;
    this.timeRef += dT;
    this.w0 = 0;
  }
}

export interface DejitterResult {
  timestamps: Float64Array;
  /** Inclusive [first, last] sample index ranges between breaks. */
  segments: Array<[number, number]>;
  /** Σ(samples − 1) / Σ(duration) over the segments, after dejittering (pyxdf); 0 if not measurable. */
  effectiveRateHz: number;
}

export interface DejitterOfflineOptions {
  /** A gap between consecutive timestamps larger than max(this, breakThresholdSamples / rate)
   *  (either sign) is a break (default 1 s). */
  breakThresholdSeconds?: number;
  /** See breakThresholdSeconds (default 500 samples). */
  breakThresholdSamples?: number;
}

/**
 * pyxdf's jitter removal (1.17): split at breaks (|Δt| > max(1 s, 500 samples / rate)), then
 * replace each segment's timestamps by their least-squares line on sample position; a one-sample
 * segment keeps its timestamp. Input untouched. Irregular streams (rate 0): timestamps copied
 * unchanged, one segment, effective rate 0.
 */
export function dejitterOffline(
  timestamps: Float64Array,
  nominalRateHz: number,
  opts: DejitterOfflineOptions = {},
): DejitterResult {
  if (!(Number.isFinite(nominalRateHz) && nominalRateHz >= 0)) {
    throw new StreamError('BAD_RATE', `dejitterOffline: nominalRateHz must be a finite number >= 0, got ${nominalRateHz}`, {
      nominalRateHz,
    });
  }
  const breakSeconds = opts.breakThresholdSeconds ?? 1;
  const breakSamples = opts.breakThresholdSamples ?? 500;
  if (!(Number.isFinite(breakSeconds) && breakSeconds >= 0)) {
    throw new StreamError('BAD_OPTION', `dejitterOffline: breakThresholdSeconds must be a finite number >= 0, got ${breakSeconds}`, {
      option: 'breakThresholdSeconds',
      value: breakSeconds,
    });
  }
  if (!(Number.isFinite(breakSamples) && breakSamples >= 0)) {
    throw new StreamError('BAD_OPTION', `dejitterOffline: breakThresholdSamples must be a finite number >= 0, got ${breakSamples}`, {
      option: 'breakThresholdSamples',
      value: breakSamples,
    });
  }
  assertFinite(timestamps, 'timestamps', 'dejitterOffline');
  const n = timestamps.length;
  const out = Float64Array.from(timestamps);
  if (n === 0) return { timestamps: out, segments: [], effectiveRateHz: 0 };
  if (nominalRateHz === 0) return { timestamps: out, segments: [[0, n - 1]], effectiveRateHz: 0 };

  const threshold = Math.max(breakSeconds, breakSamples / nominalRateHz);
  const segments: Array<[number, number]> = [];
  let start = 0;
  for (let i = 1; i < n; i++) {
    if (Math.abs(timestamps[i] - timestamps[i - 1]) > threshold) {
      segments.push([start, i - 1]);
      start = i;
    }
  }
  segments.push([start, n - 1]);

  let intervals = 0;
  let duration = 0;
  for (const [s, e] of segments) {
    fitSegment(timestamps, out, s, e);
    intervals += e - s;
    duration += out[e] - out[s];
  }
  return { timestamps: out, segments, effectiveRateHz: intervals > 0 && duration > 0 ? intervals / duration : 0 };
}

/** Least-squares line of time on position over [s, e], centred on the segment (closed forms). */
function fitSegment(ts: Float64Array, out: Float64Array, s: number, e: number): void {
  const m = e - s + 1;
  if (m < 2) return;
  const t0 = ts[s];
  let mean = 0;
  for (let i = s; i <= e; i++) mean += ts[i] - t0;
  mean /= m;
  const uMean = (m - 1) / 2;
  let cuy = 0;
  for (let i = s; i <= e; i++) cuy += (i - s - uMean) * (ts[i] - t0 - mean);
  const cuu = (m * (m * m - 1)) / 12;
  const slope = cuy / cuu;
  for (let i = s; i <= e; i++) out[i] = t0 + mean + slope * (i - s - uMean);
}
