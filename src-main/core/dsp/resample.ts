// Anti-aliased resampling of irregularly timestamped multichannel samples onto a uniform grid
// with an availability mask. Used by the aligner (core/align) to bring every device stream to
// its model rate on the session timeline; gaps stay gaps (mask 0), never zero-filled data.

import { DspError } from '../errors.js';

/** Samples of one stream: `values` is n x channelCount row-major, `timestamps` n seconds
 *  (non-decreasing, one clock). `nominalRateHz` 0 or absent means "estimate it". */
export interface IrregularSignal {
  timestamps: Float64Array;
  values: Float32Array;
  channelCount: number;
  nominalRateHz?: number;
}

/** A uniform grid: sample g sits at `startSec + g / rateHz`. */
export interface UniformGrid {
  startSec: number;
  rateHz: number;
  length: number;
}

/** Shape of the anti-aliasing low-pass, in fractions of fRef = min(input rate, output rate). */
export interface ResampleFilterOptions {
  /** -6 dB cut-off as a fraction of fRef. Default 0.45. */
  cutoffFraction?: number;
  /** Width of the transition band (centred on the cut-off) as a fraction of fRef. Default 0.1,
   *  i.e. pass band up to 0.40 fRef, stop band from 0.50 fRef (the new Nyquist when downsampling). */
  transitionFraction?: number;
  /** Stop-band attenuation of the Kaiser design, dB. Default 60. */
  stopbandDb?: number;
}

export interface ResampleOptions extends ResampleFilterOptions {
  /** A step between consecutive timestamps larger than this many nominal periods is a gap:
   *  the samples on either side belong to different runs, filtered separately. Default 1.5. */
  maxGapPeriods?: number;
  /** Preallocated output (values grid.length x channelCount, mask grid.length). */
  out?: ResampleResult;
}

export interface ResampleResult {
  /** grid.length x channelCount, row-major; exactly 0 where mask is 0. */
  values: Float32Array;
  /** 1 where the grid time lies inside a run of data (first sample - half a period to last
   *  sample + half a period), 0 in gaps, before the first and after the last sample. */
  mask: Uint8Array;
}

export const DEFAULT_MAX_GAP_PERIODS = 1.5;
const DEFAULT_CUTOFF_FRACTION = 0.45;
const DEFAULT_TRANSITION_FRACTION = 0.1;
const DEFAULT_STOPBAND_DB = 60;
/** Table points per input sample for the tabulated kernel (linear interpolation between them). */
const KERNEL_OVERSAMPLE = 256;

