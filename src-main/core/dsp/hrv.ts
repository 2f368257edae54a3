// Heart-rate variability from R-peaks: time domain (mean RR, SDNN, RMSSD, pNN50) and frequency
// domain (VLF/LF/HF power and LF/HF from the RR series interpolated at 4 Hz by a cubic spline,
// Welch PSD), as Task Force (1996) defines them. Used by CLI analyze and the model baselines.

import { DspError } from '../errors.js';
import { bandPower, WelchEstimator } from './spectrum.js';

export interface HrvTimeDomain {
  beats: number;
  meanRrMs: number;
  meanHrBpm: number;
  /** Standard deviation of the RR intervals (sample, n - 1). */
  sdnnMs: number;
  /** Root mean square of successive RR differences. */
  rmssdMs: number;
  /** Percentage of successive RR differences above 50 ms. */
  pnn50: number;
}

export interface HrvFrequencyDomain {
  /** Power, ms^2, in VLF 0.0033-0.04 Hz, LF 0.04-0.15 Hz, HF 0.15-0.4 Hz. */
  vlfMs2: number;
  lfMs2: number;
  hfMs2: number;
  lfHf: number;
  /** LF and HF in normalised units: LF / (LF + HF) x 100. */
  lfNu: number;
  hfNu: number;
  resampleHz: number;
  /** Seconds of RR series analysed. */
  durationSec: number;
}

/** RR intervals (ms) between consecutive R-peaks given as sample indices. */
export function rrIntervalsMs(peaks: ArrayLike<number>, rateHz: number): Float64Array {
  const out = new Float64Array(Math.max(0, peaks.length - 1));
  for (let i = 1; i < peaks.length; i++) out[i - 1] = ((peaks[i]! - peaks[i - 1]!) * 1000) / rateHz;
  return out;
}

export function hrvTimeDomain(rrMs: ArrayLike<number>): HrvTimeDomain {
  const n = rrMs.length;
  if (n < 2) {
    throw new DspError('too-short', `HRV needs at least 2 RR intervals (3 beats), got ${n}`, { intervals: n });
  }
  let mean = 0;
  for (let i = 0; i < n; i++) mean += rrMs[i]!;
  mean /= n;
  let ss = 0;
  let sd = 0;
  let over50 = 0;
  for (let i = 0; i < n; i++) {
    ss += (rrMs[i]! - mean) ** 2;
    if (i > 0) {
      const d = rrMs[i]! - rrMs[i - 1]!;
      sd += d * d;
      if (Math.abs(d) > 50) over50++;
    }
  }
  return {
    beats: n + 1,
    meanRrMs: mean,
    meanHrBpm: 60000 / mean,
    sdnnMs: Math.sqrt(ss / (n - 1)),
    rmssdMs: Math.sqrt(sd / (n - 1)),
    pnn50: (100 * over50) / (n - 1),
  };
}

/** Natural cubic spline through (x, y) evaluated at `at` (x strictly increasing). */
export function cubicSpline(x: ArrayLike<number>, y: ArrayLike<number>, at: ArrayLike<number>, out = new Float64Array(at.length)): Float64Array {
  const n = x.length;
  if (n < 2 || y.length !== n) {
    throw new DspError('too-short', `cubic spline needs >= 2 points with matching x and y, got ${n} and ${y.length}`, { n });
  }
  // Second derivatives by the tridiagonal (Thomas) solve, natural ends.
  const m = new Float64Array(n);
  const c = new Float64Array(n);
  const d = new Float64Array(n);
  for (let i = 1; i < n - 1; i++) {
    const h0 = x[i]! - x[i - 1]!;
    const h1 = x[i + 1]! - x[i]!;
    const a = h0 / 6;
    const b = (h0 + h1) / 3;
    const cc = h1 / 6;
    const r = (y[i + 1]! - y[i]!) / h1 - (y[i]! - y[i - 1]!) / h0;
    const denom = b - a * c[i - 1]!;
    c[i] = cc / denom;
    d[i] = (r - a * d[i - 1]!) / denom;
  }
  for (let i = n - 2; i >= 1; i--) m[i] = d[i]! - c[i]! * m[i + 1]!;
  let k = 0;
  for (let j = 0; j < at.length; j++) {
    const t = at[j]!;
    while (k < n - 2 && t > x[k + 1]!) k++;
    while (k > 0 && t < x[k]!) k--;
    const h = x[k + 1]! - x[k]!;
    const A = (x[k + 1]! - t) / h;
    const B = (t - x[k]!) / h;
    out[j] = A * y[k]! + B * y[k + 1]! + (((A * A * A - A) * m[k]! + (B * B * B - B) * m[k + 1]!) * h * h) / 6;
  }
  return out;
}

/**
 * Frequency-domain HRV from R-peak times (s): the RR series (each interval at the time of the beat
 * that ends it) is interpolated at `resampleHz` by a natural cubic spline, linearly detrended and
 * Welch-averaged over `segmentSec` Hann segments with 50 % overlap (shorter records: one segment).
 */
export function hrvFrequencyDomain(peakTimesSec: ArrayLike<number>, opts: { resampleHz?: number; segmentSec?: number } = {}): HrvFrequencyDomain {
  const fs = opts.resampleHz ?? 4;
  const segmentSec = opts.segmentSec ?? 120;
  const beats = peakTimesSec.length;
  if (beats < 4) {
    throw new DspError('too-short', `frequency-domain HRV needs at least 4 beats, got ${beats}`, { beats });
  }
  const tx = new Float64Array(beats - 1);
  const rr = new Float64Array(beats - 1);
  for (let i = 1; i < beats; i++) {
    tx[i - 1] = peakTimesSec[i]!;
    rr[i - 1] = (peakTimesSec[i]! - peakTimesSec[i - 1]!) * 1000;
    if (!(rr[i - 1]! > 0)) {
      throw new DspError('non-monotonic-timestamps', `R-peak times must increase; peak ${i} at ${peakTimesSec[i]} s follows ${peakTimesSec[i - 1]} s`, { index: i });
    }
  }
  const durationSec = tx[tx.length - 1]! - tx[0]!;
  const n = Math.floor(durationSec * fs) + 1;
  if (n < 16) {
    throw new DspError('too-short', `frequency-domain HRV needs at least 4 s of RR series, got ${durationSec.toFixed(2)} s`, { durationSec });
  }
  const grid = new Float64Array(n);
  for (let i = 0; i < n; i++) grid[i] = tx[0]! + i / fs;
  const series = cubicSpline(tx, rr, grid);
  const segment = Math.min(n, Math.round(segmentSec * fs));
  let nfft = 2;
  while (nfft < Math.max(segment, 1024)) nfft *= 2;
  const est = new WelchEstimator(fs, 1, { segmentLength: segment, nfft, detrend: 'linear' });
  est.addRun(series, 0, n);
  const ps = est.result();
  const vlf = bandPower(ps, 0, 0.0033, 0.04);
  const lf = bandPower(ps, 0, 0.04, 0.15);
  const hf = bandPower(ps, 0, 0.15, 0.4);
  return {
    vlfMs2: vlf,
    lfMs2: lf,
    hfMs2: hf,
    lfHf: hf > 0 ? lf / hf : Number.NaN,
    lfNu: lf + hf > 0 ? (100 * lf) / (lf + hf) : Number.NaN,
    hfNu: lf + hf > 0 ? (100 * hf) / (lf + hf) : Number.NaN,
    resampleHz: fs,
    durationSec,
  };
}