/** Zeroth-order modified Bessel function of the first kind (power series). */
export function besselI0(x: number): number {
  const q = (x * x) / 4;
  let term = 1;
  let sum = 1;
  for (let k = 1; k < 200; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

/** Kaiser window beta for a stop-band attenuation in dB (Kaiser's empirical formula). */
export function kaiserBeta(stopbandDb: number): number {
  if (stopbandDb > 50) return 0.1102 * (stopbandDb - 8.7);
  if (stopbandDb >= 21) return 0.5842 * (stopbandDb - 21) ** 0.4 + 0.07886 * (stopbandDb - 21);
  return 0;
}

/**
 * A Kaiser-windowed sinc low-pass, as a continuous function of the distance in input samples,
 * tabulated once and read with linear interpolation. Designed for one (input rate, output rate)
 * pair; evaluated at arbitrary fractional positions, so any rate ratio works.
 */
export class ResampleKernel {
  /** Half support in input samples: h(x) = 0 for |x| >= halfWidth. */
  readonly halfWidth: number;
  /** Cut-off in cycles per input sample. */
  readonly cutoffCyclesPerSample: number;
  private readonly table: Float64Array;

  constructor(inRateHz: number, outRateHz: number, options: ResampleFilterOptions = {}) {
    const cutoffFraction = options.cutoffFraction ?? DEFAULT_CUTOFF_FRACTION;
    const transitionFraction = options.transitionFraction ?? DEFAULT_TRANSITION_FRACTION;
    const stopbandDb = options.stopbandDb ?? DEFAULT_STOPBAND_DB;
    if (!(inRateHz > 0) || !(outRateHz > 0) || !Number.isFinite(inRateHz) || !Number.isFinite(outRateHz)) {
      throw new DspError('invalid-rate', `resample kernel: rates must be positive and finite, got in=${inRateHz} Hz, out=${outRateHz} Hz`, {
        inRateHz,
        outRateHz,
      });
    }
    if (!(cutoffFraction > 0 && cutoffFraction <= 0.5) || !(transitionFraction > 0 && transitionFraction <= 1) || !(stopbandDb >= 10 && stopbandDb <= 200)) {
      throw new DspError(
        'invalid-filter-options',
        `resample kernel: expected 0 < cutoffFraction <= 0.5, 0 < transitionFraction <= 1, 10 <= stopbandDb <= 200; got ${cutoffFraction}, ${transitionFraction}, ${stopbandDb}`,
        { cutoffFraction, transitionFraction, stopbandDb },
      );
    }
    const fRefHz = Math.min(inRateHz, outRateHz);
    const nu = (cutoffFraction * fRefHz) / inRateHz;
    const deltaOmega = (2 * Math.PI * transitionFraction * fRefHz) / inRateHz;
    const taps = (stopbandDb - 7.95) / (2.285 * deltaOmega) + 1;
    this.halfWidth = Math.max(1, taps / 2);
    this.cutoffCyclesPerSample = nu;
    const beta = kaiserBeta(stopbandDb);
    const i0Beta = besselI0(beta);
    const size = Math.ceil(this.halfWidth * KERNEL_OVERSAMPLE) + 2;
    this.table = new Float64Array(size);
    for (let i = 0; i < size; i++) {
      const x = i / KERNEL_OVERSAMPLE;
      const r = x / this.halfWidth;
      if (r >= 1) break;
      const arg = 2 * nu * x;
      const sinc = x === 0 ? 1 : Math.sin(Math.PI * arg) / (Math.PI * arg);
      this.table[i] = 2 * nu * sinc * (besselI0(beta * Math.sqrt(1 - r * r)) / i0Beta);
    }
  }

  /** Kernel value at a distance of `x` input samples. */
  at(x: number): number {
    const ax = (x < 0 ? -x : x) * KERNEL_OVERSAMPLE;
    const i = Math.floor(ax);
    if (i >= this.table.length - 1) return 0;
    const f = ax - i;
    return this.table[i]! + f * (this.table[i + 1]! - this.table[i]!);
  }
}

const kernelCache = new Map<string, ResampleKernel>();
const KERNEL_CACHE_LIMIT = 64;

/** The kernel for a rate pair and filter shape; designed once and cached. */
export function resampleKernelFor(inRateHz: number, outRateHz: number, options: ResampleFilterOptions = {}): ResampleKernel {
  const key = `${inRateHz}|${outRateHz}|${options.cutoffFraction ?? ''}|${options.transitionFraction ?? ''}|${options.stopbandDb ?? ''}`;
  let kernel = kernelCache.get(key);
  if (kernel === undefined) {
    kernel = new ResampleKernel(inRateHz, outRateHz, options);
    if (kernelCache.size >= KERNEL_CACHE_LIMIT) kernelCache.clear();
    kernelCache.set(key, kernel);
  }
  return kernel;
}

/** First index in [from, to) with timestamps[i] >= tSec (to if none). */
export function lowerBoundSec(timestamps: Float64Array, tSec: number, from = 0, to = timestamps.length): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (timestamps[mid]! < tSec) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Median step of up to 4096 consecutive positive timestamp differences, as a rate in Hz
 *  (0 when it cannot be estimated). */
export function estimateRateHz(timestamps: Float64Array, from = 0, to = timestamps.length): number {
  const count = Math.min(to - from - 1, 4096);
  if (count < 1) return 0;
  const diffs = new Float64Array(count);
  let m = 0;
  for (let i = 0; i < count; i++) {
    const d = timestamps[from + i + 1]! - timestamps[from + i]!;
    if (d > 0) diffs[m++] = d;
  }
  if (m === 0) return 0;
  const sorted = diffs.subarray(0, m).sort();
  return 1 / sorted[m >> 1]!;
}

/** Throws DspError unless timestamps[from..to) are finite and non-decreasing. */
export function checkTimestamps(timestamps: Float64Array, from = 0, to = timestamps.length, what = 'timestamps'): void {
  let prev = -Infinity;
  for (let i = from; i < to; i++) {
    const t = timestamps[i]!;
    if (!Number.isFinite(t)) {
      throw new DspError('non-finite-timestamp', `${what}[${i}] is ${t}; timestamps must be finite seconds`, { index: i });
    }
    if (t < prev) {
      throw new DspError('non-monotonic-timestamps', `${what}[${i}] = ${t} s is earlier than ${what}[${i - 1}] = ${prev} s; timestamps must not decrease`, {
        index: i,
        tSec: t,
        previousSec: prev,
      });
    }
    prev = t;
  }
}

function checkShapes(signal: IrregularSignal, grid: UniformGrid): void {
  const c = signal.channelCount;
  if (!Number.isInteger(c) || c < 1) {
    throw new DspError('invalid-channel-count', `channelCount must be a positive integer, got ${c}`, { channelCount: c });
  }
  if (signal.values.length !== signal.timestamps.length * c) {
    throw new DspError(
      'length-mismatch',
      `values has ${signal.values.length} elements but ${signal.timestamps.length} timestamps x ${c} channels = ${signal.timestamps.length * c} were expected`,
      { values: signal.values.length, timestamps: signal.timestamps.length, channelCount: c },
    );
  }
  const nominal = signal.nominalRateHz ?? 0;
  if (!Number.isFinite(nominal) || nominal < 0) {
    throw new DspError('invalid-rate', `nominalRateHz must be >= 0 and finite (0 = estimate), got ${nominal}`, { nominalRateHz: nominal });
  }
  if (!Number.isFinite(grid.startSec) || !(grid.rateHz > 0) || !Number.isFinite(grid.rateHz) || !Number.isInteger(grid.length) || grid.length < 0) {
    throw new DspError(
      'invalid-grid',
      `grid needs a finite startSec, a positive rateHz and a non-negative integer length; got startSec=${grid.startSec}, rateHz=${grid.rateHz}, length=${grid.length}`,
      { ...grid },
    );
  }
}

/**
 * Resample `signal` onto `grid`: split the samples into contiguous runs (no step larger than
 * maxGapPeriods nominal periods), fit each run's sample index -> time line by least squares
 * (treating residual timestamp jitter as stamping noise), and evaluate a Kaiser-windowed sinc
 * low-pass (cut-off 0.45 x min(input, output rate)) at each grid time inside the run, in the
 * run's index domain. Runs are filtered separately (odd reflection at run ends), so nothing
 * smears across a gap. Only the samples near the grid are touched, so resampling an 8 s
 * window out of a long buffer costs what the window costs.
 */
export function resampleToGrid(signal: IrregularSignal, grid: UniformGrid, options: ResampleOptions = {}): ResampleResult {
  checkShapes(signal, grid);
  const channels = signal.channelCount;
  const length = grid.length;
  let out = options.out;
  if (out === undefined) {
    out = { values: new Float32Array(length * channels), mask: new Uint8Array(length) };
  } else {
    if (out.values.length !== length * channels || out.mask.length !== length) {
      throw new DspError(
        'output-size-mismatch',
        `preallocated output has ${out.values.length} values / ${out.mask.length} mask entries; the grid needs ${length * channels} / ${length}`,
        { values: out.values.length, mask: out.mask.length, length, channelCount: channels },
      );
    }
    out.values.fill(0);
    out.mask.fill(0);
  }
  const maxGapPeriods = options.maxGapPeriods ?? DEFAULT_MAX_GAP_PERIODS;
  if (!(maxGapPeriods > 1) || !Number.isFinite(maxGapPeriods)) {
    throw new DspError('invalid-filter-options', `maxGapPeriods must be a finite number > 1, got ${maxGapPeriods}`, { maxGapPeriods });
  }
  const ts = signal.timestamps;
  const n = ts.length;
  if (n === 0 || length === 0) return out;

  // A first guess of the relevant input range (needs a rate), then validate only that range.
  const gridEndSec = grid.startSec + (length - 1) / grid.rateHz;
  let nominalRateHz = signal.nominalRateHz ?? 0;
  if (nominalRateHz === 0) {
    const iMid = Math.min(Math.max(lowerBoundSec(ts, grid.startSec), 0), Math.max(n - 2, 0));
    nominalRateHz = estimateRateHz(ts, Math.max(0, iMid - 2048), Math.min(n, iMid + 2048));
    if (nominalRateHz === 0) nominalRateHz = grid.rateHz; // single sample or identical stamps
  }
  const kernel = resampleKernelFor(nominalRateHz, grid.rateHz, options);
  const periodSec = 1 / nominalRateHz;
  const marginSec = (kernel.halfWidth + 2) * periodSec;
  const i0 = lowerBoundSec(ts, grid.startSec - marginSec);
  const i1 = lowerBoundSec(ts, gridEndSec + marginSec, i0);
  checkTimestamps(ts, i0, i1);
  if (i1 <= i0) return out;

  const scratch = new Scratch(kernel.halfWidth, channels);
  const gapSec = maxGapPeriods * periodSec;
  let runStart = i0;
  for (let i = i0 + 1; i < i1; i++) {
    if (ts[i]! - ts[i - 1]! > gapSec) {
      resampleRun(signal, runStart, i, periodSec, grid, kernel, scratch, out);
      runStart = i;
    }
  }
  resampleRun(signal, runStart, i1, periodSec, grid, kernel, scratch, out);
  return out;
}

/** Per-call buffers, so the per-grid-sample loop allocates nothing. */
class Scratch {
  readonly weights: Float64Array;
  readonly acc: Float64Array;
  constructor(halfWidth: number, channels: number) {
    this.weights = new Float64Array(Math.ceil(2 * halfWidth) + 8);
    this.acc = new Float64Array(channels);
  }
}

function resampleRun(
  signal: IrregularSignal,
  a: number,
  b: number,
  nominalPeriodSec: number,
  grid: UniformGrid,
  kernel: ResampleKernel,
  scratch: Scratch,
  out: ResampleResult,
): void {
  const ts = signal.timestamps;
  const values = signal.values;
  const channels = signal.channelCount;
  const nr = b - a;

  // Least-squares line t = tMean + (k - kMean) * period over the run's indices k = 0..nr-1.
  const kMean = (nr - 1) / 2;
  let tMean = 0;
  for (let i = a; i < b; i++) tMean += ts[i]!;
  tMean /= nr;
  let period = nominalPeriodSec;
  if (nr >= 2) {
    let sxy = 0;
    for (let i = a; i < b; i++) sxy += (i - a - kMean) * (ts[i]! - tMean);
    const sxx = (nr * (nr * nr - 1)) / 12;
    const fitted = sxy / sxx;
    // Identical stamps (a chunk stamped once) or absurd slopes: keep the nominal period.
    if (fitted > 0.5 * nominalPeriodSec && fitted < 2 * nominalPeriodSec) period = fitted;
  }
  const supportStartSec = tMean - (kMean + 0.5) * period;
  const supportEndSec = tMean + (kMean + 0.5) * period;
  const rate = grid.rateHz;
  const gLo = Math.max(0, Math.ceil((supportStartSec - grid.startSec) * rate));
  const gHi = Math.min(grid.length - 1, Math.floor((supportEndSec - grid.startSec) * rate));
  if (gHi < gLo) return;

  const hw = kernel.halfWidth;
  const weights = scratch.weights;
  const acc = scratch.acc;
  const outValues = out.values;
  const mask = out.mask;
  const last = nr - 1;
  for (let g = gLo; g <= gHi; g++) {
    const tSec = grid.startSec + g / rate;
    const u = (tSec - tMean) / period + kMean; // fractional index into the run
    const kFirst = Math.ceil(u - hw);
    const kLast = Math.floor(u + hw);
    // Indices touched after folding the reflections back into [0, last].
    const wBase = Math.max(0, Math.min(kFirst, 2 * last - kLast));
    const wTop = Math.min(last, Math.max(kLast, -kFirst));
    weights.fill(0, 0, wTop - wBase + 1);
    let sum = 0;
    for (let k = kFirst; k <= kLast; k++) {
      const h = kernel.at(u - k);
      if (h === 0) continue;
      sum += h;
      if (k < 0) {
        // Odd reflection about the first sample: x[-m] = 2 x[0] - x[m].
        const m = Math.min(-k, last);
        weights[0 - wBase] += 2 * h;
        weights[m - wBase] -= h;
      } else if (k > last) {
        const m = Math.max(2 * last - k, 0);
        weights[last - wBase] += 2 * h;
        weights[m - wBase] -= h;
      } else {
        weights[k - wBase] += h;
      }
    }
    const rowOut = g * channels;
    mask[g] = 1;
    if (sum === 0) continue;
    const inv = 1 / sum;
    if (channels === 1) {
      let s = 0;
      for (let j = 0, idx = a + wBase; j <= wTop - wBase; j++, idx++) s += weights[j]! * values[idx]!;
      outValues[rowOut] = s * inv;
      continue;
    }
    // Four taps per pass over the channels: a quarter of the accumulator traffic.
    acc.fill(0);
    const taps = wTop - wBase + 1;
    let j = 0;
    for (; j + 3 < taps; j += 4) {
      const w0 = weights[j]!;
      const w1 = weights[j + 1]!;
      const w2 = weights[j + 2]!;
      const w3 = weights[j + 3]!;
      const r0 = (a + wBase + j) * channels;
      const r1 = r0 + channels;
      const r2 = r1 + channels;
      const r3 = r2 + channels;
      for (let c = 0; c < channels; c++) {
        acc[c] += w0 * values[r0 + c]! + w1 * values[r1 + c]! + w2 * values[r2 + c]! + w3 * values[r3 + c]!;
      }
    }
    for (; j < taps; j++) {
      const w = weights[j]!;
      const rowIn = (a + wBase + j) * channels;
      for (let c = 0; c < channels; c++) acc[c] += w * values[rowIn + c]!;
    }
    for (let c = 0; c < channels; c++) outValues[rowOut + c] = acc[c]! * inv;
  }
}
